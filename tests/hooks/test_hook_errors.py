"""Hex's error answers become typed exceptions that say what happened and how to follow up."""

from __future__ import annotations

import json
import pickle
from typing import Any

import pytest
from hook_support import API, PROJECT, RUN, RUN_URL

from airflow_provider_hex.exceptions import (
    HexAPIError,
    HexAuthError,
    HexError,
    HexInvalidInputError,
    HexKernelLimitError,
    HexNotFoundError,
    HexPermissionError,
    HexRateLimitError,
    HexResponseError,
    HexServerError,
)
from airflow_provider_hex.hooks.hex import HexHook

STATUS_URL = f"{API}/projects/{PROJECT}/runs/{RUN}"

HTML_502 = (
    "<html><head><title>502 Bad Gateway</title></head>"
    "<body><center><h1>502 Bad Gateway</h1></center></body></html>"
)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, HexInvalidInputError),
        (401, HexAuthError),
        (403, HexPermissionError),
        (404, HexNotFoundError),
        (409, HexAPIError),
        (422, HexInvalidInputError),
        (429, HexRateLimitError),
        (500, HexServerError),
        (501, HexServerError),
        (503, HexKernelLimitError),
    ],
    ids=lambda v: str(v) if isinstance(v, int) else v.__name__,
)
def test_status_chooses_exception_class(
    hook: HexHook, requests_mock: Any, status: int, error: type[HexAPIError]
) -> None:
    requests_mock.get(STATUS_URL, status_code=status, json={"code": "C", "message": "m"})
    with pytest.raises(error) as caught:
        hook.get_run_status(PROJECT, RUN)
    assert type(caught.value) is error
    assert caught.value.status == status


def test_newer_error_body_gives_code_message_issues_and_trace(
    hook: HexHook, requests_mock: Any
) -> None:
    requests_mock.get(
        STATUS_URL,
        status_code=403,
        json={
            "code": "FORBIDDEN",
            "message": "Insufficient access",
            "issues": [{"message": "token lacks the Run projects scope"}],
            "traceId": "trace-403",
        },
    )

    with pytest.raises(HexPermissionError) as caught:
        hook.get_run_status(PROJECT, RUN)

    err = caught.value
    assert (err.status, err.code, err.reason) == (403, "FORBIDDEN", None)
    assert err.message == "Insufficient access"
    assert err.issues == ["token lacks the Run projects scope"]
    assert err.trace_id == "trace-403"
    assert str(err).startswith(
        f"Hex API GET /projects/{PROJECT}/runs/{RUN} failed with HTTP 403 [FORBIDDEN]: "
        "Insufficient access (issues: token lacks the Run projects scope; traceId: trace-403). "
        "Hex accepted the API token of the Airflow connection 'hex_default' "
        "(host https://app.hex.tech) but it may not do this"
    )


def test_older_error_body_gives_reason_details_and_trace(hook: HexHook, requests_mock: Any) -> None:
    requests_mock.get(
        f"{API}/groups/{PROJECT}",
        status_code=400,
        json={"reason": "Group not found", "details": "no group with that id", "traceId": "t-7"},
    )

    with pytest.raises(HexInvalidInputError) as caught:
        hook.get_group(PROJECT)

    err = caught.value
    assert (err.status, err.code, err.reason) == (400, None, "Group not found")
    assert err.message == "Group not found"
    assert err.details == "no group with that id"
    assert err.trace_id == "t-7"
    assert "details: no group with that id" in str(err)
    assert "traceId: t-7" in str(err)


def test_trace_id_header_is_used_when_body_has_none(hook: HexHook, requests_mock: Any) -> None:
    requests_mock.get(
        STATUS_URL,
        status_code=404,
        json={"code": "NOT_FOUND", "message": "Not found"},
        headers={"x-trace-id": "hdr-1"},
    )
    with pytest.raises(HexNotFoundError) as caught:
        hook.get_run_status(PROJECT, RUN)
    assert caught.value.trace_id == "hdr-1"


def test_run_project_invalid_params_are_listed(hook: HexHook, requests_mock: Any) -> None:
    requests_mock.post(
        f"{API}/projects/{PROJECT}/runs",
        status_code=422,
        json={
            "traceId": "t-422",
            "invalid": [
                {
                    "paramName": "days",
                    "paramValue": '"three"',
                    "dataType": "NUMBER",
                    "inputCellType": "slider",
                }
            ],
            "notFound": ["regoin"],
        },
    )

    with pytest.raises(HexInvalidInputError) as caught:
        hook.run_project(PROJECT, {"days": "three", "regoin": "EU"})

    err = caught.value
    assert err.invalid_params == ["days"]
    assert err.unknown_params == ["regoin"]
    assert err.invalid_param_details[0]["inputCellType"] == "slider"
    assert err.trace_id == "t-422"
    message = str(err)
    assert 'invalid input parameters: days (expected NUMBER, got "three")' in message
    assert "unknown input parameters: regoin" in message
    assert requests_mock.call_count == 1


