"""The retry rule: what is sent again, how often, after which waits, and what never is."""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests
from hook_support import API, CELL, PROJECT, PROJECT_RUN, RUN, RUN_STARTED, Sleeps
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from airflow_provider_hex.exceptions import (
    HexConnectionError,
    HexError,
    HexKernelLimitError,
    HexRateLimitError,
    HexServerError,
)
from airflow_provider_hex.hooks.hex import HexHook
from airflow_provider_hex.hooks.retry import parse_retry_after
from airflow_provider_hex.hooks.settings import HexSettings
from airflow_provider_hex.hooks.transport import HexRequest, Transport

STATUS_PATH = f"/projects/{PROJECT}/runs/{RUN}"
STATUS_URL = API + STATUS_PATH


def refused() -> requests.exceptions.ConnectionError:
    """What requests raises when nothing listens on the port."""
    cause = NewConnectionError(None, "Failed to establish a new connection: Connection refused")  # type: ignore[arg-type]
    return requests.exceptions.ConnectionError(MaxRetryError(None, "/api", cause))  # type: ignore[arg-type]


def reset() -> requests.exceptions.ConnectionError:
    """What requests raises when the peer resets the connection before answering."""
    return requests.exceptions.ConnectionError(
        ProtocolError("Connection aborted.", ConnectionResetError(104, "Connection reset by peer"))
    )


def http_date(seconds_from_now: float) -> str:
    return email.utils.formatdate(time.time() + seconds_from_now, usegmt=True)


def error(status: int, **headers: str) -> dict[str, Any]:
    return {"status_code": status, "json": {"code": "X", "message": "no"}, "headers": headers}


#: failure -> (requests-mock answer, did Hex possibly process it, log reason)
FAILURES: dict[str, tuple[Callable[[], dict[str, Any]], bool, str]] = {
    "connection-refused": (lambda: {"exc": refused()}, False, "could not connect"),
    "connect-timeout": (
        lambda: {"exc": requests.exceptions.ConnectTimeout("connect timed out")},
        False,
        "timed out connecting",
    ),
    "read-timeout": (
        lambda: {"exc": requests.exceptions.ReadTimeout("read timed out")},
        True,
        "timed out waiting for an answer",
    ),
    "reset": (lambda: {"exc": reset()}, True, "connection lost before an answer"),
    "429": (lambda: error(429), False, "HTTP 429"),
    "500": (lambda: error(500), True, "HTTP 500"),
    "502": (lambda: error(502), True, "HTTP 502"),
    "503": (lambda: error(503), False, "HTTP 503"),
    "504": (lambda: error(504), True, "HTTP 504"),
}


def transport(sleeps: Sleeps, **settings: Any) -> Transport:
    values: dict[str, Any] = {
        "max_retries": 3,
        "retry_backoff": 1.0,
        "max_retry_wait": 30.0,
        "rate_budget": False,
        **settings,
    }
    return Transport(
        HexSettings(base_url="https://app.hex.tech", token="hxtp_secret", **values),
        sleep=sleeps,
        asleep=sleeps.asleep,
    )


@pytest.mark.parametrize("failure", list(FAILURES), ids=list(FAILURES))
def test_read_is_retried_after_each_transient_failure(
    requests_mock: Any, failure: str, caplog: pytest.LogCaptureFixture
) -> None:
    sleeps = Sleeps()
    answer, _maybe, reason = FAILURES[failure]
    requests_mock.get(STATUS_URL, [answer(), {"json": PROJECT_RUN}])
    caplog.set_level(logging.WARNING, logger="airflow_provider_hex.transport")

    result = transport(sleeps).send(requests.Session(), HexRequest("GET", STATUS_PATH))

    assert result == PROJECT_RUN
    assert requests_mock.call_count == 2
    assert len(sleeps) == 1
    assert 0.5 <= sleeps[0] <= 1.0  # retry_backoff x 2**0, jittered to 50-100 %
    (record,) = [r for r in caplog.records if "retry" in r.getMessage()]
    message = record.getMessage()
    assert reason in message
    assert "retry 1 of 3" in message
    assert f"in {sleeps[0]:.2f}s" in message


