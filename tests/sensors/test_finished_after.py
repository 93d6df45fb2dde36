"""HexRunSensor(finished_after=...): never passes on a run that ended before that moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from airflow.sdk import PokeReturnValue
from airflow.sdk.execution_time.context import OutletEventAccessors

from airflow_provider_hex._compat import AirflowFailException
from airflow_provider_hex.exceptions import HexInvalidArgumentError
from airflow_provider_hex.sensors.hex import HexRunSensor
from airflow_provider_hex.testing import HexSimulator, RunScript
from airflow_provider_hex.triggers.hex import HexRunTrigger, HexWaitTrigger

try:  # Airflow 3.2+
    from airflow.sdk.exceptions import TaskDeferred
except ImportError:  # Airflow 3.0, 3.1
    from airflow.exceptions import TaskDeferred  # type: ignore[no-redef,attr-defined]

PROJECT = "5a8591dd-4039-49df-9202-96385ba3eff8"


class TI:
    def __init__(self) -> None:
        self.pushed: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.pushed[key] = value

    def get_first_reschedule_date(self, context: Any) -> None:
        return None


def context() -> dict[str, Any]:
    return {"ti": TI(), "outlet_events": OutletEventAccessors()}


def scheduled_run(sim: HexSimulator, project_id: str, script: RunScript) -> str:
    """A run started by Hex's scheduler, now."""
    with sim.lock:
        run = sim.state.start_run(sim.state.project(project_id), {}, trigger="SCHEDULED")
        run.script = script
    return run.id


def ended_at(sim: HexSimulator, run_id: str) -> datetime:
    with sim.lock:
        run = sim.state.runs[run_id]
        end = run.end_time(sim.clock.now())
    assert end is not None
    return datetime.fromtimestamp(end, tz=UTC)


def sensor(project_id: str, finished_after: Any, **kwargs: Any) -> HexRunSensor:
    kwargs.setdefault("poke_interval", 0.05)
    kwargs.setdefault("timeout", 30)
    return HexRunSensor(
        task_id="wait",
        project_id=project_id,
        run_trigger="SCHEDULED",
        finished_after=finished_after,
        **kwargs,
    )


def test_waits_past_an_older_finished_run_and_passes_on_a_newer_one(
    sim: HexSimulator, conn_id: str
) -> None:
    project_id = sim.add_project("Nightly report")
    yesterday = scheduled_run(sim, project_id, RunScript(0, 1))
    sim.advance(2)
    interval_end = ended_at(sim, yesterday) + timedelta(seconds=1)
    waiting = sensor(project_id, interval_end.isoformat())

    assert waiting.poke(context()) is False  # yesterday's COMPLETED run does not count

    sim.advance(5)
    today = scheduled_run(sim, project_id, RunScript(0, 1))
    sim.advance(2)
    done = waiting.poke(context())

    assert isinstance(done, PokeReturnValue)
    assert done.is_done
    assert done.xcom_value["run_id"] == today
    assert done.xcom_value["status"] == "COMPLETED"


def test_a_run_still_going_is_waited_for(sim: HexSimulator, conn_id: str) -> None:
    project_id = sim.add_project("Nightly report")
    going = scheduled_run(sim, project_id, RunScript(0, 3600))
    sim.advance(1)
    ctx = context()

    assert sensor(project_id, datetime.now(UTC)).poke(ctx) is False
    assert ctx["ti"].pushed["run_id"] == going


def test_a_newer_run_that_errored_fails_the_sensor(sim: HexSimulator, conn_id: str) -> None:
    project_id = sim.add_project("Nightly report")
    before = datetime.now(UTC) - timedelta(days=1)
    scheduled_run(sim, project_id, RunScript(0, 1, "ERRORED"))
    sim.advance(2)

    with pytest.raises(AirflowFailException, match="ERRORED"):
        sensor(project_id, before).poke(context())


def test_deferrable_waits_on_the_run_going_or_on_a_timer(sim: HexSimulator, conn_id: str) -> None:
    project_id = sim.add_project("Nightly report")
    going = scheduled_run(sim, project_id, RunScript(0, 3600))
    sim.advance(1)

    with pytest.raises(TaskDeferred) as on_run:
        sensor(project_id, "2020-01-01T00:00:00Z", deferrable=True).execute(context())
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    with pytest.raises(TaskDeferred) as on_timer:
        sensor(project_id, future, deferrable=True).execute(context())

    assert isinstance(on_run.value.trigger, HexRunTrigger)
    assert on_run.value.trigger.run_id == going
    assert isinstance(on_timer.value.trigger, HexWaitTrigger)  # that run may end too early


@pytest.mark.parametrize(
    ("value", "run_id", "match"),
    [
        ("yesterday", None, "expected an ISO 8601 time"),
        (20260101, None, "expected a datetime or an ISO 8601 string"),
        ("2026-01-01T00:00:00Z", "78c33d18-170c-44d3-a227-b3194f134f73", "drop run_id"),
    ],
)
def test_bad_values_are_refused_when_the_dag_is_parsed(
    value: Any, run_id: str | None, match: str
) -> None:
    with pytest.raises(HexInvalidArgumentError, match=match):
        HexRunSensor(task_id="wait", project_id=PROJECT, run_id=run_id, finished_after=value)


def test_a_template_is_checked_once_rendered() -> None:
    waiting = HexRunSensor(
        task_id="wait", project_id=PROJECT, finished_after="{{ data_interval_end }}"
    )

    assert "finished_after" in waiting.template_fields
