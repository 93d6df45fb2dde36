"""The migration page's argument mapping is the operator's.

The coverage page is checked in ``test_coverage_table.py``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


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
    from airflow_provider_hex.operators.run_arguments import LEGACY_NAMES

    migration = (REPO / "docs" / "migration.md").read_text(encoding="utf-8")
    assert LEGACY_NAMES[old] == new
    assert re.search(rf"\| `{old}[^`]*` \| `{new}[^`]*` \|", migration), f"{old} -> {new}"
