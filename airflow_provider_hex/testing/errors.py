"""Hex's two error body shapes and the exception handlers raise to produce them.

Older (tsoa) endpoints answer ``{"reason", "details"?, "traceId"}``; newer ones answer
``{"code", "message", "issues"}``. The simulator adds ``traceId`` to every error body.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

CODES: dict[int, tuple[str, str]] = {
    400: ("BAD_REQUEST", "Invalid input data"),
    401: ("UNAUTHORIZED", "Authorization not provided"),
    403: ("FORBIDDEN", "Insufficient access"),
    404: ("NOT_FOUND", "Not found"),
    405: ("METHOD_NOT_ALLOWED", "Method not allowed"),
    422: ("UNPROCESSABLE_CONTENT", "Unprocessable content"),
    429: ("TOO_MANY_REQUESTS", "Too many requests"),
    500: ("INTERNAL_SERVER_ERROR", "Internal server error"),
    502: ("BAD_GATEWAY", "Bad gateway"),
    503: ("SERVICE_UNAVAILABLE", "Service unavailable"),
    504: ("GATEWAY_TIMEOUT", "Gateway timeout"),
}


class ErrorStyle(Enum):
    """Which error body shape an endpoint uses."""

    TSOA = "tsoa"
    CODE = "code"


class ApiError(Exception):
    """Raised by a route handler to answer with an error status.

    ``body`` replaces the standard error body entirely (used for RunProject's
    ``InvalidParamPayload``); ``traceId`` is still filled in when missing.
    """

    def __init__(
        self,
        status: int,
        message: str | None = None,
        *,
        details: str | None = None,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message or CODES.get(status, ("", "Error"))[1])
        self.status = status
        self.message = message or CODES.get(status, ("ERROR", "Error"))[1]
        self.details = details
        self.body = body
        self.headers = headers or {}


def error_body(
    style: ErrorStyle,
    status: int,
    trace_id: str,
    message: str | None = None,
    details: str | None = None,
) -> dict[str, Any]:
    """Build the JSON error body for ``status`` in the endpoint's ``style``."""
    code, default_message = CODES.get(status, ("ERROR", "Error"))
    text = message or default_message
    if style is ErrorStyle.TSOA:
        body: dict[str, Any] = {"reason": text, "traceId": trace_id}
        if details:
            body["details"] = details
        return body
    issues = [{"message": details}] if details else []
    return {"code": code, "message": text, "issues": issues, "traceId": trace_id}


def render_error(style: ErrorStyle, error: ApiError, trace_id: str) -> dict[str, Any]:
    """Turn an :class:`ApiError` into its JSON body."""
    if error.body is not None:
        body = dict(error.body)
        body.setdefault("traceId", trace_id)
        return body
    return error_body(style, error.status, trace_id, error.message, error.details)
