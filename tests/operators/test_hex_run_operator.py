"""HexRunProjectOperator against the simulator: start once, wait, defer, decide, cancel."""

from __future__ import annotations

import time
from typing import Any

import pytest
from airflow.exceptions import AirflowException  # type: ignore[attr-defined]
from airflow.sdk import Asset
from run_support import (
    RUN_STARTS,
    FakeTI,
    TaskDeferred,
    fast_operator,
    logged,
    make_context,
    run_starts,
)

from airflow_provider_hex._compat import AirflowFailException
from airflow_provider_hex.assets import hex_project_asset
from airflow_provider_hex.exceptions import HexConnectionError, HexServerError
from airflow_provider_hex.hooks.hex import HexHook
from airflow_provider_hex.links import HexRunLink
from airflow_provider_hex.runs import run_event
from airflow_provider_hex.testing import Fault, HexSimulator, RunScript
from airflow_provider_hex.triggers.hex import HexRunTrigger, HexWaitTrigger

SUMMARY_KEYS = {
    "project_id",
    "run_id",
    "run_url",
    "status",
    "start_time",
    "end_time",
    "elapsed_seconds",
    "project_version",
}


def project(sim: HexSimulator, *scripts: RunScript) -> str:
    return sim.add_project("Operator test", scripts=list(scripts) or [RunScript(0.05, 0.1)])


# -- waiting in the worker ----------------------------------------------------------------------


def test_waits_for_the_run_and_returns_its_summary(sim: HexSimulator, conn_id: str) -> None:
    project_id = project(sim)

    summary = fast_operator(project_id).execute(make_context())

    assert set(summary) == SUMMARY_KEYS
    assert (summary["project_id"], summary["status"]) == (project_id, "COMPLETED")
    assert sim.run_status(summary["run_id"]) == "COMPLETED"
    assert isinstance(summary["elapsed_seconds"], float)
    assert summary["run_url"]
    assert run_starts(sim) == 1


def test_pushes_run_xcoms_before_any_status_read(sim: HexSimulator, conn_id: str) -> None:
    project_id = project(sim)
    requests_at_push: list[int] = []
    ti = FakeTI(on_push=lambda key, value: requests_at_push.append(len(sim.requests)))

    summary = fast_operator(project_id).execute(make_context(ti))

    assert [key for key, _ in ti.xcoms] == ["run_id", "run_url", "project_id"]
    assert ti.pushed == {
        "run_id": summary["run_id"],
        "run_url": summary["run_url"],
        "project_id": project_id,
    }
    assert requests_at_push == [1, 1, 1]  # only the POST that started the run


