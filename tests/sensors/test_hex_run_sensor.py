"""HexRunSensor: poke, reschedule and deferrable modes, a given run or a project's latest."""

from __future__ import annotations

import time
from typing import Any

import pytest
from airflow.exceptions import AirflowException  # type: ignore[attr-defined]
from airflow.sdk import PokeReturnValue
from airflow.sdk.execution_time.context import OutletEventAccessors

from airflow_provider_hex._compat import (
    AirflowFailException,
    AirflowSensorTimeout,
    AirflowSkipException,
)
from airflow_provider_hex.exceptions import HexInvalidArgumentError
from airflow_provider_hex.hooks.hex import HexHook
from airflow_provider_hex.links import HexRunLink
from airflow_provider_hex.runs import run_event
from airflow_provider_hex.sensors.hex import HexRunSensor
from airflow_provider_hex.testing import HexSimulator, RunScript
from airflow_provider_hex.triggers.hex import HexRunTrigger, HexWaitTrigger

try:  # Airflow 3.2+
    from airflow.sdk.exceptions import AirflowRescheduleException, TaskDeferred
except ImportError:  # Airflow 3.0, 3.1
    from airflow.exceptions import (  # type: ignore[attr-defined,no-redef]
        AirflowRescheduleException,
        TaskDeferred,
    )

PROJECT = "5a8591dd-4039-49df-9202-96385ba3eff8"
RUN = "78c33d18-170c-44d3-a227-b3194f134f73"


class TI:
    """Records the XComs the sensor pushes."""

    def __init__(self) -> None:
        self.pushed: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.pushed[key] = value

    def get_first_reschedule_date(self, context: Any) -> None:
        return None


def context() -> dict[str, Any]:
    return {"ti": TI(), "outlet_events": OutletEventAccessors()}


def sensor(project_id: str, run_id: str | None = None, **kwargs: Any) -> HexRunSensor:
    kwargs.setdefault("poke_interval", 0.05)
    kwargs.setdefault("timeout", 30)
    return HexRunSensor(task_id="wait", project_id=project_id, run_id=run_id, **kwargs)


def start(sim: HexSimulator, conn_id: str, script: RunScript) -> tuple[str, str]:
    project_id = sim.add_project("Sensor test", scripts=[script])
    return project_id, HexHook(conn_id).run_project(project_id)["runId"]


# -- a given run --------------------------------------------------------------------------------


def test_poke_is_false_while_the_run_is_active(sim: HexSimulator, conn_id: str) -> None:
    project_id, run_id = start(sim, conn_id, RunScript(0, 3600))
    ctx = context()

    assert sensor(project_id, run_id).poke(ctx) is False
    assert ctx["ti"].pushed["run_id"] == run_id
    assert run_id in ctx["ti"].pushed["run_url"]


def test_poke_returns_the_summary_once_the_run_completed(sim: HexSimulator, conn_id: str) -> None:
    project_id, run_id = start(sim, conn_id, RunScript(0, 0))

    result = sensor(project_id, run_id).poke(context())

    assert isinstance(result, PokeReturnValue)
    assert result.is_done
    assert (result.xcom_value["run_id"], result.xcom_value["status"]) == (run_id, "COMPLETED")


def test_poke_mode_waits_until_the_run_completes(sim: HexSimulator, conn_id: str) -> None:
    project_id, run_id = start(sim, conn_id, RunScript(0.1, 0.2))

    summary = sensor(project_id, run_id).execute(context())

    assert (summary["run_id"], summary["status"]) == (run_id, "COMPLETED")


@pytest.mark.parametrize(
    ("soft_fail", "error"),
    [(False, AirflowFailException), (True, AirflowSkipException)],
    ids=["fails", "soft-fail-skips"],
)
@pytest.mark.parametrize("outcome", ["ERRORED", "KILLED"], ids=["errored", "killed"])
def test_poke_mode_fails_or_skips_when_the_run_fails(
    sim: HexSimulator, conn_id: str, soft_fail: bool, error: type[Exception], outcome: str
) -> None:
    project_id, run_id = start(
        sim, conn_id, RunScript(0, 0 if outcome == "ERRORED" else 60, "ERRORED")
    )
    if outcome == "KILLED":
        HexHook(conn_id).cancel_run(project_id, run_id)

    with pytest.raises(error):
        sensor(project_id, run_id, soft_fail=soft_fail).execute(context())


def test_reschedule_mode_frees_the_worker_between_pokes(sim: HexSimulator, conn_id: str) -> None:
    project_id, run_id = start(sim, conn_id, RunScript(0, 3600))

    with pytest.raises(AirflowRescheduleException):
        sensor(project_id, run_id, mode="reschedule", poke_interval=60).execute(context())


# -- the project's latest run -------------------------------------------------------------------


def test_without_a_run_id_it_waits_for_the_project_to_have_a_run(
    sim: HexSimulator, conn_id: str
) -> None:
    project_id = sim.add_project("Sensor test")

    assert sensor(project_id).poke(context()) is False


def test_without_a_run_id_it_watches_the_newest_run(sim: HexSimulator, conn_id: str) -> None:
    project_id = sim.add_project(
        "Sensor test", scripts=[RunScript(0, 0, "ERRORED"), RunScript(0, 3600)]
    )
    hook = HexHook(conn_id)
    hook.run_project(project_id)
    time.sleep(0.01)
    newest = hook.run_project(project_id)["runId"]
    ctx = context()

    assert sensor(project_id).poke(ctx) is False  # the newest is running; the errored one is older
    assert ctx["ti"].pushed["run_id"] == newest


