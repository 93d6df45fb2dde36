"""HexRunProjectOperator's arguments: 0.1.9 names, early checks, templates and mapping."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
import requests_mock
from airflow.sdk import DAG
from run_support import PROJECT, make_context

from airflow_provider_hex._compat import (
    AirflowFailException,
    ProviderDeprecationWarning,
)
from airflow_provider_hex.exceptions import HexInvalidArgumentError
from airflow_provider_hex.operators.hex import HexRunProjectOperator

OTHER = "63e12af8-1cfd-46d2-860d-95606666795b"


def build(**kwargs: Any) -> HexRunProjectOperator:
    kwargs.setdefault("project_id", PROJECT)
    return HexRunProjectOperator(task_id="run", **kwargs)


# -- the 0.1.9 names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "value", "attribute"),
    [
        ("synchronous", False, "wait_for_completion"),
        ("wait_seconds", 11, "poll_interval"),
        ("kill_on_timeout", False, "cancel_on_timeout"),
        ("input_parameters", {"region": "EU"}, "input_params"),
    ],
    ids=["synchronous", "wait_seconds", "kill_on_timeout", "input_parameters"],
)
def test_an_old_argument_name_still_works_with_a_deprecation_warning(
    old: str, value: Any, attribute: str
) -> None:
    with pytest.warns(ProviderDeprecationWarning, match=f"'{old}' is deprecated"):
        op = build(**{old: value})

    assert getattr(op, attribute) == value


def test_unchanged_old_names_give_no_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        op = build(timeout=120, update_cache=True, notifications=None)

    assert (op.timeout, op.update_cache) == (120, True)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ({"synchronous": True}, {"wait_for_completion": False}),
        ({"wait_seconds": 3}, {"poll_interval": 9}),
        ({"kill_on_timeout": True}, {"cancel_on_timeout": False}),
        ({"input_parameters": {"a": 1}}, {"input_params": {"a": 2}}),
    ],
    ids=["synchronous", "wait_seconds", "kill_on_timeout", "input_parameters"],
)
def test_old_and_new_names_with_different_values_are_refused(
    old: dict[str, Any], new: dict[str, Any]
) -> None:
    with pytest.raises(HexInvalidArgumentError, match="pass only"):
        build(**old, **new)


def test_old_and_new_names_with_the_same_value_are_accepted() -> None:
    with pytest.warns(ProviderDeprecationWarning):
        op = build(wait_seconds=9, poll_interval=9)

    assert op.poll_interval == 9


# -- checks at construction ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"project_id": "not-a-uuid"}, "project_id"),
        ({"input_params": ["a"]}, "input_params"),
        ({"input_params": {"a": 1}, "view_id": "v1"}, "view_id"),
        ({"notifications": [{"type": "NEVER"}]}, "notifications[0].type"),
        ({"poll_interval": 0}, "poll_interval"),
        ({"max_poll_interval": -1}, "max_poll_interval"),
        ({"timeout": 0}, "timeout"),
        ({"deferrable": "yes"}, "deferrable"),
        ({"dry_run": "true"}, "dry_run"),
    ],
    ids=[
        "project-id",
        "input-params",
        "view-and-inputs",
        "notification",
        "poll-interval",
        "max-poll-interval",
        "timeout",
        "deferrable",
        "dry-run",
    ],
)
def test_wrong_arguments_fail_when_the_dag_is_parsed(kwargs: dict[str, Any], argument: str) -> None:
    with pytest.raises(HexInvalidArgumentError) as raised:
        build(**kwargs)

    assert raised.value.argument == argument


@pytest.mark.parametrize(
    "kwargs",
    [
        {"project_id": "{{ var.value.hex_project }}"},
        {"input_params": "{{ params.inputs }}"},
        {"input_params": {"day": "{{ ds }}"}, "view_id": None},
        {"notifications": "{{ var.json.hex_notifications }}"},
        {"timeout": None},
    ],
    ids=["templated-id", "templated-inputs", "templated-value", "templated-notes", "no-timeout"],
)
def test_templated_values_are_checked_only_after_rendering(kwargs: dict[str, Any]) -> None:
    op = build(**kwargs)  # no error at parse time: the value is checked in execute

    assert {name: getattr(op, name) for name in kwargs} == kwargs


def test_a_value_from_another_task_is_accepted_at_parse_time() -> None:
    from airflow.sdk import task

    with DAG("hex_args_xcomarg", schedule=None):

        @task
        def pick() -> str:
            return PROJECT

        picked = pick()
        op = HexRunProjectOperator(task_id="run", project_id=picked)

    assert op.project_id is picked


# -- checks in execute --------------------------------------------------------------------------


def test_a_bad_rendered_value_fails_without_retry_before_any_request(hex_conn: str) -> None:
    op = build(project_id="{{ 'oops' }}")
    op.project_id = "oops"  # what rendering produced

    with requests_mock.Mocker() as m, pytest.raises(AirflowFailException, match="project_id"):
        op.execute(make_context())

    assert m.request_history == []


def test_input_params_rendered_as_a_json_string_are_read_as_json(hex_conn: str) -> None:
    op = build(input_params="{{ params.inputs }}", wait_for_completion=False)
    op.input_params = '{"region": "EU", "limit": 5}'  # type: ignore[assignment]
    api = "https://app.hex.tech/api/v1"
    started = {"projectId": PROJECT, "runId": OTHER, "runUrl": "u", "projectVersion": 1}

    with requests_mock.Mocker() as m:
        m.post(f"{api}/projects/{PROJECT}/runs", json=started, status_code=201)
        op.execute(make_context())

    assert m.request_history[0].json() == {"inputParams": {"region": "EU", "limit": 5}}


def test_run_options_reach_hex_as_sent(hex_conn: str) -> None:
    api = "https://app.hex.tech/api/v1"
    started = {"projectId": PROJECT, "runId": OTHER, "runUrl": "u", "projectVersion": 1}
    op = build(
        dry_run=True,
        use_cached_sql_results=False,
        update_published_results=True,
        notifications=[{"type": "FAILURE", "slackChannelIds": ["C1"]}],
        wait_for_completion=False,
    )

    with requests_mock.Mocker() as m:
        m.post(f"{api}/projects/{PROJECT}/runs", json=started, status_code=201)
        op.execute(make_context())

    assert m.request_history[0].json() == {
        "dryRun": True,
        "useCachedSqlResults": False,
        "updatePublishedResults": True,
        "notifications": [
            {"type": "FAILURE", "slackChannelIds": ["C1"], "includeSuccessScreenshot": False}
        ],
    }


# -- templates and mapping ----------------------------------------------------------------------


def test_ids_inputs_and_notifications_are_templated() -> None:
    assert set(HexRunProjectOperator.template_fields) == {
        "project_id",
        "project_name",
        "input_params",
        "notifications",
        "view_id",
        "save_charts",
        "charts_folder",
    }


def test_expands_over_projects_and_over_inputs() -> None:
    with DAG("hex_args_mapped", schedule=None) as dag:
        by_project = HexRunProjectOperator.partial(
            task_id="by_project", deferrable=True, timeout=600
        ).expand(project_id=[PROJECT, OTHER])
        by_inputs = HexRunProjectOperator.partial(task_id="by_inputs", project_id=PROJECT).expand(
            input_params=[{"region": "EU"}, {"region": "US"}]
        )

    assert {t.task_id for t in dag.tasks} == {"by_project", "by_inputs"}
    assert by_project.partial_kwargs["deferrable"] is True
    assert by_inputs.partial_kwargs["project_id"] == PROJECT


def test_an_unknown_argument_is_refused_when_mapping() -> None:
    with DAG("hex_args_mapped_bad", schedule=None), pytest.raises(TypeError):
        HexRunProjectOperator.partial(task_id="bad", project_id=PROJECT).expand(nope=[1])
