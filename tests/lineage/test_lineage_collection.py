"""Collecting lineage is cheap, cached, polite to the rate budget and never fails a task."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from airflow_provider_hex.hooks.hex import HexHook
from airflow_provider_hex.lineage import forget_lineage, operator_lineage, project_lineage
from airflow_provider_hex.testing import Fault, HexSimulator, RunScript


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    forget_lineage()
    yield
    forget_lineage()


@pytest.fixture
def project(sim: HexSimulator) -> str:
    warehouse = sim.add_data_connection(
        "Warehouse", "postgres", {"hostname": "db.internal", "port": 5432, "database": "dw"}
    )
    project_id = sim.add_project("Margins", scripts=[RunScript(0, 0)])
    sim.set_queried_tables(project_id, [(warehouse, "sales.orders"), (warehouse, "sales.items")])
    return project_id


def test_a_project_is_read_once_then_served_from_the_cache(
    sim: HexSimulator, conn_id: str, project: str
) -> None:
    hook = HexHook(conn_id)

    first = project_lineage(hook, project)
    sent = len(sim.requests)
    second = project_lineage(hook, project)

    assert first == second
    assert [t.name for t in first.tables] == ["dw.sales.orders", "dw.sales.items"]
    assert first.title == "Margins"
    assert sent == 3  # GetQueriedTables, one GetDataConnection, GetProject
    assert len(sim.requests) == sent


def test_a_busy_budget_skips_the_reads_instead_of_waiting(
    sim: HexSimulator, conn_id: str, project: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = HexHook(conn_id)

    class Busy:
        def peek(self, group: str | None = None) -> float:
            return 12.0

    monkeypatch.setattr(hook.transport, "budget", Busy())

    lineage = project_lineage(hook, project)

    assert lineage.tables == ()
    assert lineage.title is None
    assert sim.requests == []


def test_hex_errors_leave_parts_out_and_are_not_cached(
    sim: HexSimulator, conn_id: str, project: str
) -> None:
    sim.add_fault(Fault("500", count=5, path=r"/queriedTables"))
    hook = HexHook(conn_id)

    partial = project_lineage(hook, project)
    sim.clear_faults()
    complete = project_lineage(hook, project)

    assert partial.tables == ()
    assert partial.title == "Margins"
    assert len(complete.tables) == 2


def test_operator_lineage_is_none_without_the_openlineage_provider(
    sim: HexSimulator, conn_id: str, project: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "airflow.providers.openlineage.extractors", None)

    assert operator_lineage(HexHook(conn_id), project, None, run_url=None) is None
    assert sim.requests == []


def test_importing_the_operators_loads_nothing_of_openlineage() -> None:
    code = (
        "import sys, airflow.sdk\n"
        "before = {m for m in sys.modules if 'openlineage' in m}\n"
        "from airflow_provider_hex.operators.hex import HexRunProjectOperator\n"
        "from airflow_provider_hex.assets import hex_project_asset\n"
        "hex_project_asset('5a8591dd-4039-49df-9202-96385ba3eff8')\n"
        "print(sorted({m for m in sys.modules if 'openlineage' in m} - before))"
    )
    loaded = (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        .stdout.strip()
        .splitlines()[-1]
    )  # Airflow 3.0 logs to stdout first

    assert loaded == "[]"
