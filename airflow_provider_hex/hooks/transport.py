"""Sending requests to Hex: auth, timeouts, pacing, retries and error mapping, in one place.

Every Hex call is a :class:`HexRequest` sent by :meth:`Transport.send` (``requests``) or
:meth:`Transport.asend` (``httpx``). Both wait for the shared rate budget, retry by the rule
written in :mod:`~airflow_provider_hex.hooks.retry` (a run-starting POST is never repeated
after an ambiguous failure), log each retry with its reason and wait, and turn every answer
into parsed JSON or a typed exception. The token is added by an auth callable whose repr
hides it; it appears in no log line or exception, and is cut out of any response text quoted
in an error.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from airflow_provider_hex import __version__
from airflow_provider_hex.exceptions import (
    HexAPIError,
    HexConnectionError,
    HexResponseError,
    describe_body,
    error_from_response,
)
from airflow_provider_hex.hooks.budget import RequestBudget, get_budget
from airflow_provider_hex.hooks.retry import (
    Attempt,
    httpx_failure,
    parse_retry_after,
    requests_failure,
    retry_delay,
)
from airflow_provider_hex.operations import (
    CHART_IMAGE_GROUP,
    CONTENT_GROUP,
    RUN_START_GROUP,
    SEMANTIC_INGEST_GROUP,
    STATUS_GROUP,
    may_repeat,
)

if TYPE_CHECKING:
    import httpx
    import requests

    from airflow_provider_hex.hooks.settings import HexSettings

log = logging.getLogger("airflow_provider_hex.transport")

USER_AGENT = f"airflow-provider-hex/{__version__}"
#: Fixed per-minute limits of groups Hex documents (the others come from the settings).
FIXED_GROUP_LIMITS = {CONTENT_GROUP: 30.0, CHART_IMAGE_GROUP: 20.0, SEMANTIC_INGEST_GROUP: 3.0}

R = TypeVar("R")


@dataclass(frozen=True)
class FormBody:
    """A request body that is not JSON (a ``multipart/form-data`` upload): bytes and type."""

    data: bytes = field(repr=False)
    content_type: str


@dataclass(frozen=True)
class HexRequest:
    """One Hex API call: what to send and whether it may be sent again.

    :ivar expect_object: the success answer must be a JSON object (False for calls that
        answer 204 or nothing useful).
    :ivar idempotent: whether the call is safe to send again after an ambiguous failure;
        None (the default) reads it from the endpoint table,
        :func:`~airflow_provider_hex.operations.may_repeat` (a POST is sent once unless its
        row says otherwise). :attr:`may_repeat` is the answer.
    :ivar if_lost: what an unanswered non-idempotent call may have done, for its error.
    :ivar headers: extra headers the operation takes (never the token).
    :ivar form: a non-JSON body to send instead of ``body`` (a file upload).
    :ivar secrets: values the request carries that must not appear in any error (passwords
        of a data connection...); cut out of Hex's answers like the token.
    """

    method: str
    path: str
    params: dict[str, Any] | None = None
    body: Any = None
    idempotent: bool | None = None
    rate_group: str | None = None
    run_url: str | None = field(default=None, compare=False)
    expect_object: bool = True
    if_lost: str = "it may have taken effect; check before sending it again"
    headers: tuple[tuple[str, str], ...] = ()
    form: FormBody | None = field(default=None, compare=False)
    secrets: tuple[str, ...] = field(default=(), compare=False, repr=False)

    @property
    def may_repeat(self) -> bool:
        """Whether this call may be sent again after an ambiguous failure."""
        if self.idempotent is not None:
            return self.idempotent
        return may_repeat(self.method, self.path)

    def query(self) -> list[tuple[str, str | int | float | bool | None]]:
        """Query parameters with ``None`` dropped, lists repeated, booleans as true/false."""
        out: list[tuple[str, str | int | float | bool | None]] = []
        for key, value in (self.params or {}).items():
            for item in value if isinstance(value, list | tuple) else [value]:
                if item is None:
                    continue
                out.append((key, str(item).lower() if isinstance(item, bool) else str(item)))
        return out


class BearerAuth:
    """Put the token on a request (``requests`` or ``httpx``); the repr hides the token."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: R) -> R:
        """Add the ``Authorization`` header to ``request`` and return it."""
        request.headers["Authorization"] = f"Bearer {self._token}"  # type: ignore[attr-defined]
        return request

    def __repr__(self) -> str:
        return "BearerAuth(<token hidden>)"


