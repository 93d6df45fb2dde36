"""A retry finds the run an earlier try started (Airflow 3.3's task state store).

The real store talks to the API server; these tests give the operator a dict-backed store
with the same ``get`` / ``set`` / ``delete`` calls, and simulate a worker crash by raising
right after the run was stored.
"""

from __future__ import annotations

import time

import pytest
from run_support import (
    FakeStateStore,
    FakeTI,
    TaskDeferred,
    WorkerCrash,
    make_context,
)

from airflow_provider_hex._compat import CAN_REATTACH
from airflow_provider_hex.hooks.hex import HexHook
from airflow_provider_hex.operators.hex import HexRunProjectOperator
from airflow_provider_hex.testing import HexSimulator, RunScript
from airflow_provider_hex.triggers.hex import HexRunTrigger

KEY = "hex_run"
RUN_STARTS = r"/projects/[^/]+/runs$"
reattaching = pytest.mark.skipif(not CAN_REATTACH, reason="Airflow < 3.3 has no task state store")


def operator(project_id: str, **kwargs: object) -> HexRunProjectOperator:
    return HexRunProjectOperator(
        task_id="run", project_id=project_id, poll_interval=0.05, max_poll_interval=0.1, **kwargs
    )


def crashed_first_try(sim: HexSimulator, project_id: str) -> tuple[FakeStateStore, str]:
    """Run a first try that starts a run, stores it, and dies; return the store and run."""
    store = FakeStateStore(crash_after_set=True)
    ti = FakeTI()
    with pytest.raises(WorkerCrash):
        operator(project_id).execute(make_context(ti, store))
    store.crash_after_set = False
    assert store.data[KEY]["run_id"] == ti.pushed["run_id"]
    return store, ti.pushed["run_id"]


def wait_for(sim: HexSimulator, run_id: str, status: str) -> None:
    deadline = time.monotonic() + 5
    while sim.run_status(run_id) != status and time.monotonic() < deadline:
        time.sleep(0.01)


@reattaching
def test_a_retry_after_a_crash_waits_for_the_still_active_run(
    sim: HexSimulator, conn_id: str
) -> None:
    project_id = sim.add_project("Reattach", scripts=[RunScript(0.1, 0.3)])
    store, run_id = crashed_first_try(sim, project_id)
    retry = FakeTI()

    summary = operator(project_id).execute(make_context(retry, store))

    assert (summary["run_id"], summary["status"]) == (run_id, "COMPLETED")
    assert sim.count("POST", RUN_STARTS) == 1
    assert retry.pushed["run_id"] == run_id  # the retry's XComs (and link) name the run again
    assert KEY not in store.data  # forgotten on success: a later clear starts a fresh run


@reattaching
def test_a_deferrable_retry_defers_on_the_run_the_first_try_started(
    sim: HexSimulator, conn_id: str
) -> None:
    project_id = sim.add_project("Reattach", scripts=[RunScript(0, 3600)])
    store, run_id = crashed_first_try(sim, project_id)

    with pytest.raises(TaskDeferred) as deferred:
        operator(project_id, deferrable=True).execute(make_context(FakeTI(), store))

    assert isinstance(deferred.value.trigger, HexRunTrigger)
    assert deferred.value.trigger.run_id == run_id
    assert sim.count("POST", RUN_STARTS) == 1


@reattaching
def test_a_retry_after_the_run_completed_returns_it_without_a_new_run(
    sim: HexSimulator, conn_id: str
) -> None:
    project_id = sim.add_project("Reattach", scripts=[RunScript(0, 0.05)])
    store, run_id = crashed_first_try(sim, project_id)
    wait_for(sim, run_id, "COMPLETED")

    summary = operator(project_id).execute(make_context(FakeTI(), store))

    assert (summary["run_id"], summary["status"]) == (run_id, "COMPLETED")
    assert sim.count("POST", RUN_STARTS) == 1


@reattaching
def test_a_retry_after_a_failed_run_starts_a_new_run(sim: HexSimulator, conn_id: str) -> None:
    project_id = sim.add_project(
        "Reattach", scripts=[RunScript(0, 0.05, "ERRORED"), RunScript(0, 0.05)]
    )
    store, first = crashed_first_try(sim, project_id)
    wait_for(sim, first, "ERRORED")

    summary = operator(project_id).execute(make_context(FakeTI(), store))

    assert summary["run_id"] != first
    assert sim.count("POST", RUN_STARTS) == 2


@reattaching
def test_a_stored_run_of_another_project_is_not_reattached(sim: HexSimulator, conn_id: str) -> None:
    other = sim.add_project("Other", scripts=[RunScript(0, 3600)])
    project_id = sim.add_project("Reattach", scripts=[RunScript(0, 0.05)])
    store, _ = crashed_first_try(sim, other)

    summary = operator(project_id).execute(make_context(FakeTI(), store))

    assert summary["project_id"] == project_id
    assert sim.count("POST", RUN_STARTS) == 2


def test_durable_false_starts_a_new_run_on_every_try(sim: HexSimulator, conn_id: str) -> None:
    project_id = sim.add_project("Reattach", scripts=[RunScript(0, 0.05)])
    active = HexHook(conn_id).run_project(project_id)["runId"]
    store = FakeStateStore()
    store.data[KEY] = {"project_id": project_id, "run_id": active, "run_url": None}

    summary = operator(project_id, durable=False).execute(make_context(FakeTI(), store))

    assert summary["run_id"] != active
    assert store.data[KEY]["run_id"] == active  # untouched


@pytest.mark.skipif(CAN_REATTACH, reason="Airflow 3.3+ reattaches")
def test_before_airflow_3_3_every_try_starts_a_new_run(sim: HexSimulator, conn_id: str) -> None:
    project_id = sim.add_project("Reattach", scripts=[RunScript(0, 0.05)])

    for _ in range(2):
        operator(project_id).execute(make_context(FakeTI()))

    assert sim.count("POST", RUN_STARTS) == 2
