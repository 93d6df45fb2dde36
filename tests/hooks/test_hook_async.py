"""The async path (httpx) follows the same retry rule and error mapping as the sync one."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hook_support import API, PROJECT, PROJECT_RUN, RUN, RUN_URL, Sleeps

from airflow_provider_hex.exceptions import (
    HexConnectionError,
    HexError,
    HexInvalidInputError,
    HexNotFoundError,
    HexResponseError,
)
from airflow_provider_hex.hooks.api_runs import cancel_run_request, run_project_request
from airflow_provider_hex.hooks.settings import HexSettings
from airflow_provider_hex.hooks.transport import HexRequest, Transport

TOKEN = "hxtp_" + "a" * 96
STATUS_PATH = f"/projects/{PROJECT}/runs/{RUN}"


def raiser(exc_type: type[httpx.TransportError], text: str) -> Callable[[httpx.Request], Any]:
    def fail(request: httpx.Request) -> httpx.Response:
        raise exc_type(text, request=request)

    return fail


def status(code: int, **headers: str) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(
        code, json={"code": "X", "message": "no"}, headers=headers
    )


#: failure -> (handler, may Hex have processed it)
FAILURES: dict[str, tuple[Callable[[httpx.Request], Any], bool]] = {
    "connection-refused": (raiser(httpx.ConnectError, "[Errno 111] Connection refused"), False),
    "connect-timeout": (raiser(httpx.ConnectTimeout, "timed out"), False),
    "read-timeout": (raiser(httpx.ReadTimeout, "timed out"), True),
    "reset": (raiser(httpx.ReadError, "[Errno 104] Connection reset by peer"), True),
    "server-disconnected": (raiser(httpx.RemoteProtocolError, "Server disconnected"), True),
    "429": (status(429, **{"Retry-After": "2"}), False),
    "500": (status(500), True),
    "502": (status(502), True),
    "503": (status(503), False),
    "504": (status(504), True),
}


class Script:
    """An httpx handler that plays the given answers in order and records requests."""

    def __init__(self, *answers: Callable[[httpx.Request], Any]) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return answer(request)  # type: ignore[no-any-return]


def send(script: Script, request: HexRequest, sleeps: Sleeps, max_retries: int = 3) -> Any:
    settings = HexSettings(
        base_url="https://app.hex.tech", token=TOKEN, max_retries=max_retries, rate_budget=False
    )
    transport = Transport(settings, sleep=sleeps, asleep=sleeps.asleep)

    async def go() -> Any:
        async with httpx.AsyncClient(transport=httpx.MockTransport(script)) as client:
            return await transport.asend(client, request)

    return asyncio.run(go())


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json=PROJECT_RUN)


@pytest.mark.parametrize("failure", list(FAILURES), ids=list(FAILURES))
def test_async_read_is_retried_after_transient_failure(failure: str) -> None:
    sleeps = Sleeps()
    script = Script(FAILURES[failure][0], ok)

    assert send(script, HexRequest("GET", STATUS_PATH), sleeps) == PROJECT_RUN
    assert len(script.requests) == 2
    assert len(sleeps) == 1


@pytest.mark.parametrize("failure", list(FAILURES), ids=list(FAILURES))
def test_async_run_start_is_only_repeated_when_nothing_started(failure: str) -> None:
    sleeps = Sleeps()
    handler, maybe_processed = FAILURES[failure]
    script = Script(handler)

    with pytest.raises(HexError) as caught:
        send(script, run_project_request(PROJECT), sleeps)

    assert len(script.requests) == (1 if maybe_processed else 4)
    if isinstance(caught.value, HexConnectionError):
        assert caught.value.may_have_reached_hex is maybe_processed


def test_async_request_carries_token_query_and_body() -> None:
    script = Script(lambda request: httpx.Response(201, json={"runId": RUN}))

    send(script, run_project_request(PROJECT, {"region": "EU"}, dry_run=True), Sleeps())

    (sent,) = script.requests
    assert sent.method == "POST"
    assert str(sent.url) == f"{API}/projects/{PROJECT}/runs"
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.content == b'{"inputParams": {"region": "EU"}, "dryRun": true}'


def test_async_cancel_of_ended_run_names_the_run() -> None:
    body = {"reason": "Run already completed", "traceId": "t-9"}
    script = Script(lambda request: httpx.Response(422, json=body))

    with pytest.raises(HexInvalidInputError) as caught:
        send(script, cancel_run_request(PROJECT, RUN, RUN_URL), Sleeps())

    assert caught.value.run_url == RUN_URL
    assert RUN_URL in str(caught.value)
    assert caught.value.reason == "Run already completed"


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (httpx.Response(404, json={"code": "NOT_FOUND", "message": "Not found"}), HexNotFoundError),
        (httpx.Response(200, text='{"runs": ['), HexResponseError),
        (httpx.Response(200, text="<html>ok</html>"), HexResponseError),
    ],
    ids=["not-found", "truncated-json", "html-200"],
)
def test_async_errors_are_mapped_like_sync(answer: httpx.Response, error: type[HexError]) -> None:
    with pytest.raises(error) as caught:
        send(Script(lambda request: answer), HexRequest("GET", STATUS_PATH), Sleeps())
    assert caught.value.__context__ is None
    assert TOKEN not in str(caught.value)
