"""Hundreds of Hex triggers in one real ``airflow triggerer``, on every Airflow of the matrix.

300 mapped task instances (200 of the run operator, 100 of the sensor) are deferred at once,
each with its own :class:`HexRunTrigger` and each reading one of ten Hex connections, five
from environment variables and five from Airflow's metadata DB. The triggerer is the real
``airflow triggerer`` of a real Airflow (scheduler, DAG processor and API server beside it);
the Hex runs are the simulator's, on a scaled clock, a quarter of them ending ERRORED.

Passes when no trigger crashes, no log says ``DeadlockImminentError`` or "Response read out
of order" (the ways a triggerer dies when a trigger asks Airflow's supervisor from the wrong
thread), and every task instance leaves ``deferred`` resumed with the event of its own run
and the right outcome. The task instances never run on a worker: their pool has no slots,
so each stays ``scheduled`` with the event in its resume kwargs, which the test reads
through Airflow's models (``load/defer_rows.py``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from airflow_provider_hex.testing import HexSimulator
from airflow_provider_hex.testing.models import RunScript

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))

from airflow_stack import AirflowStack  # noqa: E402

pytestmark = pytest.mark.e2e

LOAD = Path(__file__).parent / "load"
DAG_ID = "hex_trigger_load"
POOL = "hex_load_no_slots"
RUN_TASKS, SENSOR_TASKS = 200, 100
ENV_CONNS = [f"hex_env_{n}" for n in range(5)]
DB_CONNS = [f"hex_db_{n}" for n in range(5)]
#: Simulated seconds per real second: each run is PENDING 6 s and RUNNING 14 s of simulated
#: time, 40 real seconds, so every trigger is polling while the others start.
TIME_SCALE = 0.5
SCRIPT_OK = RunScript(pending_seconds=6, running_seconds=14, outcome="COMPLETED")
SCRIPT_ERRORED = RunScript(pending_seconds=6, running_seconds=14, outcome="ERRORED")
#: The simulator does not rate-limit here; the provider's own pacing (Hex's real limits)
#: would stretch 300 triggers' polls over many minutes, and pacing is tested elsewhere.
UNPACED = {"requests_per_minute": 100000, "status_reads_per_minute": 100000}
FORBIDDEN = ("DeadlockImminentError", "Response read out of order", "Trigger failed")


@pytest.fixture(scope="module")
def load_hex() -> Iterator[HexSimulator]:
    """A simulator with room for every run at once, on a slowed clock."""
    with HexSimulator(time_scale=TIME_SCALE, seed_demo=False, max_active_runs=1000) as sim:
        yield sim


def start_runs(sim: HexSimulator, project_id: str, count: int) -> list[dict[str, Any]]:
    """Start ``count`` runs of ``project_id`` through Hex's API; return their RunProject answers."""
    with requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {sim.token}"
        answers = []
        for n in range(count):
            answer = http.post(
                f"{sim.url}/api/v1/projects/{project_id}/runs", json={"inputParams": {"n": n}}
            )
            answer.raise_for_status()
            answers.append(answer.json())
        return answers


