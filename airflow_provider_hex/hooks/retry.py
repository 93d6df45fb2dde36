"""When a failed Hex request is sent again, and after how long.

The rule, written once here:

* A request that **did not reach Hex** is always safe to send again: the connection was
  refused or timed out while connecting, or Hex answered 429 (rate limited, not processed).
* A request that **may have reached Hex** (no answer, a read timeout, a reset, 500/502/504)
  is repeated only when repeating it cannot change the outcome (``idempotent``): reads,
  cancels, deletes, sharing upserts. Which calls those are is the "repeat" column of the
  endpoint table, :mod:`airflow_provider_hex.operations`: every method but POST, and the
  POSTs whose row says so.
* A 503 is repeated for every request: Hex answers 503 when no kernel is free, and then no
  run is created.
* The POST that starts a run is **never** repeated after an ambiguous failure: Hex has no
  idempotency key, so a repeat could start a second run. The same holds for other
  creating POSTs (cells, groups, collections).
* Nothing else is repeated: other statuses are answers, and errors such as a bad URL or a
  TLS failure do not heal by waiting.

Waits grow exponentially from ``retry_backoff`` (x1, x2, x4…, never above
``max_retry_wait``) with jitter (each wait is 50-100 % of that), or follow ``Retry-After``
(seconds or an HTTP date, plus up to 0.1 s). A ``Retry-After`` longer than
``max_retry_wait`` is not waited: the error is raised with its ``retry_after``. At most
``max_retries`` repeats follow the first send.
"""

from __future__ import annotations

import email.utils
import logging
import math
import random
import time
from dataclasses import dataclass
from datetime import UTC
from typing import Any

log = logging.getLogger("airflow_provider_hex.transport")

#: Statuses after which Hex did not process the request.
NOT_PROCESSED = frozenset({429, 503})
#: Statuses after which Hex may have processed the request.
MAYBE_PROCESSED = frozenset({500, 502, 504})


@dataclass(frozen=True)
class Attempt:
    """What one attempt ended with: an HTTP status, or a failure before any answer."""

    status: int | None = None
    reached_server: bool = True
    retry_after: float | None = None
    reason: str = ""
    retryable: bool = True


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Read the seconds to wait from a ``Retry-After`` header (seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def retry_delay(
    attempt: Attempt,
    attempt_no: int,
    *,
    idempotent: bool,
    max_retries: int,
    retry_backoff: float,
    max_retry_wait: float,
    what: str = "request",
) -> float | None:
    """Return the seconds to wait before sending a request again, or None to stop.

    ``attempt_no`` counts from 0 (the first send); ``what`` names the request in the log.
    """
    status = attempt.status
    if not attempt.retryable or attempt_no >= max_retries:
        return None
    not_processed = not attempt.reached_server or status in NOT_PROCESSED
    maybe_processed = status in MAYBE_PROCESSED or (status is None and attempt.reached_server)
    if not (not_processed or (maybe_processed and idempotent)):
        return None
    if attempt.retry_after is not None:
        if attempt.retry_after > max_retry_wait:
            log.warning(
                "Hex %s: %s with Retry-After %.0fs, longer than max_retry_wait %.0fs; not waiting",
                what,
                attempt.reason,
                attempt.retry_after,
                max_retry_wait,
            )
            return None
        return attempt.retry_after + random.uniform(0, 0.1)
    backoff: float = retry_backoff * (2.0**attempt_no)
    return min(max_retry_wait, backoff) * random.uniform(0.5, 1.0)


def _causes(err: BaseException) -> list[BaseException]:
    """``err`` and what it wraps: args, urllib3's ``reason``, ``__cause__``, ``__context__``."""
    seen: list[BaseException] = []
    todo: list[Any] = [err]
    while todo:
        item = todo.pop()
        if not isinstance(item, BaseException) or any(item is s for s in seen):
            continue
        seen.append(item)
        todo.extend([*item.args, getattr(item, "reason", None), item.__cause__, item.__context__])
    return seen


def _os_detail(err: BaseException) -> str:
    """The innermost OS error text (``[Errno 111] Connection refused``), if any."""
    for cause in reversed(_causes(err)):
        if isinstance(cause, OSError) and cause.strerror:
            return f" ({cause.strerror})"
    return ""


def requests_failure(err: Exception) -> Attempt:
    """Classify an exception raised by ``requests``."""
    import requests
    from urllib3.exceptions import NameResolutionError, NewConnectionError

    causes = _causes(err)
    detail = _os_detail(err)
    if isinstance(err, requests.exceptions.ConnectTimeout):
        return Attempt(reached_server=False, reason="timed out connecting" + detail)
    if isinstance(err, requests.exceptions.SSLError):
        return Attempt(reached_server=False, reason="TLS error" + detail, retryable=False)
    if isinstance(err, requests.exceptions.ConnectionError):
        not_connected = (NewConnectionError, NameResolutionError, ConnectionRefusedError)
        if any(isinstance(c, not_connected) for c in causes):
            return Attempt(reached_server=False, reason="could not connect" + detail)
        return Attempt(reason="connection lost before an answer" + detail)
    if isinstance(err, requests.exceptions.Timeout):
        return Attempt(reason="timed out waiting for an answer")
    if isinstance(err, requests.exceptions.ChunkedEncodingError):
        return Attempt(reason="answer cut off" + detail)
    return Attempt(reason=type(err).__name__, retryable=False)


def httpx_failure(err: Exception) -> Attempt:
    """Classify an exception raised by ``httpx``."""
    import httpx

    detail = _os_detail(err)
    if isinstance(err, httpx.ConnectTimeout | httpx.PoolTimeout):
        return Attempt(reached_server=False, reason="timed out connecting" + detail)
    if isinstance(err, httpx.ConnectError):
        return Attempt(reached_server=False, reason="could not connect" + detail)
    if isinstance(err, httpx.TimeoutException):
        return Attempt(reason="timed out waiting for an answer")
    if isinstance(err, httpx.NetworkError | httpx.RemoteProtocolError):
        return Attempt(reason=f"connection lost before an answer ({type(err).__name__})")
    return Attempt(reason=type(err).__name__, retryable=False)
