"""``project_name=`` on the run operator, the sensor and the cancel operator.

The title is looked up when the task runs, never when the operator is built (DAG parsing),
and a failed lookup fails the task without retries, naming the closest titles or the
candidates' ids.
"""

from __future__ import annotations

from typing import Any

import pytest
from run_support import FakeTI, TaskDeferred, make_context

from airflow_provider_hex._compat import AirflowFailException
from airflow_provider_hex.exceptions import HexInvalidArgumentError
from airflow_provider_hex.hooks.hex import HexHook
from airflow_provider_hex.hooks.project_names import forget_project_titles
from airflow_provider_hex.operators.hex import HexCancelRunOperator, HexRunProjectOperator
from airflow_provider_hex.sensors.hex import HexRunSensor
from airflow_provider_hex.testing import HexSimulator, RunScript
from airflow_provider_hex.triggers.hex import HexWaitTrigger

TITLE = "Daily sales report"
LISTINGS = r"/projects$"


def run_operator(**kwargs: Any) -> HexRunProjectOperator:
    return HexRunProjectOperator(task_id="run", poll_interval=0.05, max_poll_interval=0.1, **kwargs)


def test_the_run_operator_runs_the_project_named(sim: HexSimulator, conn_id: str) -> None:
    project_id = sim.add_project(TITLE, scripts=[RunScript(0.02, 0.05)])
    sim.add_project("Weekly marketing funnel")
    ti = FakeTI()

    summary = run_operator(project_name=TITLE).execute(make_context(ti))

    assert summary["project_id"] == project_id
    assert ti.pushed["project_id"] == project_id
    assert sim.count("POST", rf"/projects/{project_id}/runs$") == 1
    assert sim.count("GET", LISTINGS) == 1


def test_building_the_operator_sends_nothing(sim: HexSimulator, conn_id: str) -> None:
    sim.add_project(TITLE)

    run_operator(project_name=TITLE)
    HexRunSensor(task_id="wait", project_name=TITLE)
    HexCancelRunOperator(task_id="cancel", project_name=TITLE, run_id="{{ run_id }}")

    assert sim.requests == []


def test_an_unknown_title_fails_the_task_without_retry_and_starts_nothing(
    sim: HexSimulator, conn_id: str
) -> None:
    sim.add_project(TITLE)

    with pytest.raises(AirflowFailException, match="closest titles: 'Daily sales report'"):
        run_operator(project_name="Daily sales reprot").execute(make_context())

    assert sim.count("POST", r"/runs$") == 0


def test_an_ambiguous_title_fails_naming_the_candidates(sim: HexSimulator, conn_id: str) -> None:
    ids = [sim.add_project(TITLE), sim.add_project(TITLE)]

    with pytest.raises(AirflowFailException) as caught:
        run_operator(project_name=TITLE).execute(make_context())

    assert all(project_id in str(caught.value) for project_id in ids)
    assert sim.count("POST", r"/runs$") == 0


def test_id_and_name_together_are_refused_at_construction() -> None:
    with pytest.raises(HexInvalidArgumentError, match="pass either project_id"):
        run_operator(project_id="5a8591dd-4039-49df-9202-96385ba3eff8", project_name=TITLE)
    with pytest.raises(HexInvalidArgumentError, match="or its title as project_name"):
        run_operator()


def test_a_templated_name_is_looked_up_after_rendering(sim: HexSimulator, conn_id: str) -> None:
    project_id = sim.add_project(TITLE, scripts=[RunScript(0.02, 0.05)])
    op = run_operator(project_name="{{ params.report }}")
    op.project_name = TITLE  # what rendering leaves

    assert op.execute(make_context())["project_id"] == project_id


def test_the_sensor_watches_the_project_named(sim: HexSimulator, conn_id: str) -> None:
    project_id = sim.add_project(TITLE, scripts=[RunScript(0, 0)])
    run = HexHook(conn_id).run_project(project_id)
    sensor = HexRunSensor(task_id="wait", project_name=TITLE, poke_interval=0.05, timeout=5)

    summary = sensor.execute(make_context())

    assert (summary["project_id"], summary["run_id"]) == (project_id, run["runId"])


def test_the_deferrable_sensor_carries_the_looked_up_id_across_its_wait(
    sim: HexSimulator, conn_id: str
) -> None:
    project_id = sim.add_project(TITLE)
    sensor = HexRunSensor(
        task_id="wait", project_name=TITLE, deferrable=True, poke_interval=0.05, timeout=5
    )

    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute(make_context())

    assert isinstance(deferred.value.trigger, HexWaitTrigger)
    assert deferred.value.kwargs["project_id"] == project_id
    assert deferred.value.trigger.serialize()[1]["payload"]["project_id"] == project_id
    forget_project_titles()  # a resumed wait runs in another process, without the cache
    resumed = HexRunSensor(
        task_id="wait", project_name=TITLE, deferrable=True, poke_interval=0.05, timeout=5
    )
    with pytest.raises(TaskDeferred):
        resumed.execute_wait_for_run(make_context(), deferred.value.trigger.payload)
    assert resumed.project_id == project_id
    assert sim.count("GET", LISTINGS) == 1  # the resumed wait did not look the title up again


def test_the_cancel_operator_cancels_a_run_of_the_project_named(
    sim: HexSimulator, conn_id: str
) -> None:
    project_id = sim.add_project(TITLE, scripts=[RunScript(0, 3600)])
    run = HexHook(conn_id).run_project(project_id)

    status = HexCancelRunOperator(
        task_id="cancel", project_name=TITLE, run_id=run["runId"], wait_timeout=5
    ).execute(make_context())

    assert status == "KILLED"
    assert sim.run_status(run["runId"]) == "KILLED"