def run_rows(stack: AirflowStack, command: str, spec_path: Path) -> Any:
    """Run ``load/defer_rows.py`` with the stack's environment; return its JSON output."""
    result = subprocess.run(
        [sys.executable, str(LOAD / "defer_rows.py"), command, str(spec_path)],
        env=stack.environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_hundreds_of_triggers_in_one_real_triggerer(load_hex: HexSimulator, tmp_path: Path) -> None:
    ok_project = load_hex.add_project("Load: completes", scripts=[SCRIPT_OK])
    errored_project = load_hex.add_project("Load: errors", scripts=[SCRIPT_ERRORED])
    conns = ENV_CONNS + DB_CONNS
    spec: dict[str, Any] = {
        "dag_id": DAG_ID,
        "pool": POOL,
        "project_id": ok_project,
        "poll_interval": 2.0,
        "deadline_seconds": 600.0,
        "run": [{"n": n} for n in range(RUN_TASKS)],
        "sense": [{"n": n} for n in range(SENSOR_TASKS)],
    }
    # The DAG file reads the spec at parse time; the sensor's run ids are filled in below.
    spec_path = tmp_path / "hex_trigger_load.json"
    conn = {"conn_type": "hex", "host": load_hex.url, "password": load_hex.token, "extra": UNPACED}
    env = {f"AIRFLOW_CONN_{c.upper()}": json.dumps(conn) for c in ENV_CONNS}
    placeholder = "00000000-0000-4000-8000-000000000000"
    for item in spec["sense"]:
        item["run_id"] = placeholder
    spec_path.write_text(json.dumps(spec))

    with AirflowStack([LOAD / "hex_trigger_load_dag.py", spec_path], env) as stack:
        stack.api("POST", "/pools", {"name": POOL, "slots": 0}, ok=(200, 201))
        for conn_id in DB_CONNS:
            body = {**conn, "connection_id": conn_id, "extra": json.dumps(UNPACED)}
            stack.api("POST", "/connections", body, ok=(200, 201))
        stack.wait_for_dag(DAG_ID)
        stack.unpause(DAG_ID)
        spec["dag_run_id"] = stack.trigger(DAG_ID)

        def all_scheduled() -> bool:
            path = f"/dags/{DAG_ID}/dagRuns/{spec['dag_run_id']}/taskInstances"
            found = stack.api("GET", f"{path}?state=scheduled&limit=1")
            return int(found["total_entries"]) == RUN_TASKS + SENSOR_TASKS

        stack.wait_until(all_scheduled, 120, "the mapped task instances to be scheduled")

        # Every run ends the same way whichever project it belongs to; a quarter error.
        for key, count in (("run", RUN_TASKS), ("sense", SENSOR_TASKS)):
            for n, item in enumerate(spec[key]):
                item["conn_id"] = conns[n % len(conns)]
                item["expected"] = "failed" if n % 4 == 3 else "success"
            ok = start_runs(load_hex, ok_project, count - count // 4)
            errored = start_runs(load_hex, errored_project, count // 4)
            for item in spec[key]:
                answer = errored.pop() if item["expected"] == "failed" else ok.pop()
                item["run_id"], item["run_url"] = answer["runId"], answer["runUrl"]
                item["project_id"] = errored_project if item["expected"] == "failed" else ok_project
        spec_path.write_text(json.dumps(spec))
        started = time.monotonic()
        assert run_rows(stack, "defer", spec_path) == {"deferred": RUN_TASKS + SENSOR_TASKS}

        def none_deferred() -> bool:
            path = f"/dags/{DAG_ID}/dagRuns/{spec['dag_run_id']}/taskInstances"
            return int(stack.api("GET", f"{path}?state=deferred&limit=1")["total_entries"]) == 0

        stack.wait_until(none_deferred, 150, "every trigger to fire", every=2)
        took = time.monotonic() - started
        rows = run_rows(stack, "report", spec_path)
        logs = [stack.log_dir / "triggerer.log", *sorted((stack.home / "logs").rglob("*.log"))]
        log_text = "\n".join(p.read_text(errors="replace") for p in logs if p.is_file())

    assert len(rows) == RUN_TASKS + SENSOR_TASKS
    wrong = []
    for row in rows:
        item = spec[row["task_id"]][row["map_index"]]
        resumed = row["next_kwargs"]
        if (
            row["state"] != "scheduled"
            or f'"status": "{item["expected"]}"' not in resumed
            or f'"run_id": "{item["run_id"]}"' not in resumed
        ):
            wrong.append((row["task_id"], row["map_index"], row["state"], resumed[:300]))
    assert not wrong, f"{len(wrong)} task instances did not resume as expected: {wrong[:5]}"
    for text in FORBIDDEN:
        assert text not in log_text, f"{text!r} in the triggerer's logs"
    assert load_hex.token not in log_text
    print(f"300 triggers fired in {took:.0f}s")
