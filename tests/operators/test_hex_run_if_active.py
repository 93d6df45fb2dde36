"""HexRunProjectOperator(if_active=...) against the simulator, with a run already going.

The other run is started the way Hex's own scheduler would (not through the API), so every
RunProject POST the simulator records was sent by the task.
"""

from __future__ import annotations

import pytest
from airflow.exceptions import AirflowException  # type: ignore[attr-defined]
from run_support import (
    RUN_STARTS,
    FakeTI,
    TaskDeferred,
    fast_operator,
    make_context,
    run_starts,
)

from airflow_provider_hex._compat import AirflowSkipException
from airflow_provider_hex.exceptions import HexInvalidArgumentError
from airflow_provider_hex.testing import HexSimulator, RunScript


def busy_project(sim: HexSimulator, first: RunScript, then: RunScript | None = None) -> str:
    """A project whose first run (``first``) is started now by Hex's scheduler."""
    project_id = sim.add_project("Busy report", scripts=[first, then or RunScript(0.02, 0.05)])
    with sim.lock:
        sim.state.start_run(sim.state.project(project_id), {}, trigger="SCHEDULED")
    return project_id


def active_run(sim: HexSimulator, project_id: str) -> str:
    with sim.lock:
        (run,) = [r for r in sim.state.runs.values() if r.project_id == project_id]
    return run.id


def test_start_makes_a_second_run_beside_the_active_one(sim: HexSimulator, conn_id: str) -> None:
    project_id = busy_project(sim, RunScript(0, 3600))
    other = active_run(sim, project_id)

    summary = fast_operator(project_id, if_active="start").execute(make_context())

    assert summary["run_id"] != other
    assert summary["status"] == "COMPLETED"
    assert run_starts(sim) == 1
    assert sim.run_status(other) == "RUNNING"
    assert sim.count("GET", RUN_STARTS) == 0  # the default does not even look


def test_wait_adopts_the_active_run_and_sends_no_post(sim: HexSimulator, conn_id: str) -> None:
    project_id = busy_project(sim, RunScript(0, 0.3))
    other = active_run(sim, project_id)
    ti = FakeTI()

    summary = fast_operator(project_id, if_active="wait").execute(make_context(ti))

    assert (summary["run_id"], summary["status"]) == (other, "COMPLETED")
    assert ti.pushed["run_id"] == other
    assert ti.pushed["run_url"] == summary["run_url"]
    assert run_starts(sim) == 0


def test_wait_fails_when_the_adopted_run_errors(sim: HexSimulator, conn_id: str) -> None:
    project_id = busy_project(sim, RunScript(0, 0.2, "ERRORED"))
    other = active_run(sim, project_id)

    with pytest.raises(AirflowException, match=f"Hex run {other} ended with status ERRORED"):
        fast_operator(project_id, if_active="wait").execute(make_context())

    assert run_starts(sim) == 0


def test_wait_starts_a_run_when_none_is_active(sim: HexSimulator, conn_id: str) -> None:
    project_id = sim.add_project("Idle report", scripts=[RunScript(0.02, 0.05)])

    summary = fast_operator(project_id, if_active="wait").execute(make_context())

    assert summary["status"] == "COMPLETED"
    assert run_starts(sim) == 1


def test_cancel_cancels_the_active_run_then_starts_one(sim: HexSimulator, conn_id: str) -> None:
    project_id = busy_project(sim, RunScript(0, 3600))
    other = active_run(sim, project_id)

    summary = fast_operator(project_id, if_active="cancel").execute(make_context())

    assert sim.run_status(other) == "KILLED"
    assert summary["run_id"] != other
    assert summary["status"] == "COMPLETED"
    methods = [r.method for r in sim.requests if "/runs" in r.path]
    assert methods.index("DELETE") < methods.index("POST")  # cancelled before starting
    assert run_starts(sim) == 1


def test_skip_skips_with_no_post_and_names_the_run(sim: HexSimulator, conn_id: str) -> None:
    project_id = busy_project(sim, RunScript(0, 3600))
    other = active_run(sim, project_id)

    with pytest.raises(AirflowSkipException, match=other):
        fast_operator(project_id, if_active="skip").execute(make_context())

    assert run_starts(sim) == 0
    assert sim.run_status(other) == "RUNNING"


def test_a_pending_run_counts_as_active(sim: HexSimulator, conn_id: str) -> None:
    project_id = busy_project(sim, RunScript(3600, 1))

    with pytest.raises(AirflowSkipException, match="PENDING"):
        fast_operator(project_id, if_active="skip").execute(make_context())


# -- deferrable ---------------------------------------------------------------------------------


