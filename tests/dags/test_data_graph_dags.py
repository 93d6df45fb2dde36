"""The data-graph examples under ``dag.test()``: an asset-updating Hex run, a daily chain."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from dag_helpers import DagResult

from airflow_provider_hex.testing import HexSimulator, RunScript
from airflow_provider_hex.testing.demo import DEMO_PROJECT_ID

pytestmark = pytest.mark.airflow

Runner = Callable[[str, str], DagResult]
DAY = 24 * 3600.0


def test_lineage_example_runs_the_report_with_its_asset_as_outlet(
    hex_sim: HexSimulator, run_example: Runner
) -> None:
    result = run_example("example_hex_lineage.py", "example_hex_lineage")

    assert result.state == "success"
    summary = result.xcom("refresh_sales_report")
    assert summary["project_id"] == DEMO_PROJECT_ID
    assert summary["status"] == "COMPLETED"


def test_daily_chain_waits_past_yesterdays_refresh_for_todays(
    hex_sim: HexSimulator, run_example: Runner
) -> None:
    with hex_sim.lock:
        project = hex_sim.state.project(DEMO_PROJECT_ID)
        yesterday = hex_sim.state.start_run(
            project, {}, trigger="SCHEDULED", created_at=hex_sim.clock.now() - DAY
        )
        yesterday.script = RunScript(0, 1)
    today: list[str] = []

    def hex_scheduler() -> None:
        """Start today's refresh once the sensor has looked (and found only yesterday's)."""
        deadline = time.monotonic() + 60
        while not hex_sim.count("GET", rf"/projects/{DEMO_PROJECT_ID}/runs$"):
            if time.monotonic() > deadline:
                return
            time.sleep(0.05)
        with hex_sim.lock:
            run = hex_sim.state.start_run(project, {}, trigger="SCHEDULED")
            run.script = RunScript(0, 5)
        today.append(run.id)

    scheduler = threading.Thread(target=hex_scheduler, daemon=True)
    scheduler.start()
    result = run_example("example_hex_daily_chain.py", "example_hex_daily_chain")
    scheduler.join()

    assert result.state == "success"
    assert result.xcom("wait_for_nightly_refresh")["run_id"] == today[0] != yesterday.id
    assert result.xcom("publish_numbers") == today[0]
