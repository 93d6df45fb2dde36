"""Defer the load test's task instances, through Airflow's own models, and report on them.

Run with the test Airflow's environment (``AIRFLOW_HOME`` etc.), never imported by pytest::

    python defer_rows.py defer <spec.json>    # scheduled mapped TIs -> deferred, one trigger each
    python defer_rows.py report <spec.json>   # print each TI's state and resume kwargs as JSON

``defer`` does for every task instance what ``TaskInstance.defer_task`` does on a worker:
it stores a trigger row built from a real :class:`HexRunTrigger` (the way the run operator
and the sensor build theirs) and moves the task instance to ``deferred``. The triggerer that
then runs the triggers is the real ``airflow triggerer`` process.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from airflow.models.taskinstance import TaskInstance
from airflow.models.trigger import Trigger
from airflow.utils.session import create_session
from airflow.utils.state import TaskInstanceState

from airflow_provider_hex.triggers.hex import HexRunTrigger


def _trigger(task_id: str, item: dict[str, Any], spec: dict[str, Any]) -> HexRunTrigger:
    now = time.time()
    common: dict[str, Any] = {
        "hex_conn_id": item["conn_id"],
        "poll_interval": spec["poll_interval"],
        "max_poll_interval": spec["poll_interval"],
        "deadline": now + spec["deadline_seconds"],
        "run_url": item.get("run_url"),
        "started_at": now,
    }
    if task_id == "sense":  # as HexRunSensor defers: watching, never cancelling
        return HexRunTrigger(
            item["project_id"],
            item["run_id"],
            cancel_on_timeout=False,
            cancel_on_kill=False,
            **common,
        )
    return HexRunTrigger(item["project_id"], item["run_id"], **common)


def _task_instances(session: Any, spec: dict[str, Any]) -> list[Any]:
    return list(
        session.query(TaskInstance).filter(
            TaskInstance.dag_id == spec["dag_id"],
            TaskInstance.run_id == spec["dag_run_id"],
            TaskInstance.map_index >= 0,
        )
    )


def defer(spec: dict[str, Any]) -> None:
    with create_session() as session:
        tis = _task_instances(session, spec)
        expected = len(spec["run"]) + len(spec["sense"])
        waiting = [ti for ti in tis if ti.state == TaskInstanceState.SCHEDULED]
        if len(waiting) != expected:
            states = sorted(str(ti.state) for ti in tis)
            raise SystemExit(f"expected {expected} scheduled task instances, found {states}")
        for ti in waiting:
            trigger = Trigger.from_object(
                _trigger(ti.task_id, spec[ti.task_id][ti.map_index], spec)
            )
            session.add(trigger)
            session.flush()
            ti.state = TaskInstanceState.DEFERRED
            ti.trigger_id = trigger.id
            ti.next_method = "execute_complete"
            ti.next_kwargs = None
            ti.trigger_timeout = None
    print(json.dumps({"deferred": expected}))


def report(spec: dict[str, Any]) -> None:
    with create_session() as session:
        rows = [
            {
                "task_id": ti.task_id,
                "map_index": ti.map_index,
                "state": None if ti.state is None else str(getattr(ti.state, "value", ti.state)),
                "next_kwargs": json.dumps(ti.next_kwargs, default=str, sort_keys=True),
            }
            for ti in _task_instances(session, spec)
        ]
    print(json.dumps(rows))


if __name__ == "__main__":
    command, spec_path = sys.argv[1], Path(sys.argv[2])
    {"defer": defer, "report": report}[command](json.loads(spec_path.read_text()))
