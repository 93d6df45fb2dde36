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
_MAX_VALUE_REPR = 200


def _rebuild(cls: type[BaseException], state: dict[str, Any], args: tuple[Any, ...]) -> Any:
    """Recreate an exception without calling its keyword-only ``__init__`` (for pickle)."""
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class HexError(AirflowException):
    """Base class of every error the Hex provider raises."""

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle by state, since subclasses take keyword-only arguments."""
        return _rebuild, (type(self), dict(self.__dict__), self.args)


def short_repr(value: Any, limit: int = _MAX_VALUE_REPR) -> str:
    """Return ``repr(value)`` cut to ``limit`` characters, so no value floods a message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class HexInvalidArgumentError(HexError, ValueError):
    """An argument was refused before any request was sent.

    :ivar argument: the argument's name (``project_id``, ``input_params['when']``…).
    :ivar value: the refused value.
    :ivar reason: why it was refused.
    """

    def __init__(self, argument: str, value: Any, reason: str) -> None:
        self.argument = argument
        self.value = value
        self.reason = reason
        super().__init__(f"Invalid {argument}={short_repr(value)}: {reason}")


class HexConnectionError(HexError):
    """Hex could not be reached, or did not answer in time (after any retries).

    :ivar method: the HTTP method of the request.
    :ivar path: the API path of the request.
    :ivar may_have_reached_hex: whether Hex may have received and processed the request
        (False only when no connection was made).
    :ivar attempts: how many times the request was sent.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        path: str | None = None,
        may_have_reached_hex: bool = True,
        attempts: int = 1,
    ) -> None:
        self.method = method
        self.path = path
        self.may_have_reached_hex = may_have_reached_hex
        self.attempts = attempts
        super().__init__(message)


class HexResponseError(HexError):
    """Hex (or something in front of it) answered with a body that is not Hex's JSON.

    :ivar status_code: the HTTP status of the answer (``status`` is an alias).
    """

    def __init__(self, message: str, *, status: int, method: str, path: str, body: str) -> None:
        self.status = status
        # Airflow types the class attribute as HTTPStatus; Hex may answer codes it lacks.
        self.status_code = status  # type: ignore[assignment]
        self.method = method
        self.path = path
        self.body_excerpt = body[:_MAX_BODY_EXCERPT]
        super().__init__(message)


class HexAPIError(HexError):
    """Hex answered a request with an error status.

    :ivar status_code: the HTTP status Hex answered (an instance attribute: it is not
        ``AirflowException``'s class-wide 500).
    :ivar status: alias of ``status_code``.
    :ivar code: Hex's error code (``NOT_FOUND``…) from its newer error body, else None.
    :ivar reason: Hex's ``reason`` from its older error body, else None.
    :ivar message: Hex's human-readable message (the ``message`` or the ``reason``).
    :ivar trace_id: Hex's ``traceId``: quote it to Hex support.
    :ivar method: the HTTP method of the request.
    :ivar path: the API path of the request.
    :ivar invalid_params: RunProject: names of input parameters with a value of the wrong type.
    :ivar unknown_params: RunProject: names of input parameters the project does not have.
    :ivar invalid_param_details: RunProject: Hex's entries for the invalid parameters.
    :ivar retry_after: seconds Hex asked to wait (``Retry-After``), when it said.
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
        reason: str | None = None,
        trace_id: str | None = None,
        details: str | None = None,
        issues: list[str] | None = None,
        invalid_params: list[str] | None = None,
        unknown_params: list[str] | None = None,
        invalid_param_details: list[dict[str, Any]] | None = None,
        retry_after: float | None = None,
        run_url: str | None = None,
    ) -> None:
        self.status = status
        # Airflow types the class attribute as HTTPStatus; Hex may answer codes it lacks.
        self.status_code = status  # type: ignore[assignment]
        self.message = message
        self.method = method
        self.path = path
        self.code = code
        self.reason = reason
        self.trace_id = trace_id
        self.details = details
        self.issues = issues or []
        self.invalid_params = invalid_params or []
        self.unknown_params = unknown_params or []
        self.invalid_param_details = invalid_param_details or []
        self.retry_after = retry_after
        self.run_url = run_url
        super().__init__(self.describe())

    def with_run_url(self, run_url: str) -> HexAPIError:
        """Name the run this error concerns (kept in the message); return the error."""
        self.run_url = run_url
        self.args = (self.describe(),)
        return self

    def _invalid_text(self) -> str:
        parts = []
        for name, entry in zip(self.invalid_params, self.invalid_param_details, strict=False):
            expected = entry.get("dataType")
            got = entry.get("paramValue")
            parts.append(f"{name} (expected {expected}, got {got})" if expected else name)
        parts.extend(self.invalid_params[len(parts) :])
        return ", ".join(parts)

    def describe(self) -> str:
        """Describe the error in one line a person can act on."""
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
            extras.append("invalid input parameters: " + self._invalid_text())
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


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _parse_body(text: str) -> dict[str, Any] | None:
    try:
        body = json.loads(text) if text else None
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def describe_body(text: str, content_type: str = "") -> str:
    """Say briefly what a body that is not Hex's JSON looks like, with an excerpt."""
    stripped = text.strip()
    if not stripped:
        return "an empty body"
    kind = (
        "an HTML page"
        if "html" in content_type.lower() or stripped.startswith("<")
        else "a body that is not JSON"
    )
    return f"{kind}: {stripped[:_MAX_BODY_EXCERPT]!r}"


def error_from_response(
    *,
    status: int,
    text: str,
    method: str,
    path: str,
    retry_after: float | None = None,
    trace_id_header: str | None = None,
    content_type: str = "",
) -> HexAPIError:
    """Build the exception for an error answer from Hex.

    Reads Hex's older ``{reason, details, traceId}`` body, its newer
    ``{code, message, issues}`` body, and RunProject's ``{invalid, notFound, traceId}``.
    A body that is not JSON (an HTML page from a proxy, say) still gives a typed error that
    says what came back instead.
    """
    body = _parse_body(text)
    cls = _BY_STATUS.get(status, HexServerError if status >= 500 else HexAPIError)
    if body is None:
        return cls(
            status=status,
            message="Hex (or a proxy in front of it) answered with "
            + describe_body(text, content_type),
            method=method,
            path=path,
            trace_id=trace_id_header,
            retry_after=retry_after,
        )
    details = [p for p in body.get("invalid") or [] if isinstance(p, dict)]
    invalid = [str(p.get("paramName")) for p in details]
    unknown = _strings(body.get("notFound"), "paramName")
    message = _text(body.get("message")) or _text(body.get("reason"))
    if not message and (invalid or unknown):
        message = "Invalid input parameters"
    return cls(
        status=status,
        message=message or f"HTTP {status} with no message",
        method=method,
        path=path,
        code=_text(body.get("code")),
        reason=_text(body.get("reason")),
        trace_id=_text(body.get("traceId")) or trace_id_header,
        details=_text(body.get("details")),
        issues=_strings(body.get("issues"), "message"),
        invalid_params=invalid,
        unknown_params=unknown,
        invalid_param_details=details,
        retry_after=retry_after,
    )


__all__ = [
    "HexAPIError",
    "HexAuthError",
    "HexConnectionError",
    "HexError",
    "HexInvalidArgumentError",
    "HexInvalidInputError",
    "HexKernelLimitError",
    "HexNotFoundError",
    "HexPermissionError",
    "HexRateLimitError",
    "HexResponseError",
    "HexServerError",
    "error_from_response",
]