def test_deferrable_start_defers_on_a_second_run(sim: HexSimulator, conn_id: str) -> None:
    project_id = busy_project(sim, RunScript(0, 3600), RunScript(0, 3600))
    other = active_run(sim, project_id)

    with pytest.raises(TaskDeferred) as deferred:
        fast_operator(project_id, deferrable=True).execute(make_context())

    _, kwargs = deferred.value.trigger.serialize()
    assert kwargs["run_id"] != other
    assert sim.run_status(kwargs["run_id"]) == "RUNNING"
    assert run_starts(sim) == 1


def test_deferrable_wait_defers_on_the_adopted_run_without_cancelling_it(
    sim: HexSimulator, conn_id: str
) -> None:
    project_id = busy_project(sim, RunScript(0, 3600))
    other = active_run(sim, project_id)

    with pytest.raises(TaskDeferred) as deferred:
        fast_operator(project_id, if_active="wait", deferrable=True).execute(make_context())

    _, kwargs = deferred.value.trigger.serialize()
    assert kwargs["run_id"] == other
    assert kwargs["cancel_on_kill"] is False
    assert kwargs["cancel_on_timeout"] is False
    assert run_starts(sim) == 0


def test_deferrable_wait_with_cancel_adopted_lets_the_trigger_cancel(
    sim: HexSimulator, conn_id: str
) -> None:
    project_id = busy_project(sim, RunScript(0, 3600))

    with pytest.raises(TaskDeferred) as deferred:
        fast_operator(project_id, if_active="wait", deferrable=True, cancel_adopted=True).execute(
            make_context()
        )

    _, kwargs = deferred.value.trigger.serialize()
    assert (kwargs["cancel_on_kill"], kwargs["cancel_on_timeout"]) == (True, True)


def test_deferrable_skip_and_cancel_work_before_deferring(sim: HexSimulator, conn_id: str) -> None:
    skipped = busy_project(sim, RunScript(0, 3600))
    with pytest.raises(AirflowSkipException):
        fast_operator(skipped, if_active="skip", deferrable=True).execute(make_context())

    cancelled = busy_project(sim, RunScript(0, 3600))
    other = active_run(sim, cancelled)
    with pytest.raises(TaskDeferred) as deferred:
        fast_operator(cancelled, if_active="cancel", deferrable=True).execute(make_context())

    assert sim.run_status(other) == "KILLED"
    assert deferred.value.trigger.serialize()[1]["run_id"] != other
    assert deferred.value.trigger.serialize()[1]["cancel_on_kill"] is True


# -- kill and timeout of an adopted run ---------------------------------------------------------


def test_on_kill_leaves_an_adopted_run_running(sim: HexSimulator, conn_id: str) -> None:
    project_id = busy_project(sim, RunScript(0, 3600))
    other = active_run(sim, project_id)
    op = fast_operator(project_id, if_active="wait", deferrable=True)
    with pytest.raises(TaskDeferred):
        op.execute(make_context())

    op.on_kill()

    assert sim.run_status(other) == "RUNNING"
    assert sim.count("DELETE", r"/runs/") == 0


def test_on_kill_cancels_an_adopted_run_when_asked(sim: HexSimulator, conn_id: str) -> None:
    project_id = busy_project(sim, RunScript(0, 3600))
    other = active_run(sim, project_id)
    op = fast_operator(project_id, if_active="wait", deferrable=True, cancel_adopted=True)
    with pytest.raises(TaskDeferred):
        op.execute(make_context())

    op.on_kill()

    assert sim.run_status(other) == "KILLED"


def test_a_timeout_in_the_worker_leaves_an_adopted_run(sim: HexSimulator, conn_id: str) -> None:
    project_id = busy_project(sim, RunScript(0, 3600))
    other = active_run(sim, project_id)

    with pytest.raises(AirflowException, match="left running"):
        fast_operator(project_id, if_active="wait", timeout=0.3).execute(make_context())

    assert sim.run_status(other) == "RUNNING"


# -- arguments ----------------------------------------------------------------------------------


def test_an_unknown_policy_is_refused_at_construction() -> None:
    with pytest.raises(HexInvalidArgumentError, match=r"if_active='later'.*start, wait"):
        fast_operator("5a8591dd-4039-49df-9202-96385ba3eff8", if_active="later")


def test_cancel_adopted_must_be_a_bool() -> None:
    with pytest.raises(HexInvalidArgumentError, match="cancel_adopted"):
        fast_operator("5a8591dd-4039-49df-9202-96385ba3eff8", cancel_adopted="yes")


def test_an_adopted_run_stays_adopted_in_the_stored_reference() -> None:
    from airflow_provider_hex.runs import RunRef

    ref = RunRef("p", "r", "https://app.hex.tech/app/p/runs/r", adopted=True)

    assert RunRef.from_json(ref.to_json()) == ref
    assert "adopted" not in RunRef("p", "r").to_json()  # references stored by 1.0 read the same
    assert RunRef.from_json({"project_id": "p", "run_id": "r"}) == RunRef("p", "r")
