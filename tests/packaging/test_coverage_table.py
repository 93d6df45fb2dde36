"""The coverage page (docs/coverage.md) matches the code: the 52 operations of
``HEX_OPERATIONS`` with their HTTP method and path, hook methods that exist, every public
hook method listed, operators importable from the module the page names, and a simulator
route for each operation."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from airflow_provider_hex.hooks import hex as hex_hook
from airflow_provider_hex.hooks.base import HexHookBase
from airflow_provider_hex.operations import HEX_OPERATIONS
from airflow_provider_hex.testing.routes import build_router

REPO = Path(__file__).resolve().parents[2]
COVERAGE = (REPO / "docs" / "coverage.md").read_text(encoding="utf-8")
# Hook methods that are not Hex operations (connection plumbing, the connection form).
NOT_OPERATIONS = {"get_connection_form_widgets", "get_ui_field_behaviour"}
_PAIR = re.compile(r"`(Hex\w+)` \(`([\w.]+)`\)")


def rows() -> dict[str, list[str]]:
    """Operation name -> the cells of its row in the coverage tables."""
    found: dict[str, list[str]] = {}
    for line in COVERAGE.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 5 and cells[1].startswith("`"):
            assert cells[0] not in found, f"{cells[0]} is listed twice"
            found[cells[0]] = cells
    return found


def methods(cell: str) -> list[str]:
    """The hook method names in backticks in a table cell."""
    return re.findall(r"`([a-z_][a-z0-9_]*)`", cell)


def test_the_page_lists_every_operation_of_the_openapi_document_once() -> None:
    assert len(HEX_OPERATIONS) == 52
    assert sorted(rows()) == sorted(HEX_OPERATIONS)
    assert "**52 of 52 operations wrapped and simulated.**" in COVERAGE


def test_each_rows_http_method_and_path_are_the_documents() -> None:
    wrong = {
        name: cells[1]
        for name, cells in rows().items()
        if cells[1] != "`{} {}`".format(*HEX_OPERATIONS[name])
    }
    assert wrong == {}


def test_every_row_says_simulated() -> None:
    assert {cells[4] for cells in rows().values()} == {"simulated"}


@pytest.mark.parametrize("operation", sorted(HEX_OPERATIONS))
def test_the_rows_hook_methods_exist(operation: str) -> None:
    named = methods(rows()[operation][2])
    assert named
    assert [m for m in named if not hasattr(hex_hook.HexHook, m)] == []


@pytest.mark.parametrize("operation", sorted(HEX_OPERATIONS))
def test_the_simulator_answers_the_operation(operation: str) -> None:
    assert operation in {route.operation for route in build_router().routes}


def test_every_public_hook_method_is_on_the_page() -> None:
    own = {
        name
        for cls in hex_hook.HexHook.__mro__
        if cls.__module__.startswith("airflow_provider_hex.hooks.") and cls is not HexHookBase
        for name, member in vars(cls).items()
        if callable(member) and not name.startswith("_")
    }
    listed = {m for cells in rows().values() for m in methods(cells[2])}
    assert own - NOT_OPERATIONS - listed == set()


def test_every_operator_named_is_importable_from_the_module_the_page_gives() -> None:
    pairs = {pair for cells in rows().values() for pair in _PAIR.findall(cells[3])}
    assert len(pairs) >= 20
    missing = [
        f"{module}.{name}"
        for name, module in sorted(pairs)
        if not hasattr(importlib.import_module(module), name)
    ]
    assert missing == []


def test_every_operator_of_the_package_is_on_the_page() -> None:
    from airflow_provider_hex.provider_info import get_provider_info

    listed = {name for cells in rows().values() for name, _ in _PAIR.findall(cells[3])}
    modules = get_provider_info()["operators"][0]["python-modules"]
    operators = {
        name
        for module in modules
        for name in getattr(importlib.import_module(module), "__all__", [])
        if name.startswith("Hex") and name.endswith("Operator")
    }
    assert operators - listed == set()
