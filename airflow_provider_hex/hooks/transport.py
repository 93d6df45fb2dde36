"""Sending requests to Hex: auth, timeouts, pacing, retries and error mapping, in one place.

The rule for retries, written once here:

* A request that **did not reach Hex** is always safe to send again: the connection was
  refused or timed out while connecting, or Hex answered 429 (rate limited, not processed).
* A request that **may have reached Hex** (no answer, a read timeout, a reset, 500/502/504)
  is repeated only when repeating it cannot change the outcome (``idempotent``): reads,
  cancels, deletes, sharing upserts.
* A 503 is repeated for every request: Hex answers 503 when no kernel is free, and then no
  run is created.
* The POST that starts a run is **never** repeated after an ambiguous failure: Hex has no
  idempotency key, so a repeat could start a second run. The same holds for other
  creating POSTs (cells, groups, collections).

Waits grow exponentially from ``retry_backoff`` with jitter, or follow ``Retry-After``
(seconds or an HTTP date) up to ``max_retry_wait``. Every retry is logged with its reason
and wait. The token is sent in a header and appears in no log line or exception.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import random
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from airflow_provider_hex.exceptions import (
    HexAPIError,
    HexConnectionError,
    HexError,
    HexResponseError,
    error_from_response,
)
from airflow_provider_hex.hooks.budget import RateBudget, get_budget

if TYPE_CHECKING:
    import httpx
    import requests

    from airflow_provider_hex.hooks.settings import HexSettings

log = logging.getLogger("airflow_provider_hex.transport")

USER_AGENT = "airflow-provider-hex"
#: Rate-limit groups of the Hex API that have their own limit besides the global one.
STATUS_GROUP = "hex-api"
CONTENT_GROUP = "hex-api-30rpm"
RUN_START_GROUP = "hex-run-kernel"


@dataclass(frozen=True)
class HexRequest:
    """One Hex API call: what to send and whether it may be sent again."""

    method: str
    path: str
    params: dict[str, Any] | None = None
    body: Any = None
    idempotent: bool = True
    rate_group: str | None = None
    run_url: str | None = field(default=None, compare=False)

    def query(self) -> list[tuple[str, str | int | float | bool | None]]:
        """Query parameters with ``None`` dropped, lists repeated, booleans as true/false."""
        out: list[tuple[str, str | int | float | bool | None]] = []
        for key, value in (self.params or {}).items():
            for item in value if isinstance(value, list | tuple) else [value]:
                if item is None:
                    continue
                out.append((key, str(item).lower() if isinstance(item, bool) else str(item)))
        return out


@dataclass(frozen=True)
class Attempt:
    """What one attempt ended with: an HTTP status, or a failure before any answer."""

    status: int | None = None
    reached_server: bool = True
    retry_after: float | None = None
    reason: str = ""


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


class Transport:
    """Sends :class:`HexRequest` s for one Hex connection, sync or async.

    Holds no state between calls besides the shared budget; the HTTP session or client
    belongs to the caller (the hook) so that connections are reused.
    """

    def __init__(self, settings: HexSettings, *, sleep: Any = time.sleep) -> None:
        self.settings = settings
        self._sleep = sleep
        self.budget: RateBudget | None = None
        if settings.rate_budget:
            self.budget = get_budget(
                settings.budget_key,
                requests_per_minute=settings.requests_per_minute,
                group_limits={
                    STATUS_GROUP: settings.status_reads_per_minute,
                    CONTENT_GROUP: 30.0,
                    RUN_START_GROUP: settings.run_starts_per_minute,
                },
            )

    def __repr__(self) -> str:
        return f"Transport({self.settings.base_url!r})"

    # -- shared by both paths -------------------------------------------------------------

    def url(self, request: HexRequest) -> str:
        """The full URL of ``request`` (without its query)."""
        return self.settings.api_url + request.path

    def headers(self, request: HexRequest) -> dict[str, str]:
        """Headers of every request, the token's included."""
        headers = {
            "Authorization": f"Bearer {self.settings.token}",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        if request.body is not None:
            headers["Content-Type"] = "application/json"
        return headers

    def content(self, request: HexRequest) -> bytes | None:
        """The request body encoded as JSON."""
        return None if request.body is None else json.dumps(request.body).encode()

    def timeouts(self) -> tuple[float, float]:
        """(connect, read) timeouts in seconds."""
        return self.settings.connect_timeout, self.settings.request_timeout

    def budget_wait(self, request: HexRequest) -> float:
        """Reserve a slot in the shared budget; return the seconds to wait for it."""
        if self.budget is None:
            return 0.0
        wait = self.budget.reserve(request.rate_group)
        if wait > 1.0:
            log.info(
                "Waiting %.1fs for the Hex request budget before %s %s",
                wait,
                request.method,
                request.path,
            )
        return wait

    def retry_wait(self, request: HexRequest, attempt_no: int, attempt: Attempt) -> float | None:
        """Seconds to wait before repeating ``request`` after ``attempt``, or None to stop."""
        if attempt_no >= self.settings.max_retries:
            return None
        status = attempt.status
        if status == 429 and self.budget is not None:
            self.budget.penalize(attempt.retry_after)
        not_landed = not attempt.reached_server or status in (429, 503)
        maybe_landed = status in (500, 502, 504) or (status is None and attempt.reached_server)
        if not (not_landed or (maybe_landed and request.idempotent)):
            return None
        if attempt.retry_after is not None:
            if attempt.retry_after > self.settings.max_retry_wait:
                return None
            return attempt.retry_after + random.uniform(0, 0.1)
        backoff: float = self.settings.retry_backoff * (2.0**attempt_no)
        return min(self.settings.max_retry_wait, backoff) * random.uniform(0.5, 1.0)

    def _log_retry(
        self, request: HexRequest, attempt_no: int, attempt: Attempt, wait: float
    ) -> None:
        log.warning(
            "Hex %s %s: %s; retry %d of %d in %.1fs",
            request.method,
            request.path,
            attempt.reason,
            attempt_no + 1,
            self.settings.max_retries,
            wait,
        )

    def result(self, request: HexRequest, status: int, text: str, headers: Any) -> Any:
        """Parse a final answer: JSON on success, the mapped exception otherwise."""
        if 200 <= status < 300:
            if status == 204 or not text.strip():
                return None
            try:
                return json.loads(text)
            except ValueError:
                raise HexResponseError(
                    f"Hex {request.method} {request.path} answered HTTP {status} with a body "
                    f"that is not JSON: {text.strip()[:200]!r}",
                    status=status,
                    method=request.method,
                    path=request.path,
                    body=text,
                ) from None
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
            error.run_url = request.run_url
            error.args = (error.describe(),)
        raise error

    def _answer(self, status: int, headers: Any) -> Attempt:
        return Attempt(
            status=status,
            retry_after=parse_retry_after(headers.get("Retry-After")),
            reason=f"HTTP {status}",
        )

    # -- sync ------------------------------------------------------------------------------

    def send(self, session: requests.Session, request: HexRequest) -> Any:
        """Send ``request`` through a ``requests`` session; return the parsed JSON answer."""
        import requests

        attempt_no = 0
        while True:
            self._sleep(self.budget_wait(request))
            try:
                response = session.request(
                    request.method,
                    self.url(request),
                    params=request.query(),
                    data=self.content(request),
                    headers=self.headers(request),
                    timeout=self.timeouts(),
                    allow_redirects=False,
                )
            except requests.exceptions.RequestException as err:
                attempt = _sync_failure(err)
                wait = self.retry_wait(request, attempt_no, attempt)
                if wait is None:
                    raise _connection_error(request, attempt, attempt_no) from err
            else:
                attempt = self._answer(response.status_code, response.headers)
                wait = (
                    None
                    if response.status_code < 400
                    else self.retry_wait(request, attempt_no, attempt)
                )
                if wait is None:
                    return self.result(
                        request, response.status_code, response.text, response.headers
                    )
            self._log_retry(request, attempt_no, attempt, wait)
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
            await asyncio.sleep(self.budget_wait(request))
            try:
                response = await client.request(
                    request.method,
                    self.url(request),
                    params=request.query(),
                    content=self.content(request),
                    headers=self.headers(request),
                    timeout=timeout,
                )
            except httpx.HTTPError as err:
                attempt = _async_failure(err)
                wait = self.retry_wait(request, attempt_no, attempt)
                if wait is None:
                    raise _connection_error(request, attempt, attempt_no) from err
            else:
                attempt = self._answer(response.status_code, response.headers)
                wait = (
                    None
                    if response.status_code < 400
                    else self.retry_wait(request, attempt_no, attempt)
                )
                if wait is None:
                    return self.result(
                        request, response.status_code, response.text, response.headers
                    )
            self._log_retry(request, attempt_no, attempt, wait)
            await asyncio.sleep(wait)
            attempt_no += 1


def _connection_error(request: HexRequest, attempt: Attempt, attempt_no: int) -> HexError:
    landed = (
        ""
        if not attempt.reached_server
        else (
            " The request may have reached Hex"
            + (
                "; it was not repeated because it is not safe to repeat"
                + (
                    f" (check the project's runs before starting another: {request.run_url})"
                    if request.run_url
                    else ""
                )
                if not request.idempotent
                else ""
            )
            + "."
        )
    )
    return HexConnectionError(
        f"Hex {request.method} {request.path} failed after {attempt_no + 1} attempt(s): "
        f"{attempt.reason}.{landed}"
    )


def _sync_failure(err: Exception) -> Attempt:
    import requests

    if isinstance(err, requests.exceptions.ConnectTimeout):
        return Attempt(reached_server=False, reason="timed out connecting")
    if isinstance(err, requests.exceptions.ConnectionError):
        text = repr(err)
        refused = "NewConnectionError" in text or "Connection refused" in text
        if refused or "NameResolutionError" in text:
            return Attempt(reached_server=False, reason="could not connect")
        return Attempt(reason="connection lost before an answer")
    if isinstance(err, requests.exceptions.Timeout):
        return Attempt(reason="timed out waiting for an answer")
    return Attempt(reason=type(err).__name__)


def _async_failure(err: Exception) -> Attempt:
    import httpx

    if isinstance(err, httpx.ConnectTimeout | httpx.PoolTimeout):
        return Attempt(reached_server=False, reason="timed out connecting")
    if isinstance(err, httpx.ConnectError):
        return Attempt(reached_server=False, reason="could not connect")
    if isinstance(err, httpx.TimeoutException):
        return Attempt(reason="timed out waiting for an answer")
    return Attempt(reason=f"connection lost before an answer ({type(err).__name__})")
