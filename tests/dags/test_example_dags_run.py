"""Each example DAG runs green under ``dag.test()`` against the simulator.

The operators' deferrable paths run for real: ``dag.test()`` serializes each trigger and
runs it in line. The assertions cover task states, XComs and what the simulated Hex
received (one run start per task, cancels only where the DAG asks for one).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from dag_helpers import DagResult

from airflow_provider_hex.testing import HexSimulator
from airflow_provider_hex.testing.demo import (
    ANALYST_USER_ID,
    DEMO_PROJECT_ID,
    DEMO_PROJECT_IDS,
    INVENTORY_PROJECT_ID,
    MARKETING_PROJECT_ID,
    SLOW_PROJECT_ID,
)

pytestmark = [
    pytest.mark.airflow,
    # the 0.1.9-style DAG is meant to use the deprecated argument names
    pytest.mark.filterwarnings("ignore:HexRunProjectOperator argument"),
]

Runner = Callable[[str, str], DagResult]
SUCCESS = "success"


def run_starts(sim: HexSimulator, project_id: str) -> list[dict[str, object]]:
    """Bodies of the RunProject calls the simulator received for ``project_id``."""
    path = re.compile(rf"/projects/{project_id}/runs$")
    return [
        r.body or {}
        for r in sim.requests
        if r.method == "POST" and path.search(r.path) and r.status == 201
    ]


def cancels(sim: HexSimulator) -> list[str]:
    """Paths of the CancelRun calls the simulator received."""
    return [r.path for r in sim.requests if r.method == "DELETE"]


def test_run_project_dag_runs_the_report_once_and_shares_its_link(
    fast_hex: HexSimulator, run_example: Runner
) -> None:
    result = run_example("example_hex_run_project.py", "example_hex_run_project")

    assert result.state == SUCCESS
    assert set(result.states.values()) == {SUCCESS}
    summary = result.xcom("run_sales_report")
    run_id = result.xcom("run_sales_report", "run_id")
    assert summary["run_id"] == run_id
    assert summary["project_id"] == DEMO_PROJECT_ID
    assert summary["status"] == "COMPLETED"
    assert summary["run_url"] == result.xcom("run_sales_report", "run_url")
    assert result.xcom("run_sales_report", "project_id") == DEMO_PROJECT_ID
    assert summary["run_url"] in result.xcom("share_report")
    starts = run_starts(fast_hex, DEMO_PROJECT_ID)
    assert len(starts) == 1
    assert starts[0]["inputParams"] == {"region": "EMEA", "days": 7, "include_returns": False}
    assert fast_hex.run_status(run_id) == "COMPLETED"
    assert cancels(fast_hex) == []


def test_sensor_dag_waits_for_the_run_the_first_task_started(
    fast_hex: HexSimulator, run_example: Runner
) -> None:
    result = run_example("example_hex_sensor.py", "example_hex_sensor")

    assert result.state == SUCCESS
    assert result.states == {("start_run", -1): SUCCESS, ("wait_for_run", -1): SUCCESS}
    run_id = result.xcom("start_run", "run_id")
    assert len(run_starts(fast_hex, DEMO_PROJECT_ID)) == 1
    assert fast_hex.run_status(run_id) == "COMPLETED"
    status_reads = fast_hex.count("GET", rf"/projects/{DEMO_PROJECT_ID}/runs/{run_id}$")
    assert status_reads >= 1
    assert cancels(fast_hex) == []


def test_mapped_dag_runs_each_project_and_each_region_once(
    fast_hex: HexSimulator, run_example: Runner
) -> None:
    result = run_example("example_hex_mapped.py", "example_hex_mapped")

    assert result.state == SUCCESS
    assert result.task_states("run_each_project") == [SUCCESS] * 3
    assert result.task_states("run_per_region") == [SUCCESS] * 3
    assert result.task_states("collect") == [SUCCESS]
    for project_id in (DEMO_PROJECT_ID, INVENTORY_PROJECT_ID):
        assert len(run_starts(fast_hex, project_id)) == 1
    marketing = run_starts(fast_hex, MARKETING_PROJECT_ID)
    assert len(marketing) == 4  # once in the fan-out over projects, once per region
    regions = sorted(b["inputParams"]["region"] for b in marketing if b.get("inputParams"))
    assert regions == ["AMER", "APAC", "EMEA"]
    statuses = result.xcom("collect")
    assert sorted(statuses.values()) == ["COMPLETED"] * 3
    mapped_projects = {result.xcom("run_each_project", map_index=i)["project_id"] for i in range(3)}
    assert mapped_projects == set(DEMO_PROJECT_IDS)


def test_cancel_dag_kills_the_run_it_started(fast_hex: HexSimulator, run_example: Runner) -> None:
    result = run_example("example_hex_cancel.py", "example_hex_cancel")

    assert result.state == SUCCESS
    assert result.states == {("start_retrain", -1): SUCCESS, ("cancel_retrain", -1): SUCCESS}
    run_id = result.xcom("start_retrain", "run_id")
    assert len(run_starts(fast_hex, SLOW_PROJECT_ID)) == 1
    assert cancels(fast_hex) == [f"/api/v1/projects/{SLOW_PROJECT_ID}/runs/{run_id}"]
    assert fast_hex.run_status(run_id) == "KILLED"


def test_legacy_dag_written_for_0_1_9_runs_unchanged(
    fast_hex: HexSimulator, run_example: Runner
) -> None:
    result = run_example("example_hex_legacy.py", "example_hex_legacy")

    assert result.state == SUCCESS
    assert result.states == {("sync_run", -1): SUCCESS, ("async_run", -1): SUCCESS}
    sync_body, async_body = run_starts(fast_hex, DEMO_PROJECT_ID)
    assert sync_body["inputParams"] == {"region": "EMEA", "days": 7}
    notification = sync_body["notifications"][0]
    assert notification["type"] == "FAILURE"
    assert notification["userIds"] == [ANALYST_USER_ID]
    assert True in (async_body.get("updateCache"), async_body.get("updatePublishedResults"))
    sync_run_id = result.xcom("sync_run", "run_id")
    assert fast_hex.run_status(sync_run_id) == "COMPLETED"
    assert result.xcom("sync_run")["status"] == "COMPLETED"
    assert cancels(fast_hex) == []