def test_logs_one_line_per_status_change(
    sim: HexSimulator,
    conn_id: str,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project_id = project(sim, RunScript(0.2, 0.3))

    fast_operator(project_id, poll_interval=0.02, max_poll_interval=0.02).execute(make_context())

    text = logged(caplog, capsys)
    assert text.count("is PENDING") == 1
    assert text.count("is RUNNING") == 1
    assert text.count("is COMPLETED") == 1
    assert "s waited" in text


def test_without_waiting_returns_once_the_run_has_started(sim: HexSimulator, conn_id: str) -> None:
    project_id = project(sim, RunScript(5, 5))

    summary = fast_operator(project_id, wait_for_completion=False).execute(make_context())

    assert summary["status"] == "PENDING"
    assert len(sim.requests) == 1


@pytest.mark.parametrize(
    ("outcome", "error"),
    [("ERRORED", AirflowException), ("UNABLE_TO_ALLOCATE_KERNEL", AirflowException)],
    ids=["errored", "no-kernel"],
)
def test_a_failed_run_fails_the_task_with_its_status_and_url(
    sim: HexSimulator, conn_id: str, outcome: str, error: type[Exception]
) -> None:
    project_id = project(sim, RunScript(0, 0.05, outcome))
    ti = FakeTI()

    with pytest.raises(error, match=outcome) as raised:
        fast_operator(project_id).execute(make_context(ti))

    assert not isinstance(raised.value, AirflowFailException)  # retries apply
    assert ti.pushed["run_url"] in str(raised.value)


def test_a_timeout_in_the_worker_cancels_the_run(sim: HexSimulator, conn_id: str) -> None:
    project_id = project(sim, RunScript(0, 3600))
    ti = FakeTI()

    with pytest.raises(AirflowException, match="did not finish before its deadline") as raised:
        fast_operator(project_id, timeout=0.3).execute(make_context(ti))

    assert "the run was cancelled" in str(raised.value)
    assert sim.run_status(ti.pushed["run_id"]) == "KILLED"


def test_a_timeout_with_cancel_on_timeout_false_leaves_the_run(
    sim: HexSimulator, conn_id: str
) -> None:
    project_id = project(sim, RunScript(0, 3600))
    ti = FakeTI()

    with pytest.raises(AirflowException, match="left running"):
        fast_operator(project_id, timeout=0.3, cancel_on_timeout=False).execute(make_context(ti))

    assert sim.run_status(ti.pushed["run_id"]) == "RUNNING"
    assert sim.count("DELETE", "/runs/") == 0


# -- deferring ----------------------------------------------------------------------------------


def test_deferrable_pushes_xcoms_then_defers_with_an_absolute_deadline(
    sim: HexSimulator, conn_id: str
) -> None:
    project_id = project(sim, RunScript(0, 3600))
    ti = FakeTI()
    before = time.time()

    with pytest.raises(TaskDeferred) as deferred:
        fast_operator(project_id, deferrable=True, timeout=600).execute(make_context(ti))

    trigger = deferred.value.trigger
    assert isinstance(trigger, HexRunTrigger)
    assert deferred.value.method_name == "execute_complete"
    _, kwargs = trigger.serialize()
    assert kwargs["run_id"] == ti.pushed["run_id"]
    assert kwargs["run_url"] == ti.pushed["run_url"]
    assert before + 600 <= kwargs["deadline"] <= time.time() + 600
    assert kwargs["cancel_on_timeout"] is True
    margin = deferred.value.timeout.total_seconds() - (kwargs["deadline"] - time.time())
    assert 60 <= margin <= 180  # the trigger's own deadline always comes first
    assert run_starts(sim) == 1


def test_deferrable_finishes_without_deferring_when_the_run_already_ended(
    sim: HexSimulator, conn_id: str
) -> None:
    project_id = project(sim, RunScript(0, 0))

    summary = fast_operator(project_id, deferrable=True).execute(make_context())

    assert summary["status"] == "COMPLETED"


def test_deferrable_without_timeout_defers_without_one(sim: HexSimulator, conn_id: str) -> None:
    project_id = project(sim, RunScript(0, 3600))

    with pytest.raises(TaskDeferred) as deferred:
        fast_operator(project_id, deferrable=True, timeout=None).execute(make_context())

    assert deferred.value.timeout is None
    assert deferred.value.trigger.serialize()[1]["deadline"] is None


def run_payload(status: str) -> dict[str, Any]:
    return {
        "projectId": "p",
        "projectVersion": 4,
        "runId": "r",
        "runUrl": "https://app.hex.tech/app/p/runs/r",
        "status": status,
        "runTrigger": "API",
        "startTime": "2026-01-01T00:00:00Z",
        "endTime": "2026-01-01T00:01:00Z",
        "elapsedTime": 60000.0,
    }


def event(kind: str, status: str | None = None, **extra: Any) -> dict[str, Any]:
    return run_event(
        kind,  # type: ignore[arg-type]
        project_id="5a8591dd-4039-49df-9202-96385ba3eff8",
        run_id="78c33d18-170c-44d3-a227-b3194f134f73",
        run_url="https://app.hex.tech/app/p/runs/r",
        message=f"the trigger says {kind}",
        run=None if status is None else run_payload(status),  # type: ignore[arg-type]
        **extra,
    )


def test_execute_complete_returns_the_summary_on_success() -> None:
    op = fast_operator("5a8591dd-4039-49df-9202-96385ba3eff8", deferrable=True)

    summary = op.execute_complete(make_context(), event("success", "COMPLETED"))

    assert summary == {
        "project_id": "5a8591dd-4039-49df-9202-96385ba3eff8",
        "run_id": "78c33d18-170c-44d3-a227-b3194f134f73",
        "run_url": "https://app.hex.tech/app/p/runs/r",
        "status": "COMPLETED",
        "start_time": "2026-01-01T00:00:00Z",
        "end_time": "2026-01-01T00:01:00Z",
        "elapsed_seconds": 60.0,
        "project_version": 4,
    }


@pytest.mark.parametrize(
    ("payload", "error", "match"),
    [
        (event("failed", "ERRORED"), AirflowException, "ended with status ERRORED"),
        (event("failed", "UNABLE_TO_ALLOCATE_KERNEL"), AirflowException, "UNABLE_TO_ALLOCATE"),
        (event("failed", "KILLED"), AirflowFailException, "was cancelled .*not retrying"),
        (event("failed", "PAUSED"), AirflowException, "unknown status 'PAUSED'"),
        (event("error"), AirflowException, "the trigger says error"),
        (event("timeout", cancelled=True), AirflowException, "the trigger cancelled the run"),
        ({**event("error"), "status": "surprise"}, AirflowException, "Unexpected event"),
    ],
    ids=["errored", "no-kernel", "killed", "unknown", "error", "timeout-cancelled", "bad-event"],
)
def test_execute_complete_fails_the_task_for_every_other_ending(
    payload: dict[str, Any], error: type[Exception], match: str
) -> None:
    op = fast_operator("5a8591dd-4039-49df-9202-96385ba3eff8", deferrable=True)

    with pytest.raises(error, match=match) as raised:
        op.execute_complete(make_context(), payload)

    assert "https://app.hex.tech/app/p/runs/r" in str(raised.value)
    if error is AirflowException:
        assert not isinstance(raised.value, AirflowFailException)


def _timeout_event(project_id: str, run_id: str) -> dict[str, Any]:
    return run_event(
        "timeout",
        project_id=project_id,
        run_id=run_id,
        run_url=None,
        message=f"Hex run {run_id} did not finish before its deadline",
    )


def test_execute_complete_cancels_after_a_timeout_the_trigger_did_not_cancel(
    sim: HexSimulator, conn_id: str
) -> None:
    project_id = project(sim, RunScript(0, 3600))
    run_id = HexHook(conn_id).run_project(project_id)["runId"]

    with pytest.raises(AirflowException, match="the run was cancelled"):
        fast_operator(project_id).execute_complete(
            make_context(), _timeout_event(project_id, run_id)
        )

    assert sim.run_status(run_id) == "KILLED"


def test_execute_complete_leaves_the_run_when_cancel_on_timeout_is_false(
    sim: HexSimulator, conn_id: str
) -> None:
    project_id = project(sim, RunScript(0, 3600))
    run_id = HexHook(conn_id).run_project(project_id)["runId"]
    op = fast_operator(project_id, cancel_on_timeout=False)

    with pytest.raises(AirflowException, match="left running"):
        op.execute_complete(make_context(), _timeout_event(project_id, run_id))

    assert sim.count("DELETE", "/runs/") == 0


# -- on_kill ------------------------------------------------------------------------------------


def test_on_kill_cancels_the_run_the_task_started(sim: HexSimulator, conn_id: str) -> None:
    project_id = project(sim, RunScript(0, 3600))
    op = fast_operator(project_id, deferrable=True)
    ti = FakeTI()
    with pytest.raises(TaskDeferred):
        op.execute(make_context(ti))

    op.on_kill()

    assert sim.run_status(ti.pushed["run_id"]) == "KILLED"


def test_on_kill_without_a_run_or_after_success_sends_nothing(
    sim: HexSimulator, conn_id: str
) -> None:
    project_id = project(sim, RunScript(0, 0.05))
    idle, done = fast_operator(project_id), fast_operator(project_id)
    done.execute(make_context())
    sim.clear_requests()

    idle.on_kill()
    done.on_kill()

    assert sim.requests == []


# -- starting exactly once ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "error", "runs_started"),
    [
        ("500", HexServerError, 0),
        ("502", HexServerError, 0),
        ("reset_after_commit", HexConnectionError, 1),
    ],
    ids=["500", "502", "started-but-no-answer"],
)
def test_never_sends_the_run_start_twice_after_an_ambiguous_failure(
    sim: HexSimulator, conn_id: str, fault: str, error: type[Exception], runs_started: int
) -> None:
    project_id = project(sim)
    sim.add_fault(Fault(fault, method="POST", path=RUN_STARTS))

    with pytest.raises(error):
        fast_operator(project_id).execute(make_context())

    assert run_starts(sim) == 1
    assert sim.stats["runs_started"] == runs_started


