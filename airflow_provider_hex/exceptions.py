"""Exceptions of the Hex provider, and the one place that builds them from Hex's answers.

Every error Hex returns becomes a :class:`HexAPIError` subclass chosen by HTTP status. Hex
answers errors in two JSON shapes, and run starts with bad input parameters in a third; all
three are read by :func:`error_from_response`. Nothing here ever holds the API token.

::

    HexError (AirflowException)
    ├── HexInvalidArgumentError (also ValueError)  bad argument, refused before any request
    ├── HexConnectionError        the request got no answer (after retries)
    ├── HexResponseError          an answer that is not the JSON Hex sends (proxy page, garbage)
    └── HexAPIError               Hex answered with an error status
        ├── HexAuthError              401
        ├── HexPermissionError        403
        ├── HexNotFoundError          404
        ├── HexInvalidInputError      400, 422
        ├── HexRateLimitError         429
        └── HexServerError            5xx
            └── HexKernelLimitError   503 (25 running kernels reached)
"""

from __future__ import annotations

import json
from typing import Any

from airflow.exceptions import AirflowException  # type: ignore[attr-defined]

_MAX_BODY_EXCERPT = 300


class HexError(AirflowException):
    """Base class of every error the Hex provider raises."""


class HexInvalidArgumentError(HexError, ValueError):
    """An argument was refused before any request was sent."""

    def __init__(self, argument: str, value: Any, reason: str) -> None:
        self.argument = argument
        self.value = value
        self.reason = reason
        super().__init__(f"Invalid {argument}={value!r}: {reason}")


class HexConnectionError(HexError):
    """Hex could not be reached, or did not answer in time."""


class HexResponseError(HexError):
    """Hex (or something in front of it) answered with a body that is not Hex's JSON."""

    def __init__(self, message: str, *, status: int, method: str, path: str, body: str) -> None:
        self.status = status
        self.method = method
        self.path = path
        self.body_excerpt = body[:_MAX_BODY_EXCERPT]
        super().__init__(message)


class HexAPIError(HexError):
    """Hex answered a request with an error status.

    :ivar status: the HTTP status code.
    :ivar code: Hex's error code (``NOT_FOUND``…) or, for older endpoints, its ``reason``.
    :ivar message: Hex's human-readable message.
    :ivar trace_id: Hex's ``traceId``: quote it to Hex support.
    :ivar method: the HTTP method of the request.
    :ivar path: the API path of the request.
    :ivar run_url: the Hex run this error concerns, when known.
    """

    def __init__(
        self,
        *,
        status: int,
        message: str,
        method: str,
        path: str,
        code: str | None = None,
        trace_id: str | None = None,
        details: str | None = None,
        issues: list[str] | None = None,
        invalid_params: list[str] | None = None,
        unknown_params: list[str] | None = None,
        retry_after: float | None = None,
        run_url: str | None = None,
    ) -> None:
        self.status = status
        self.message = message
        self.method = method
        self.path = path
        self.code = code
        self.trace_id = trace_id
        self.details = details
        self.issues = issues or []
        self.invalid_params = invalid_params or []
        self.unknown_params = unknown_params or []
        self.retry_after = retry_after
        self.run_url = run_url
        super().__init__(self.describe())

    def describe(self) -> str:
        """The error as one line a person can act on."""
        parts = [f"Hex API {self.method} {self.path} failed with HTTP {self.status}"]
        if self.code:
            parts.append(f"[{self.code}]")
        text = " ".join(parts) + f": {self.message}"
        extras = []
        if self.details:
            extras.append(f"details: {self.details}")
        if self.issues:
            extras.append("issues: " + "; ".join(self.issues))
        if self.invalid_params:
            extras.append("invalid input parameters: " + ", ".join(self.invalid_params))
        if self.unknown_params:
            extras.append("unknown input parameters: " + ", ".join(self.unknown_params))
        if self.retry_after is not None:
            extras.append(f"retry after {self.retry_after:g}s")
        if self.run_url:
            extras.append(f"run: {self.run_url}")
        if self.trace_id:
            extras.append(f"traceId: {self.trace_id}")
        return text + ("" if not extras else " (" + "; ".join(extras) + ")")


class HexAuthError(HexAPIError):
    """401: the token is missing, wrong or expired, or the host is not the workspace's."""


class HexPermissionError(HexAPIError):
    """403: the token's user (or scopes) may not do this."""


class HexNotFoundError(HexAPIError):
    """404: no such object, or the token's user may not see it."""


class HexInvalidInputError(HexAPIError):
    """400 or 422: Hex refused the request's content (or the project is not published)."""


class HexRateLimitError(HexAPIError):
    """429: over Hex's rate limit; ``retry_after`` says how long to wait, when Hex said."""


class HexServerError(HexAPIError):
    """5xx: an error on Hex's side."""


class HexKernelLimitError(HexServerError):
    """503: the user already has the most running kernels Hex allows (25); no run was made."""


_BY_STATUS: dict[int, type[HexAPIError]] = {
    400: HexInvalidInputError,
    401: HexAuthError,
    403: HexPermissionError,
    404: HexNotFoundError,
    422: HexInvalidInputError,
    429: HexRateLimitError,
    503: HexKernelLimitError,
}


def _strings(items: Any, key: str) -> list[str]:
    if not isinstance(items, list):
        return []
    out = []
    for item in items:
        if isinstance(item, dict) and item.get(key) is not None:
            out.append(str(item[key]))
        elif isinstance(item, str):
            out.append(item)
    return out


def _parse_body(text: str) -> dict[str, Any] | None:
    try:
        body = json.loads(text) if text else None
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def error_from_response(
    *,
    status: int,
    text: str,
    method: str,
    path: str,
    retry_after: float | None = None,
    trace_id_header: str | None = None,
    content_type: str = "",
) -> HexError:
    """Build the exception for an error answer from Hex.

    Reads Hex's older ``{reason, details, traceId}`` body, its newer
    ``{code, message, issues}`` body, and RunProject's ``{invalid, notFound, traceId}``.
    A body that is not JSON (an HTML page from a proxy, say) still gives a typed error that
    says what came back instead.
    """
    body = _parse_body(text)
    cls = _BY_STATUS.get(status, HexServerError if status >= 500 else HexAPIError)
    if body is None:
        kind = (
            "an HTML page"
            if "html" in content_type or text.lstrip().startswith("<")
            else ("an empty body" if not text.strip() else "a body that is not JSON")
        )
        return cls(
            status=status,
            message=f"Hex (or a proxy in front of it) answered with {kind}: "
            f"{text.strip()[:_MAX_BODY_EXCERPT]!r}",
            method=method,
            path=path,
            trace_id=trace_id_header,
            retry_after=retry_after,
        )
    invalid = [
        f"{p.get('paramName')} (expected {p.get('dataType')}, got {p.get('paramValue')})"
        for p in body.get("invalid") or []
        if isinstance(p, dict)
    ]
    unknown = _strings(body.get("notFound"), "paramName")
    message = body.get("message") or body.get("reason") or ""
    if not message and (invalid or unknown):
        message = "Invalid input parameters"
    return cls(
        status=status,
        message=str(message) or f"HTTP {status} with no message",
        method=method,
        path=path,
        code=body.get("code"),
        trace_id=body.get("traceId") or trace_id_header,
        details=body.get("details"),
        issues=_strings(body.get("issues"), "message"),
        invalid_params=invalid,
        unknown_params=unknown,
        retry_after=retry_after,
    )