def test_html_502_page_is_a_clear_server_error(hook: HexHook, requests_mock: Any) -> None:
    requests_mock.get(
        STATUS_URL, status_code=502, text=HTML_502, headers={"Content-Type": "text/html"}
    )

    with pytest.raises(HexServerError) as caught:
        hook.get_run_status(PROJECT, RUN)

    message = str(caught.value)
    assert "HTTP 502" in message
    assert "answered with an HTML page" in message
    assert "502 Bad Gateway" in message
    assert caught.value.__context__ is None  # no JSONDecodeError in the traceback
    assert caught.value.__cause__ is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"projectId": "5a85', "a body that is not JSON"),
        ("", "an empty body"),
        ("<html>maintenance</html>", "an HTML page"),
        ("[1, 2]", "JSON that is not an object"),
        ("null", "JSON that is not an object"),
    ],
    ids=["truncated-json", "empty", "html", "json-list", "json-null"],
)
def test_malformed_success_body_is_a_response_error(
    hook: HexHook, requests_mock: Any, body: str, expected: str
) -> None:
    requests_mock.get(STATUS_URL, status_code=200, text=body)

    with pytest.raises(HexResponseError) as caught:
        hook.get_run_status(PROJECT, RUN)

    assert expected in str(caught.value)
    assert caught.value.status == 200
    assert caught.value.__context__ is None
    assert not isinstance(caught.value.__context__, json.JSONDecodeError)


@pytest.mark.parametrize(
    "answer",
    [{"values": "nope"}, {"pagination": {}}, {"values": [], "pagination": "x"}],
    ids=["values-not-list", "values-missing", "pagination-not-object"],
)
def test_list_page_without_values_is_a_response_error(
    hook: HexHook, requests_mock: Any, answer: dict[str, Any]
) -> None:
    requests_mock.get(f"{API}/projects", json=answer)
    with pytest.raises(HexResponseError, match="not a page of values"):
        hook.list_projects().page()


def test_runs_page_without_runs_is_a_response_error(hook: HexHook, requests_mock: Any) -> None:
    requests_mock.get(f"{API}/projects/{PROJECT}/runs", json={"nextPage": None})
    with pytest.raises(HexResponseError, match="not a page of runs"):
        hook.get_project_runs(PROJECT).page()


def test_redirect_is_reported_as_wrong_host(hook: HexHook, requests_mock: Any) -> None:
    requests_mock.get(
        STATUS_URL, status_code=302, headers={"Location": "https://app.hex.tech/login"}
    )
    with pytest.raises(HexResponseError) as caught:
        hook.get_run_status(PROJECT, RUN)
    assert "redirect to 'https://app.hex.tech/login'" in str(caught.value)
    assert "host" in str(caught.value)
    assert requests_mock.call_count == 1


@pytest.mark.parametrize(
    ("method", "call"),
    [
        ("GET", lambda h: h.get_run_status(PROJECT, RUN, run_url=RUN_URL)),
        ("DELETE", lambda h: h.cancel_run(PROJECT, RUN, run_url=RUN_URL)),
    ],
    ids=["get_run_status", "cancel_run"],
)
def test_run_errors_name_the_run(hook: HexHook, requests_mock: Any, method: str, call: Any) -> None:
    requests_mock.register_uri(
        method, STATUS_URL, status_code=422, json={"reason": "Run already ended", "traceId": "t"}
    )
    with pytest.raises(HexInvalidInputError) as caught:
        call(hook)
    assert caught.value.run_url == RUN_URL
    assert f"run: {RUN_URL}" in str(caught.value)


def test_run_connection_errors_name_the_run(hook: HexHook, requests_mock: Any) -> None:
    import requests

    requests_mock.get(STATUS_URL, exc=requests.exceptions.ReadTimeout("slow"))
    with pytest.raises(HexError) as caught:
        hook.get_run_status(PROJECT, RUN, run_url=RUN_URL)
    assert RUN_URL in str(caught.value)


def test_error_without_run_url_does_not_mention_a_run(hook: HexHook, requests_mock: Any) -> None:
    requests_mock.get(STATUS_URL, status_code=404, json={"code": "NOT_FOUND", "message": "x"})
    with pytest.raises(HexNotFoundError) as caught:
        hook.get_run_status(PROJECT, RUN)
    assert caught.value.run_url is None
    assert "run:" not in str(caught.value)


def test_api_errors_survive_pickling(hook: HexHook, requests_mock: Any) -> None:
    requests_mock.get(
        STATUS_URL,
        status_code=429,
        json={"code": "TOO_MANY_REQUESTS", "message": "slow down"},
        headers={"Retry-After": "600"},
    )
    with pytest.raises(HexRateLimitError) as caught:
        hook.get_run_status(PROJECT, RUN)

    copy = pickle.loads(pickle.dumps(caught.value))

    assert type(copy) is HexRateLimitError
    assert str(copy) == str(caught.value)
    assert (copy.status, copy.code, copy.retry_after) == (429, "TOO_MANY_REQUESTS", 600.0)