def test_a_run_trigger_filter_reaches_hex(sim: HexSimulator, conn_id: str) -> None:
    project_id = sim.add_project("Sensor test")
    sim.clear_requests()

    sensor(project_id, run_trigger="SCHEDULED").poke(context())

    (request,) = sim.requests
    assert request.query.get("runTriggerFilter") in ("SCHEDULED", ["SCHEDULED"])
    assert request.query.get("limit") in ("1", ["1"])


# -- deferrable ---------------------------------------------------------------------------------


def test_deferrable_defers_on_the_trigger_without_ever_cancelling(
    sim: HexSimulator, conn_id: str
) -> None:
    project_id, run_id = start(sim, conn_id, RunScript(0, 3600))
    before = time.time()

    with pytest.raises(TaskDeferred) as deferred:
        sensor(project_id, run_id, deferrable=True, timeout=600, poke_interval=7).execute(context())

    trigger = deferred.value.trigger
    assert isinstance(trigger, HexRunTrigger)
    _, kwargs = trigger.serialize()
    assert (kwargs["run_id"], kwargs["poll_interval"]) == (run_id, 7.0)
    assert (kwargs["cancel_on_timeout"], kwargs["cancel_on_kill"]) == (False, False)
    assert before + 600 <= kwargs["deadline"] <= time.time() + 600
    assert deferred.value.method_name == "execute_complete"


def test_deferrable_finishes_at_once_when_the_run_already_ended(
    sim: HexSimulator, conn_id: str
) -> None:
    project_id, run_id = start(sim, conn_id, RunScript(0, 0))

    summary = sensor(project_id, run_id, deferrable=True).execute(context())

    assert summary["status"] == "COMPLETED"


def test_deferrable_soft_fail_skips_a_failed_run(sim: HexSimulator, conn_id: str) -> None:
    project_id, run_id = start(sim, conn_id, RunScript(0, 0, "ERRORED"))

    with pytest.raises(AirflowSkipException):
        sensor(project_id, run_id, deferrable=True, soft_fail=True).execute(context())


@pytest.mark.parametrize("carried_in", ["kwargs", "event"], ids=["kwargs", "event-only"])
def test_deferrable_without_a_run_yet_looks_again_on_a_timer(
    sim: HexSimulator, conn_id: str, carried_in: str
) -> None:
    project_id = sim.add_project("Sensor test", scripts=[RunScript(0, 3600)])
    waiting = sensor(project_id, deferrable=True, timeout=600)

    with pytest.raises(TaskDeferred) as no_run:
        waiting.execute(context())

    timer = no_run.value.trigger
    assert isinstance(timer, HexWaitTrigger)
    assert timer.payload == no_run.value.kwargs
    assert no_run.value.method_name == "execute_wait_for_run"
    run_id = HexHook(conn_id).run_project(project_id)["runId"]
    state = no_run.value.kwargs
    # The scheduler hands back the kwargs and the event; dag.test() only the event.
    resume_with = {"event": state, **state} if carried_in == "kwargs" else {"event": state}
    with pytest.raises(TaskDeferred) as found:
        waiting.execute_wait_for_run(context(), **resume_with)
    assert found.value.trigger.run_id == run_id
    assert found.value.trigger.deadline == state["deadline"]


def _event(kind: str, status: str | None = None) -> dict[str, Any]:
    run = None if status is None else {"runId": RUN, "runUrl": "u", "status": status}
    return run_event(kind, project_id=PROJECT, run_id=RUN, run_url="u", message=kind, run=run)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("event", "error"),
    [
        (_event("failed", "ERRORED"), AirflowFailException),
        (_event("timeout"), AirflowSensorTimeout),
        (_event("error"), AirflowException),
    ],
    ids=["failed", "timeout", "error"],
)
def test_execute_complete_fails_unless_the_run_completed(
    event: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        sensor(PROJECT, RUN, deferrable=True).execute_complete(context(), event)


def test_execute_complete_returns_the_summary_on_success() -> None:
    summary = sensor(PROJECT, RUN).execute_complete(context(), _event("success", "COMPLETED"))

    assert (summary["run_id"], summary["status"]) == (RUN, "COMPLETED")


def test_a_failed_event_with_soft_fail_skips_on_resume() -> None:
    waiting = sensor(PROJECT, RUN, deferrable=True, soft_fail=True)

    with pytest.raises(AirflowSkipException):
        waiting.resume_execution(
            "execute_complete", {"event": _event("failed", "ERRORED")}, context()
        )  # type: ignore[arg-type]


# -- arguments ----------------------------------------------------------------------------------


def test_poll_interval_is_another_name_for_poke_interval() -> None:
    assert HexRunSensor(task_id="w", project_id=PROJECT, poll_interval=12).poke_interval == 12
    with pytest.raises(HexInvalidArgumentError):
        HexRunSensor(task_id="w", project_id=PROJECT, poll_interval=12, poke_interval=30)


@pytest.mark.parametrize(
    "kwargs",
    [{"project_id": "nope"}, {"run_id": "nope"}, {"run_trigger": "CRON"}],
    ids=["project", "run", "run-trigger"],
)
def test_wrong_arguments_fail_when_the_dag_is_parsed(kwargs: dict[str, Any]) -> None:
    kwargs.setdefault("project_id", PROJECT)
    with pytest.raises(HexInvalidArgumentError):
        HexRunSensor(task_id="w", **kwargs)


def test_ids_are_templated_and_the_run_is_linked() -> None:
    waiting = sensor("{{ var.value.project }}", "{{ ti.xcom_pull('run', key='run_id') }}")

    assert set(waiting.template_fields) == {
        "project_id",
        "project_name",
        "run_id",
        "finished_after",
    }
    assert [type(link) for link in waiting.operator_extra_links] == [HexRunLink]