class Transport:
    """Sends :class:`HexRequest` s for one Hex connection, sync or async.

    Holds no state between calls besides the shared budget; the HTTP session or client
    belongs to the caller (the hook) so that connections are reused. ``sleep`` and
    ``asleep`` are the waits used between attempts (replace them to test retries).
    """

    def __init__(
        self,
        settings: HexSettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        asleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        self._asleep = asleep
        self.auth = BearerAuth(settings.token)
        self.budget: RequestBudget | None = None
        if settings.rate_budget:
            self.budget = get_budget(
                settings.budget_key,
                requests_per_minute=settings.requests_per_minute,
                share=settings.rate_budget_share,
                store_url=settings.rate_budget_url or None,
                group_limits={
                    STATUS_GROUP: settings.status_reads_per_minute,
                    RUN_START_GROUP: settings.run_starts_per_minute,
                    **FIXED_GROUP_LIMITS,
                },
            )

    def __repr__(self) -> str:
        return f"Transport({self.settings.base_url!r})"

    # -- shared by both paths -------------------------------------------------------------

    def url(self, request: HexRequest) -> str:
        """Return the full URL of ``request`` (without its query)."""
        return self.settings.api_url + request.path

    def headers(self, request: HexRequest) -> dict[str, str]:
        """Return the headers of ``request`` (:attr:`auth` adds the token, not this)."""
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if request.form is not None:
            headers["Content-Type"] = request.form.content_type
        elif request.body is not None:
            headers["Content-Type"] = "application/json"
        headers.update(request.headers)
        return headers

    def content(self, request: HexRequest) -> bytes | None:
        """Encode the request body as JSON (or return the form body as it is)."""
        if request.form is not None:
            return request.form.data
        return None if request.body is None else json.dumps(request.body).encode()

    def timeouts(self) -> tuple[float, float]:
        """Return the (connect, read) timeouts in seconds."""
        return self.settings.connect_timeout, self.settings.request_timeout

    @staticmethod
    def _budget_notice(request: HexRequest) -> Callable[[float], None]:
        def notice(wait: float) -> None:
            if wait > 1.0:
                log.info(
                    "Waiting %.1fs for the Hex request budget before %s %s",
                    wait,
                    request.method,
                    request.path,
                )

        return notice

    def wait_for_budget(self, request: HexRequest) -> None:
        """Sleep until the shared budget lets ``request`` go."""
        if self.budget is not None:
            self.budget.acquire(
                request.rate_group, sleep=self._sleep, notify=self._budget_notice(request)
            )

    async def await_budget(self, request: HexRequest) -> None:
        """Wait, without blocking the loop, until the shared budget lets ``request`` go."""
        if self.budget is not None:
            await self.budget.aacquire(
                request.rate_group, sleep=self._asleep, notify=self._budget_notice(request)
            )

    def retry_wait(self, request: HexRequest, attempt_no: int, attempt: Attempt) -> float | None:
        """Return the seconds to wait before repeating ``request``, or None to stop.

        Follows the rule of :mod:`~airflow_provider_hex.hooks.retry`; a 429 also slows the
        shared budget down.
        """
        if attempt.status == 429 and self.budget is not None:
            self.budget.penalize(attempt.retry_after)
        return retry_delay(
            attempt,
            attempt_no,
            idempotent=request.may_repeat,
            max_retries=self.settings.max_retries,
            retry_backoff=self.settings.retry_backoff,
            max_retry_wait=self.settings.max_retry_wait,
            what=f"{request.method} {request.path}",
        )

    def _next_wait(self, request: HexRequest, attempt_no: int, attempt: Attempt) -> float | None:
        """:meth:`retry_wait` for a failure (None for a success), with the retry logged."""
        if attempt.status is not None and attempt.status < 400:
            return None
        wait = self.retry_wait(request, attempt_no, attempt)
        if wait is not None:
            log.warning(
                "Hex %s %s: %s; retry %d of %d in %.2fs",
                request.method,
                request.path,
                attempt.reason,
                attempt_no + 1,
                self.settings.max_retries,
                wait,
            )
        return wait

    def _redact(self, text: str, secrets: tuple[str, ...] = ()) -> str:
        text = text.replace(self.settings.token, "<token hidden>")
        for secret in secrets:
            text = text.replace(secret, "<secret hidden>")
        return text

    def result(self, request: HexRequest, status: int, text: str, headers: Any) -> Any:
        """Parse a final answer: JSON on success, the mapped exception otherwise."""
        text = self._redact(text, request.secrets)
        if 200 <= status < 300:
            return self._success(request, status, text, headers.get("Content-Type", ""))
        if 300 <= status < 400:
            raise HexResponseError(
                f"Hex {request.method} {request.path} answered HTTP {status}, a redirect to "
                f"{self._redact(headers.get('Location') or '(nowhere)')!r}; check the Hex "
                f"connection's host (now {self.settings.base_url})",
                status=status,
                method=request.method,
                path=request.path,
                body=text,
            )
        error = error_from_response(
            status=status,
            text=text,
            method=request.method,
            path=request.path,
            retry_after=parse_retry_after(headers.get("Retry-After")),
            trace_id_header=headers.get("x-trace-id"),
            content_type=headers.get("Content-Type", ""),
        )
        if request.run_url and isinstance(error, HexAPIError) and error.run_url is None:
            error.with_run_url(request.run_url)
        raise error

    def _success(self, request: HexRequest, status: int, text: str, content_type: str) -> Any:
        shape = ""
        answer: Any = None
        if text.strip():
            try:
                answer = json.loads(text)
            except ValueError:
                shape = describe_body(text, content_type)
            else:
                if request.expect_object and not isinstance(answer, dict):
                    shape = f"JSON that is not an object: {text.strip()[:200]!r}"
        elif request.expect_object:
            shape = describe_body(text, content_type)
        if shape:
            raise HexResponseError(
                f"Hex {request.method} {request.path} answered HTTP {status} with {shape}",
                status=status,
                method=request.method,
                path=request.path,
                body=text,
            )
        return answer

    def _answer(self, status: int, headers: Any) -> Attempt:
        return Attempt(
            status=status,
            retry_after=parse_retry_after(headers.get("Retry-After")),
            reason=f"HTTP {status}",
        )

    def connection_error(
        self, request: HexRequest, attempt: Attempt, attempts: int
    ) -> HexConnectionError:
        """Build the error for a request that got no answer, saying what Hex may have done."""
        if not attempt.reached_server:
            landed = " Hex did not receive it."
        elif request.may_repeat:
            landed = " Hex may have received it."
        else:
            landed = f" Hex may have received it, so it was not sent again: {request.if_lost}."
        if request.run_url:
            landed += f" Run: {request.run_url}"
        return HexConnectionError(
            f"Hex {request.method} {request.path} failed after {attempts} attempt(s): "
            f"{attempt.reason}.{landed}",
            method=request.method,
            path=request.path,
            may_have_reached_hex=attempt.reached_server,
            attempts=attempts,
        )

    # -- sync ------------------------------------------------------------------------------

    def send(self, session: requests.Session, request: HexRequest) -> Any:
        """Send ``request`` through a ``requests`` session; return the parsed JSON answer."""
        import requests

        attempt_no = 0
        while True:
            self.wait_for_budget(request)
            try:
                response = session.request(
                    request.method,
                    self.url(request),
                    params=request.query(),
                    data=self.content(request),
                    headers=self.headers(request),
                    auth=self.auth,
                    timeout=self.timeouts(),
                    allow_redirects=False,
                )
            except requests.exceptions.RequestException as err:
                attempt = requests_failure(err)
                if (wait := self._next_wait(request, attempt_no, attempt)) is None:
                    raise self.connection_error(request, attempt, attempt_no + 1) from err
            else:
                attempt = self._answer(response.status_code, response.headers)
                if (wait := self._next_wait(request, attempt_no, attempt)) is None:
                    return self.result(
                        request, response.status_code, response.text, response.headers
                    )
                response.close()
            self._sleep(wait)
            attempt_no += 1

    # -- async -----------------------------------------------------------------------------

    async def asend(self, client: httpx.AsyncClient, request: HexRequest) -> Any:
        """Send ``request`` through an ``httpx.AsyncClient``; return the parsed JSON answer."""
        import httpx

        connect, read = self.timeouts()
        timeout = httpx.Timeout(read, connect=connect)
        attempt_no = 0
        while True:
            await self.await_budget(request)
            try:
                response = await client.request(
                    request.method,
                    self.url(request),
                    params=request.query(),
                    content=self.content(request),
                    headers=self.headers(request),
                    auth=self.auth,
                    timeout=timeout,
                    follow_redirects=False,
                )
            except httpx.HTTPError as err:
                attempt = httpx_failure(err)
                if (wait := self._next_wait(request, attempt_no, attempt)) is None:
                    raise self.connection_error(request, attempt, attempt_no + 1) from err
            else:
                attempt = self._answer(response.status_code, response.headers)
                if (wait := self._next_wait(request, attempt_no, attempt)) is None:
                    return self.result(
                        request, response.status_code, response.text, response.headers
                    )
            await self._asleep(wait)
            attempt_no += 1