@pytest.mark.parametrize("failure", list(FAILURES), ids=list(FAILURES))
def test_read_gives_up_after_max_retries_with_growing_waits(
    requests_mock: Any, failure: str
) -> None:
    sleeps = Sleeps()
    answer, maybe_processed, _reason = FAILURES[failure]
    requests_mock.get(STATUS_URL, [answer() for _ in range(10)])

    with pytest.raises(HexError) as caught:
        transport(sleeps, max_retries=4).send(requests.Session(), HexRequest("GET", STATUS_PATH))

    assert requests_mock.call_count == 5  # the first send and max_retries=4 repeats
    assert len(sleeps) == 4
    for attempt_no, wait in enumerate(sleeps):
        assert 0.5 * 2**attempt_no <= wait <= 2**attempt_no
    if isinstance(caught.value, HexConnectionError):
        assert caught.value.attempts == 5
        assert caught.value.may_have_reached_hex is maybe_processed


def test_backoff_never_waits_longer_than_max_retry_wait(requests_mock: Any) -> None:
    sleeps = Sleeps()
    requests_mock.get(STATUS_URL, [error(502) for _ in range(7)])

    with pytest.raises(HexServerError):
        transport(sleeps, max_retries=6, max_retry_wait=5.0).send(
            requests.Session(), HexRequest("GET", STATUS_PATH)
        )

    assert sleeps[-1] <= 5.0
    assert max(sleeps) <= 5.0


@pytest.mark.parametrize(
    ("retry_after", "low", "high"),
    [("7", 7.0, 7.1), ("date:10", 8.0, 10.1), ("0", 0.0, 0.1)],
    ids=["seconds", "http-date", "zero"],
)
@pytest.mark.parametrize("status", [429, 503], ids=["429", "503"])
def test_retry_after_is_honoured(
    requests_mock: Any, retry_after: str, low: float, high: float, status: int
) -> None:
    if retry_after.startswith("date:"):  # an HTTP date must be made when the test runs
        retry_after = http_date(int(retry_after.removeprefix("date:")))
    sleeps = Sleeps()
    requests_mock.get(STATUS_URL, [error(status, **{"Retry-After": retry_after}), {"json": {}}])

    transport(sleeps).send(requests.Session(), HexRequest("GET", STATUS_PATH))

    assert len(sleeps) == 1
    assert low <= sleeps[0] <= high


@pytest.mark.parametrize("retry_after", ["31", "date:300"], ids=["seconds", "http-date"])
def test_retry_after_beyond_max_retry_wait_is_raised_not_waited(
    requests_mock: Any, retry_after: str, caplog: pytest.LogCaptureFixture
) -> None:
    if retry_after.startswith("date:"):
        retry_after = http_date(int(retry_after.removeprefix("date:")))
    sleeps = Sleeps()
    requests_mock.get(STATUS_URL, [error(429, **{"Retry-After": retry_after}), {"json": {}}])
    caplog.set_level(logging.WARNING, logger="airflow_provider_hex.transport")

    with pytest.raises(HexRateLimitError) as caught:
        transport(sleeps, max_retry_wait=30.0).send(
            requests.Session(), HexRequest("GET", STATUS_PATH)
        )

    assert sleeps == []
    assert requests_mock.call_count == 1
    assert caught.value.retry_after is not None
    assert caught.value.retry_after > 30
    assert "retry after" in str(caught.value)
    assert any("longer than max_retry_wait" in r.getMessage() for r in caplog.records)


def test_zero_max_retries_sends_once(requests_mock: Any) -> None:
    sleeps = Sleeps()
    requests_mock.get(STATUS_URL, [error(503), {"json": {}}])

    with pytest.raises(HexKernelLimitError):
        transport(sleeps, max_retries=0).send(requests.Session(), HexRequest("GET", STATUS_PATH))

    assert requests_mock.call_count == 1
    assert sleeps == []


