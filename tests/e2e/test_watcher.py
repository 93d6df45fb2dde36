"""A DAG scheduled on Hex's own runs, in a real Airflow (scheduler, triggerer, DAG processor,
API server), against the simulator standing in for Hex and its scheduler.

The example DAG ``example_hex_scheduled_on_hex`` is scheduled on a project's ``hex`` asset,
watched by ``HexProjectRunEventTrigger``. The test plays Hex's scheduler (runs created with
``trigger="SCHEDULED"`` in the simulator's state) and shows the DAG runs once per scheduled
run that completes, never for a run that ended before the watcher started nor for an API run,
and across a triggerer killed with SIGKILL and started again between two runs:

- Airflow 3.3: once the watermark is in the asset state store, nothing repeats;
- Airflow 3.0-3.2: the watermark (a Variable) is written 30 s after the event, so a triggerer
  killed sooner repeats the last run once after its restart (at least once, never lossy).
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from airflow.triggers.base import BaseEventTrigger

from airflow_provider_hex.assets import asset_host
from airflow_provider_hex.testing import HexSimulator, RunScript

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))

from airflow_stack import AirflowStack  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.feature_e2e, pytest.mark.version_e2e]

DAG_FILE = REPO / "example_dags" / "example_hex_scheduled_on_hex.py"
DAG_ID = "example_hex_scheduled_on_hex"
TASK = "publish_refresh"
PROJECT = "3c1e2f4a-5b6d-4e7f-8a9b-0c1d2e3f4a5b"
#: Airflow 3.3's triggerer runs watchers in shared streams and keeps an asset state store.
SHARED_STREAMS = hasattr(BaseEventTrigger, "shared_stream_key")


def hex_scheduler_runs(
    sim: HexSimulator, *, trigger: str = "SCHEDULED", ago: float | None = None
) -> str:
    """Start a run of the project as Hex's scheduler would (or one that ran ``ago`` s back)."""
    with sim.lock:
        project = sim.state.project(PROJECT)
        created = None if ago is None else sim.state.now() - ago
        return sim.state.start_run(project, {}, trigger=trigger, created_at=created).id


def listings(sim: HexSimulator) -> int:
    return sim.count("GET", rf"/projects/{PROJECT}/runs$")


def watermarks(stack: AirflowStack) -> list[dict[str, Any]]:
    """The watcher's watermarks: in the asset state store (3.3), or Variables (3.0-3.2)."""
    if not SHARED_STREAMS:
        answer = stack.api("GET", "/variables?limit=100")
        return [
            json.loads(variable["value"])
            for variable in answer["variables"]
            if variable["key"].startswith("hex_watcher__")
        ]
    with sqlite3.connect(stack.home / "airflow.db") as db:
        rows = db.execute("SELECT value FROM asset_state_store WHERE key LIKE 'hex_watcher__%'")
        stored = [json.loads(value) for (value,) in rows.fetchall()]
    return [json.loads(value) if isinstance(value, str) else value for value in stored]


@pytest.fixture(scope="module")
def watched_sim() -> Iterator[HexSimulator]:
    """The simulator, in this process (the test plays Hex's scheduler in its state)."""
    with HexSimulator(seed_demo=False) as sim:
        sim.add_project("Sales report", project_id=PROJECT, scripts=[RunScript(0, 1.5)])
        yield sim


@pytest.fixture(scope="module")
def airflow_stack(watched_sim: HexSimulator) -> Iterator[AirflowStack]:
    env = {
        "AIRFLOW_CONN_HEX_DEFAULT": watched_sim.airflow_connection_json(),
        "HEX_PROJECT_ID": PROJECT,
        "HEX_HOST": asset_host(watched_sim.url),
        "HEX_WATCH_POLL_INTERVAL": "1",
        # A restarted triggerer takes over the killed one's watchers once it is seen dead.
        "AIRFLOW__TRIGGERER__TRIGGERER_HEALTH_CHECK_THRESHOLD": "8",
        "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "2",
    }
    with AirflowStack([DAG_FILE], env) as stack:
        stack.wait_for_dag(DAG_ID)
        stack.unpause(DAG_ID)
        yield stack


def task_logs(stack: AirflowStack, run_id: str) -> str:
    """The task's log files of one DAG run (for a failure's message)."""
    found = sorted((stack.home / "logs").rglob(f"*{run_id}*/**/*.log"))
    return "\n".join(path.read_text(errors="replace")[-4000:] for path in found)


def dag_runs(stack: AirflowStack) -> list[dict[str, Any]]:
    answer = stack.api("GET", f"/dags/{DAG_ID}/dagRuns?order_by=logical_date&limit=100")
    return sorted(answer["dag_runs"], key=lambda run: run.get("queued_at") or "")


def woken_by(stack: AirflowStack, count: int, timeout: float = 120) -> list[list[str]]:
    """Wait for ``count`` DAG runs to succeed; return the Hex run ids each one was woken by."""
    stack.wait_until(lambda: len(dag_runs(stack)) >= count, timeout, f"{count} DAG run(s)")
    runs = dag_runs(stack)
    for run in runs:
        state = stack.wait_for_run(DAG_ID, run["dag_run_id"], timeout=timeout)
        assert state == "success", task_logs(stack, run["dag_run_id"])
    return [stack.xcom(DAG_ID, run["dag_run_id"], TASK) for run in runs]


def test_the_dag_runs_once_per_scheduled_hex_run_across_a_triggerer_kill(
    airflow_stack: AirflowStack, watched_sim: HexSimulator
) -> None:
    earlier = hex_scheduler_runs(watched_sim, ago=3600)  # ended an hour before the watcher
    assert watched_sim.run_status(earlier) == "COMPLETED"
    # The watcher reads the project, takes its baseline and stores it, then polls on.
    airflow_stack.wait_until(
        lambda: listings(watched_sim) >= 3 and watermarks(airflow_stack), 90, "the watcher"
    )
    assert dag_runs(airflow_stack) == []

    hex_scheduler_runs(watched_sim, trigger="API")  # not Hex's scheduler: no DAG run
    first = hex_scheduler_runs(watched_sim)
    assert woken_by(airflow_stack, 1) == [[first]]

    if SHARED_STREAMS:
        # Exactly once: once the watermark holds the run, a killed triggerer repeats nothing.
        airflow_stack.wait_until(
            lambda: any(first in w["seen"] for w in watermarks(airflow_stack)),
            30,
            "the watermark to record the first run",
        )
    else:
        # At least once: killed within 30 s of the event, before the Variable holds it.
        assert not any(first in w["seen"] for w in watermarks(airflow_stack))
    airflow_stack.kill_component("triggerer")
    before_restart = listings(watched_sim)
    airflow_stack.start_component("triggerer")
    airflow_stack.wait_until(
        lambda: listings(watched_sim) > before_restart + 2, 120, "the restarted triggerer"
    )

    second = hex_scheduler_runs(watched_sim)
    expected = [[first], [second]] if SHARED_STREAMS else [[first], [first], [second]]
    woken = woken_by(airflow_stack, len(expected))
    airflow_stack.wait_until(
        lambda: watched_sim.run_status(second) == "COMPLETED", 10, "the second run"
    )
    polls = listings(watched_sim)
    airflow_stack.wait_until(lambda: listings(watched_sim) >= polls + 5, 30, "five more polls")

    woken = woken_by(airflow_stack, len(expected))
    assert sorted(map(tuple, woken)) == sorted(map(tuple, expected))
    assert len(dag_runs(airflow_stack)) == len(expected)
    assert earlier not in {run_id for ids in woken for run_id in ids}
