"""Every example DAG file parses cleanly, quickly and without touching the network."""

from __future__ import annotations

import re
import socket
import time
from pathlib import Path

import pytest
from dag_helpers import EXAMPLES, load_dag_bag

# the 0.1.9-style DAG is meant to use the deprecated argument names
pytestmark = pytest.mark.filterwarnings("ignore:HexRunProjectOperator argument")

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.py"))
MARKER = re.compile(r"#\s*\[(START|END) ([\w-]+)\]")


def test_examples_folder_holds_the_documented_dags() -> None:
    names = {path.name for path in EXAMPLE_FILES}
    mine = {
        f"example_hex_{suffix}.py"
        for suffix in ("run_project", "sensor", "mapped", "cancel", "legacy")
    }
    assert mine <= names


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=[p.name for p in EXAMPLE_FILES])
def test_example_dag_file_imports_without_errors(path: Path) -> None:
    bag = load_dag_bag(path)

    assert bag.import_errors == {}
    assert bag.dags, f"{path.name} defines no DAG"
    for dag in bag.dags.values():
        assert "example" in dag.tags


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=[p.name for p in EXAMPLE_FILES])
def test_example_dag_file_parses_without_network_io(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"{path.name} opened a network connection at parse time")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    started = time.monotonic()

    bag = load_dag_bag(path)

    assert bag.import_errors == {}
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=[p.name for p in EXAMPLE_FILES])
def test_example_dag_doc_markers_open_and_close_in_pairs(path: Path) -> None:
    opened: list[str] = []
    seen: set[str] = set()
    for kind, name in MARKER.findall(path.read_text()):
        if kind == "START":
            assert name not in seen, f"marker {name} used twice"
            opened.append(name)
            seen.add(name)
        else:
            assert opened, f"[END {name}] without its [START]"
            assert opened.pop() == name, f"[END {name}] closes another marker"
    assert not opened, f"unclosed markers: {opened}"


def test_doc_marker_names_are_unique_across_examples() -> None:
    names = [
        name
        for path in EXAMPLE_FILES
        for kind, name in MARKER.findall(path.read_text())
        if kind == "START"
    ]
    assert len(names) == len(set(names))