@pytest.mark.parametrize(
    ("failure", "answer"),
    [
        ("400", error(400)),
        ("401", error(401)),
        ("403", error(403)),
        ("404", error(404)),
        ("422", error(422)),
        ("501", error(501)),
        ("invalid-url", {"exc": requests.exceptions.InvalidURL("bad")}),
        ("tls-error", {"exc": requests.exceptions.SSLError("certificate verify failed")}),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_answers_and_permanent_errors_are_not_retried(
    requests_mock: Any, failure: str, answer: dict[str, Any]
) -> None:
    sleeps = Sleeps()
    requests_mock.get(STATUS_URL, [answer, {"json": {}}])

    with pytest.raises(HexError):
        transport(sleeps).send(requests.Session(), HexRequest("GET", STATUS_PATH))

    assert requests_mock.call_count == 1
    assert sleeps == []


#: failure -> how many POSTs a non-idempotent call sends when that failure repeats forever
NON_IDEMPOTENT_SENDS = {
    "connection-refused": 4,
    "connect-timeout": 4,
    "429": 4,
    "503": 4,
    "read-timeout": 1,
    "reset": 1,
    "500": 1,
    "502": 1,
    "504": 1,
}

CREATES: dict[str, tuple[str, str, Callable[[HexHook], Any], Any]] = {
    "run_project": (
        "POST",
        f"/projects/{PROJECT}/runs",
        lambda h: h.run_project(PROJECT, {"region": "EU"}),
        RUN_STARTED,
    ),
    "create_cell": (
        "POST",
        "/cells",
        lambda h: h.create_cell(PROJECT, "CODE", "x = 1"),
        {"id": CELL},
    ),
    "create_group": ("POST", "/groups", lambda h: h.create_group("Analysts"), {"id": CELL}),
    "create_collection": (
        "POST",
        "/collections",
        lambda h: h.create_collection("Sales"),
        {"id": CELL},
    ),
}


@pytest.fixture
def three_retries(set_connection: Callable[..., None]) -> None:
    set_connection("https://app.hex.tech", "hxtp_" + "7" * 96, max_retries=3, rate_budget=False)


@pytest.mark.usefixtures("three_retries")
@pytest.mark.parametrize("operation", list(CREATES), ids=list(CREATES))
@pytest.mark.parametrize("failure", list(NON_IDEMPOTENT_SENDS), ids=list(NON_IDEMPOTENT_SENDS))
def test_creating_post_is_never_repeated_after_ambiguous_failure(
    requests_mock: Any, operation: str, failure: str
) -> None:
    sleeps = Sleeps()
    hook = HexHook()
    hook.transport = Transport(hook.settings, sleep=sleeps)
    method, path, call, _ok = CREATES[operation]
    answer, maybe_processed, _reason = FAILURES[failure]
    requests_mock.register_uri(method, API + path, [answer() for _ in range(10)])

    with pytest.raises(HexError) as caught:
        call(hook)

    assert requests_mock.call_count == NON_IDEMPOTENT_SENDS[failure]
    assert len(sleeps) == NON_IDEMPOTENT_SENDS[failure] - 1
    if isinstance(caught.value, HexConnectionError):
        assert caught.value.may_have_reached_hex is maybe_processed
        if maybe_processed:
            assert "was not sent again" in str(caught.value)
            assert "may have" in str(caught.value)


@pytest.mark.usefixtures("three_retries")
@pytest.mark.parametrize("operation", list(CREATES), ids=list(CREATES))
@pytest.mark.parametrize(
    "failure", ["429", "503", "connection-refused"], ids=["429", "503", "connection-refused"]
)
def test_creating_post_is_repeated_when_hex_did_not_process_it(
    requests_mock: Any, operation: str, failure: str
) -> None:
    sleeps = Sleeps()
    hook = HexHook()
    hook.transport = Transport(hook.settings, sleep=sleeps)
    method, path, call, ok = CREATES[operation]
    answer = FAILURES[failure][0]
    requests_mock.register_uri(method, API + path, [answer(), {"status_code": 201, "json": ok}])

    assert call(hook) == ok
    assert requests_mock.call_count == 2


def test_lost_run_start_says_a_run_may_have_started(hook: HexHook, requests_mock: Any) -> None:
    requests_mock.post(API + f"/projects/{PROJECT}/runs", exc=reset())

    with pytest.raises(HexConnectionError) as caught:
        hook.run_project(PROJECT)

    assert requests_mock.call_count == 1
    assert "a run may have started" in str(caught.value)
    assert "get_project_runs" in str(caught.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12.0),
        ("1.5", 1.5),
        ("-3", 0.0),
        ("", None),
        (None, None),
        ("soon", None),
        ("nan", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
    ],
    ids=["seconds", "fraction", "negative", "empty", "missing", "garbage", "nan", "past-date"],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_parse_retry_after_reads_http_date_relative_to_now() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now=1445412480.0) == 30.0
