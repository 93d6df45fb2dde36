"""The docs name only what the code has: the coverage table's hook methods and operators
exist, every public hook method is in the table, and the migration page's argument
mapping is the operator's."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

from airflow_provider_hex.hooks import hex as hex_hook
from airflow_provider_hex.hooks.base import HexHookBase
from airflow_provider_hex.provider_info import get_provider_info

REPO = Path(__file__).resolve().parents[2]
COVERAGE = (REPO / "docs" / "coverage.md").read_text(encoding="utf-8")
# The operator, sensor and trigger modules, as the provider info declares them to Airflow.
CLASS_MODULES = [
    module
    for kind in ("operators", "sensors", "triggers")
    for entry in get_provider_info()[kind]
    for module in entry["python-modules"]
]
# Hook methods that are not Hex operations (connection plumbing, the connection form).
NOT_OPERATIONS = {"get_connection_form_widgets", "get_ui_field_behaviour"}


def table_rows() -> list[list[str]]:
    """The cells of every row of the coverage tables that names a Hex operation."""
    rows = []
    for line in COVERAGE.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 4 and cells[1].startswith("`"):
            rows.append(cells)
    return rows


def named(cell: str) -> list[str]:
    """The names in backticks in a table cell."""
    return re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", cell)


def public_classes() -> dict[str, type]:
    """Every public class of the operator, sensor and trigger modules."""
    found: dict[str, type] = {}
    for name in CLASS_MODULES:
        module = importlib.import_module(name)
        found.update(
            (n, c) for n, c in vars(module).items() if inspect.isclass(c) and n.startswith("Hex")
        )
    return found


def hook_operations() -> set[str]:
    """HexHook's public methods that call Hex (what the coverage table must list)."""
    own = {
        name
        for cls in hex_hook.HexHook.__mro__
        if cls.__module__.startswith("airflow_provider_hex.hooks.") and cls is not HexHookBase
        for name, member in vars(cls).items()
        if callable(member) and not name.startswith("_")
    }
    return own - NOT_OPERATIONS


def test_coverage_table_lists_every_hex_operation_of_the_api_reference() -> None:
    operations = [row[0] for row in table_rows()]
    assert len(operations) == len(set(operations)) >= 32  # hex-api section 2, plus Me


def test_every_hook_method_in_the_coverage_table_exists() -> None:
    missing = [m for row in table_rows() for m in named(row[2]) if not hasattr(hex_hook.HexHook, m)]
    assert not missing


def test_every_public_hook_method_appears_in_the_coverage_table() -> None:
    listed = {m for row in table_rows() for m in named(row[2])}
    assert hook_operations() - listed == set()


def test_every_operator_sensor_and_trigger_in_the_coverage_table_exists() -> None:
    classes = public_classes()
    missing = [c for row in table_rows() for c in named(row[3]) if c not in classes]
    assert not missing


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("synchronous", "wait_for_completion"),
        ("wait_seconds", "poll_interval"),
        ("kill_on_timeout", "cancel_on_timeout"),
        ("input_parameters", "input_params"),
    ],
    ids=["synchronous", "wait_seconds", "kill_on_timeout", "input_parameters"],
)
def test_migration_page_maps_each_0_1_9_argument_as_the_operator_does(old: str, new: str) -> None:
    from airflow_provider_hex.operators._run_args import LEGACY_NAMES

    migration = (REPO / "docs" / "migration.md").read_text(encoding="utf-8")
    assert LEGACY_NAMES[old] == new
    assert re.search(rf"\| `{old}[^`]*` \| `{new}[^`]*` \|", migration), f"{old} -> {new}"
