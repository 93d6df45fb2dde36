"""The API token never shows: not in reprs, exception texts or tracebacks, nor in log records."""

from __future__ import annotations

import logging
import pickle
import traceback
from collections.abc import Callable
from typing import Any

import pytest
import requests
from hook_support import API, PROJECT, PROJECT_RUN, RUN
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from airflow_provider_hex.exceptions import HexError
from airflow_provider_hex.hooks.hex import HexHook

STATUS_URL = f"{API}/projects/{PROJECT}/runs/{RUN}"


def everything_said_about(error: BaseException) -> str:
    """str, repr and the full formatted traceback (chained causes included) of ``error``."""
    return "\n".join(
        [str(error), repr(error), "".join(traceback.format_exception(error)), repr(vars(error))]
    )


def test_reprs_hide_token(hook: HexHook, token: str) -> None:
    shown = [
        repr(hook),
        str(hook),
        repr(hook.settings),
        str(hook.settings),
        repr(hook.transport),
        repr(hook.transport.auth),
        repr(hook.session),
    ]
    assert all(token not in text for text in shown)
    assert token[5:20] not in "".join(shown)


def answers_echoing(token: str) -> dict[str, dict[str, Any]]:
    """Error answers whose bodies quote the token back (a proxy debug page, say)."""
    return {
        "401-json": {
            "status_code": 401,
            "json": {"code": "UNAUTHORIZED", "message": f"Bad token Bearer {token}"},
        },
        "401-text": {"status_code": 401, "text": f"Unauthorized: {token}"},
        "502-html": {"status_code": 502, "text": f"<html>Authorization: Bearer {token}</html>"},
        "200-garbage": {"status_code": 200, "text": f"token={token}"},
        "302-redirect": {"status_code": 302, "headers": {"Location": f"/login?t={token}"}},
    }


@pytest.mark.parametrize(
    "answer", ["401-json", "401-text", "502-html", "200-garbage", "302-redirect"], ids=str
)
def test_errors_quoting_hex_answers_hide_token(
    hook: HexHook, token: str, requests_mock: Any, answer: str
) -> None:
    requests_mock.get(STATUS_URL, **answers_echoing(token)[answer])

    with pytest.raises(HexError) as caught:
        hook.get_run_status(PROJECT, RUN)

    assert token not in everything_said_about(caught.value)
    assert token not in repr(pickle.loads(pickle.dumps(caught.value)).__dict__)


CONNECTION_FAILURES: dict[str, Callable[[], Exception]] = {
    "refused": lambda: requests.exceptions.ConnectionError(
        MaxRetryError(None, "/api", NewConnectionError(None, "Connection refused"))  # type: ignore[arg-type]
    ),
    "reset": lambda: requests.exceptions.ConnectionError(
        ProtocolError("Connection aborted.", ConnectionResetError(104, "reset by peer"))
    ),
    "read-timeout": lambda: requests.exceptions.ReadTimeout("Read timed out."),
    "connect-timeout": lambda: requests.exceptions.ConnectTimeout("Connect timed out."),
}


@pytest.mark.parametrize("failure", list(CONNECTION_FAILURES), ids=list(CONNECTION_FAILURES))
def test_connection_errors_hide_token(
    hook: HexHook, token: str, requests_mock: Any, failure: str
) -> None:
    requests_mock.get(STATUS_URL, exc=CONNECTION_FAILURES[failure]())

    with pytest.raises(HexError) as caught:
        hook.get_run_status(PROJECT, RUN)

    assert token not in everything_said_about(caught.value)


def test_requests_exception_of_a_real_refused_connection_hides_token(
    set_connection: Callable[..., None],
) -> None:
    """Nothing listens on port 9 of the loopback: a real refused connect, through requests."""
    token = "hxtp_" + "5" * 96
    set_connection("http://127.0.0.1:9", token, max_retries=0, rate_budget=False)

    with pytest.raises(HexError) as caught:
        HexHook().get_run_status(PROJECT, RUN)

    assert "could not connect" in str(caught.value)
    assert token not in everything_said_about(caught.value)


def test_log_records_over_retries_hide_token(
    hook: HexHook, token: str, requests_mock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    requests_mock.get(
        STATUS_URL,
        [
            {"status_code": 503, "json": {"message": token}},
            {"exc": CONNECTION_FAILURES["reset"]()},
            {"status_code": 429, "headers": {"Retry-After": "0"}},
            {"json": PROJECT_RUN},
        ],
    )
    caplog.set_level(logging.DEBUG)

    hook.get_run_status(PROJECT, RUN)

    retries = [r for r in caplog.records if r.name == "airflow_provider_hex.transport"]
    assert len(retries) == 3
    for record in caplog.records:
        assert token not in record.getMessage()
        assert token not in repr(record.args)
        assert token not in repr(record.__dict__)


def test_test_connection_failure_message_hides_token(
    hook: HexHook, token: str, requests_mock: Any
) -> None:
    requests_mock.get(f"{API}/users/me", status_code=401, text=f"no {token}")

    ok, message = hook.test_connection()

    assert not ok
    assert token not in message
