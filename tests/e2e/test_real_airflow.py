"""The deferrable Hex operator in a real Airflow: scheduler, triggerer, DAG processor and
API server as separate processes, driven only through the REST API.

Shows what ``dag.test()`` cannot: the task instance really sits in ``deferred`` (no
worker slot) while Hex runs, the triggerer resumes it, and marking the deferred task
failed through the API (as a user does in the UI) cancels the Hex run (on Airflow 3.3
through the trigger's ``on_kill``).

One Airflow serves the whole module (starting it takes ~15 s); the harness lives in
``scripts/airflow_stack.py``, which the main job uses too.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from airflow_provider_hex.testing import HexSimulator
from airflow_provider_hex.testing.demo import DEMO_PROJECT_ID

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))

from airflow_stack import AirflowStack  # noqa: E402

pytestmark = pytest.mark.e2e

DAG_FILE = REPO / "example_dags" / "example_hex_run_project.py"
DAG_ID = "example_hex_run_project"
HEX_TASK = "run_sales_report"
RUN_STARTS = rf"/projects/{DEMO_PROJECT_ID}/runs$"
#: Simulated seconds per real second. The demo project (1 s pending, 4 s running) then
#: takes 25 real seconds: long enough to watch the task sit in ``deferred``.
SLOW_TIME_SCALE = 0.2


@pytest.fixture(scope="module")
def slow_hex() -> Iterator[HexSimulator]:
    """A demo-seeded simulator in this process (so tests read its request log), running
    five times slower than real time."""
    with HexSimulator(time_scale=SLOW_TIME_SCALE) as sim:
        yield sim


@pytest.fixture(scope="module")
def airflow_stack(slow_hex: HexSimulator) -> Iterator[AirflowStack]:
    """A started Airflow whose ``hex_default`` points at ``slow_hex``, with the main
    example DAG parsed and unpaused; its processes and home are removed afterwards."""
    env = {"AIRFLOW_CONN_HEX_DEFAULT": slow_hex.airflow_connection_json()}
    with AirflowStack([DAG_FILE], env) as stack:
        stack.wait_for_dag(DAG_ID)
        stack.unpause(DAG_ID)
        yield stack


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``predicate`` every 0.2 s until it returns true."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def wait_until_the_triggerer_polls(stack: AirflowStack, sim: HexSimulator, run_id: str) -> None:
    """Wait until a triggerer has claimed the deferred task's trigger and polled Hex.

    Airflow calls a trigger's ``on_kill`` only if the trigger is running: a task marked
    failed in the second between deferring and a triggerer picking it up leaves its Hex
    run alone. (The worker's own poll before deferring is excluded by counting from here.)
    """
    reads_before = sim.count("GET", rf"/projects/{DEMO_PROJECT_ID}/runs")

    def polled() -> bool:
        claimed = stack.task_instance(DAG_ID, run_id, HEX_TASK).get("triggerer_job")
        return bool(claimed) and sim.count("GET", rf"/projects/{DEMO_PROJECT_ID}/runs") > (
            reads_before
        )

    wait_for(polled, 30, "the triggerer to run the trigger")


def test_hex_task_is_deferred_while_the_run_is_running_then_succeeds(
    airflow_stack: AirflowStack, slow_hex: HexSimulator
) -> None:
    starts_before = slow_hex.count("POST", RUN_STARTS)
    run_id = airflow_stack.trigger(DAG_ID)

    airflow_stack.wait_for_task_state(DAG_ID, run_id, HEX_TASK, ["deferred"], timeout=120)
    hex_run_id = airflow_stack.xcom(DAG_ID, run_id, HEX_TASK, "run_id")
    wait_for(lambda: slow_hex.run_status(hex_run_id) == "RUNNING", 30, "the Hex run to run")
    while_running = airflow_stack.task_instance(DAG_ID, run_id, HEX_TASK)

    assert while_running["state"] == "deferred"
    assert airflow_stack.wait_for_run(DAG_ID, run_id, timeout=120) == "success"
    assert slow_hex.run_status(hex_run_id) == "COMPLETED"
    assert slow_hex.count("POST", RUN_STARTS) - starts_before == 1
    assert slow_hex.count("DELETE", rf"/runs/{hex_run_id}$") == 0
    summary = airflow_stack.xcom(DAG_ID, run_id, HEX_TASK)
    assert summary["status"] == "COMPLETED"
    assert summary["run_id"] == hex_run_id
    assert summary["run_url"] in airflow_stack.xcom(DAG_ID, run_id, "share_report")


def test_marking_the_deferred_task_failed_cancels_the_hex_run(
    airflow_stack: AirflowStack, slow_hex: HexSimulator
) -> None:
    run_id = airflow_stack.trigger(DAG_ID)
    airflow_stack.wait_for_task_state(DAG_ID, run_id, HEX_TASK, ["deferred"], timeout=120)
    hex_run_id = airflow_stack.xcom(DAG_ID, run_id, HEX_TASK, "run_id")
    wait_until_the_triggerer_polls(airflow_stack, slow_hex, run_id)
    assert slow_hex.run_status(hex_run_id) in ("PENDING", "RUNNING")

    airflow_stack.set_task_state(DAG_ID, run_id, HEX_TASK, "failed")

    cancel_path = rf"/projects/{DEMO_PROJECT_ID}/runs/{hex_run_id}$"
    try:
        wait_for(lambda: slow_hex.count("DELETE", cancel_path) >= 1, 45, "the cancel request")
    except AssertionError as failure:
        raise AssertionError(f"{failure}\n{airflow_stack.log_tail('triggerer', 60)}") from None
    assert slow_hex.count("DELETE", cancel_path) == 1
    assert slow_hex.run_status(hex_run_id) == "KILLED"
    assert airflow_stack.wait_for_run(DAG_ID, run_id, timeout=60) == "failed"
    assert airflow_stack.task_instance(DAG_ID, run_id, HEX_TASK)["state"] == "failed"
