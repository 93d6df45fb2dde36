"""The project status operator sets and clears a status with one PATCH."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest

from airflow_provider_hex.exceptions import HexInvalidArgumentError
from airflow_provider_hex.operators.projects import HexUpdateProjectStatusOperator

API = "https://app.hex.tech/api/v1"
PROJECT = "5a8591dd-4039-49df-9202-96385ba3eff8"
CTX: Any = {}

pytestmark = pytest.mark.usefixtures("hex_conn")


def project(status: str | None) -> dict[str, Any]:
    return {
        "id": PROJECT,
        "title": "Daily sales report",
        "status": None if status is None else {"name": status},
    }


@pytest.mark.parametrize("status", ["Endorsed", None], ids=["set", "clear"])
def test_status_is_sent_as_one_patch_and_returned(requests_mock: Any, status: str | None) -> None:
    requests_mock.patch(f"{API}/projects/{PROJECT}", json=project(status))
    op = HexUpdateProjectStatusOperator(task_id="status", project_id=PROJECT, status=status)

    result = op.execute(CTX)

    (request,) = requests_mock.request_history
    assert (request.method, urlsplit(request.url).path) == ("PATCH", f"/api/v1/projects/{PROJECT}")
    assert json.loads(request.body) == {"status": status}
    assert result == {"project_id": PROJECT, "title": "Daily sales report", "status": status}


def test_status_must_be_given_explicitly_even_to_clear_it() -> None:
    with pytest.raises(TypeError):
        HexUpdateProjectStatusOperator(task_id="status", project_id=PROJECT)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [({"project_id": "nope"}, "project_id"), ({"status": "  "}, "status")],
    ids=["bad-project", "blank-status"],
)
def test_bad_arguments_fail_when_the_dag_is_parsed(kwargs: dict[str, Any], argument: str) -> None:
    args = {"project_id": PROJECT, "status": "Endorsed", **kwargs}

    with pytest.raises(HexInvalidArgumentError) as err:
        HexUpdateProjectStatusOperator(task_id="status", **args)

    assert err.value.argument == argument


def test_templated_status_is_rendered(requests_mock: Any) -> None:
    requests_mock.patch(f"{API}/projects/{PROJECT}", json=project("In review"))
    op = HexUpdateProjectStatusOperator(
        task_id="status", project_id=PROJECT, status="{{ params.status }}"
    )
    op.render_template_fields({"params": {"status": "In review"}})  # type: ignore[arg-type]

    op.execute(CTX)

    assert json.loads(requests_mock.request_history[0].body) == {"status": "In review"}
