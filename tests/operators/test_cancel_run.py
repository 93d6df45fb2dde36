"""HexCancelRunOperator: cancels an active run, leaves an ended one, returns the final status."""

from __future__ import annotations

from typing import Any

import pytest
import requests_mock
from run_support import (
    PROJECT,
    RUN,
    logged,
    make_context,
)

from airflow_provider_hex.exceptions import (
    HexInvalidArgumentError,
    HexInvalidInputError,
    HexNotFoundError,
)
from airflow_provider_hex.hooks.hex import HexHook
from airflow_provider_hex.operators.hex import HexCancelRunOperator
from airflow_provider_hex.testing import HexSimulator, RunScript

API = "https://app.hex.tech/api/v1"
RUN_PATH = f"{API}/projects/{PROJECT}/runs/{RUN}"


def cancel(project_id: str = PROJECT, run_id: str = RUN, **kwargs: Any) -> HexCancelRunOperator:
    return HexCancelRunOperator(task_id="cancel", project_id=project_id, run_id=run_id, **kwargs)


def status(value: str) -> dict[str, Any]:
    return {"json": {"projectId": PROJECT, "runId": RUN, "runUrl": "u", "status": value}}


def test_cancels_an_active_run_and_returns_killed(sim: HexSimulator, conn_id: str) -> None:
    project_id = sim.add_project("Cancel", scripts=[RunScript(0, 3600)])
    run_id = HexHook(conn_id).run_project(project_id)["runId"]

    final = cancel(project_id, run_id).execute(make_context())

    assert final == "KILLED"
    assert sim.run_status(run_id) == "KILLED"
    assert sim.count("DELETE", "/runs/") == 1


def test_a_run_that_already_ended_is_left_alone(
    sim: HexSimulator,
    conn_id: str,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project_id = sim.add_project("Cancel", scripts=[RunScript(0, 0, "ERRORED")])
    run_id = HexHook(conn_id).run_project(project_id)["runId"]

    final = cancel(project_id, run_id).execute(make_context())

    assert final == "ERRORED"
    assert sim.count("DELETE", "/runs/") == 0
    assert "already ended with status ERRORED" in logged(caplog, capsys)


def test_a_run_that_ends_before_the_cancel_lands_is_reported_as_it_ended(hex_conn: str) -> None:
    with requests_mock.Mocker() as m:
        m.get(RUN_PATH, [status("RUNNING"), status("COMPLETED")])
        m.delete(RUN_PATH, status_code=422, json={"reason": "Run has already finished"})

        final = cancel().execute(make_context())

    assert final == "COMPLETED"


def test_a_refusal_to_cancel_an_active_run_fails_the_task(hex_conn: str) -> None:
    with requests_mock.Mocker() as m:
        m.get(RUN_PATH, [status("RUNNING"), status("RUNNING")])
        m.delete(RUN_PATH, status_code=422, json={"reason": "Cannot cancel"})

        with pytest.raises(HexInvalidInputError, match="Cannot cancel"):
            cancel().execute(make_context())


def test_an_unknown_run_fails_the_task(sim: HexSimulator, conn_id: str) -> None:
    project_id = sim.add_project("Cancel")

    with pytest.raises(HexNotFoundError):
        cancel(project_id, RUN).execute(make_context())


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [({"project_id": "p1"}, "project_id"), ({"run_id": "../runs"}, "run_id")],
    ids=["project", "run"],
)
def test_wrong_ids_fail_when_the_dag_is_parsed(kwargs: dict[str, str], argument: str) -> None:
    with pytest.raises(HexInvalidArgumentError) as raised:
        cancel(**kwargs)

    assert raised.value.argument == argument


def test_ids_are_templated() -> None:
    op = cancel(run_id="{{ ti.xcom_pull(task_ids='run', key='run_id') }}")

    assert set(op.template_fields) == {"project_id", "project_name", "run_id"}