@pytest.mark.parametrize("kind", ["429", "503"], ids=["rate-limit", "kernel-limit"])
def test_a_refused_start_is_tried_again_until_it_runs(
    sim: HexSimulator,
    conn_id: str,
    kind: str,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project_id = project(sim)
    # The hook tries twice (max_retries=1), so the operator sees two refusals in a row.
    sim.add_fault(Fault(kind, count=4, method="POST", path=RUN_STARTS, retry_after=0.05))

    summary = fast_operator(project_id).execute(make_context())

    assert summary["status"] == "COMPLETED"
    assert (run_starts(sim), sim.stats["runs_started"]) == (5, 1)
    assert "nothing was started" in logged(caplog, capsys)


def test_a_refused_start_gives_up_when_the_timeout_runs_out(
    sim: HexSimulator, conn_id: str
) -> None:
    project_id = project(sim)
    sim.add_fault(Fault("429", count=10_000, method="POST", path=RUN_STARTS, retry_after=0.1))

    with pytest.raises(AirflowFailException, match="kept refusing to start"):
        fast_operator(project_id, timeout=0.5).execute(make_context())

    assert sim.stats["runs_started"] == 0


@pytest.mark.parametrize("carried_in", ["kwargs", "event"], ids=["kwargs", "event-only"])
def test_a_refused_deferrable_start_defers_on_a_timer_and_starts_on_resume(
    sim: HexSimulator, conn_id: str, carried_in: str
) -> None:
    project_id = project(sim, RunScript(0, 3600))
    # Retry-After beyond the hook's max_retry_wait: the hook gives up at once, the task waits.
    sim.add_fault(Fault("429", count=1, method="POST", path=RUN_STARTS, retry_after=30))
    ti = FakeTI()

    with pytest.raises(TaskDeferred) as waiting:
        fast_operator(project_id, deferrable=True, timeout=600).execute(make_context(ti))

    timer = waiting.value.trigger
    assert isinstance(timer, HexWaitTrigger)
    assert 25 < timer.until - time.time() <= 30
    assert waiting.value.method_name == "execute_start_retry"
    state = waiting.value.kwargs
    assert timer.payload == state
    assert state["start_attempt"] == 1
    assert sim.stats["runs_started"] == 0
    assert ti.xcoms == []

    resumed = fast_operator(project_id, deferrable=True, timeout=600)  # rebuilt on resume
    # The scheduler hands back the kwargs and the event; dag.test() only the event.
    resume_with = {"event": state, **state} if carried_in == "kwargs" else {"event": state}
    with pytest.raises(TaskDeferred) as running:
        resumed.execute_start_retry(make_context(ti), **resume_with)

    assert isinstance(running.value.trigger, HexRunTrigger)
    assert running.value.trigger.deadline == state["deadline"]
    assert (run_starts(sim), sim.stats["runs_started"]) == (2, 1)
    assert ti.pushed["run_id"]


# -- link and assets ----------------------------------------------------------------------------


def test_success_adds_the_run_to_each_asset_outlets_extra(sim: HexSimulator, conn_id: str) -> None:
    project_id = project(sim)
    report, other = hex_project_asset(project_id, sim.url), Asset("s3://bucket/daily")
    context = make_context()

    summary = fast_operator(project_id, outlets=[report, other]).execute(context)

    for asset in (report, other):
        assert context["outlet_events"][asset].extra == {
            "run_id": summary["run_id"],
            "run_url": summary["run_url"],
            "status": "COMPLETED",
            "elapsed_seconds": summary["elapsed_seconds"],
        }
    assert summary["elapsed_seconds"] > 0


def test_the_run_link_reads_the_run_url_xcom(
    sim: HexSimulator, conn_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.sdk.execution_time.xcom import XCom

    asked: list[tuple[Any, str]] = []

    def get_value(*, ti_key: Any, key: str) -> Any:
        asked.append((ti_key, key))
        return {"run_url": "https://app.hex.tech/app/p/runs/r"}.get(key)

    monkeypatch.setattr(XCom, "get_value", staticmethod(get_value))
    op = fast_operator(project(sim), deferrable=True)
    with pytest.raises(TaskDeferred):
        op.execute(make_context())
    (link,) = op.operator_extra_links

    assert isinstance(link, HexRunLink)
    assert link.name == "Hex run"
    assert link.get_link(op, ti_key="ti-key") == "https://app.hex.tech/app/p/runs/r"
    assert asked == [("ti-key", "run_url")]


def test_the_run_link_is_empty_and_looks_nothing_up_before_a_run_started(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from airflow.sdk.execution_time.xcom import XCom

    def get_value(**_: Any) -> Any:
        raise AssertionError("no run yet: nothing to look up")

    monkeypatch.setattr(XCom, "get_value", staticmethod(get_value))

    assert (
        HexRunLink().get_link(fast_operator("5a8591dd-4039-49df-9202-96385ba3eff8"), ti_key=1) == ""
    )


def test_the_run_link_of_another_operator_reads_the_xcom(monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow.sdk import BaseOperator
    from airflow.sdk.execution_time.xcom import XCom

    monkeypatch.setattr(XCom, "get_value", staticmethod(lambda **_: None))

    assert HexRunLink().get_link(BaseOperator(task_id="other"), ti_key=1) == ""
