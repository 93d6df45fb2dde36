"""Routing table types: the request a handler sees, its response, and path templates."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import ErrorStyle
from .state import Workspace


@dataclass
class Request:
    """A parsed API request as route handlers see it."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    headers: dict[str, str]
    trace_id: str
    params: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        """Return a header value, matching the name case-insensitively."""
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return None


@dataclass
class Response:
    """What a handler answers; ``body=None`` means no body (e.g. 204)."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    content_type: str = "application/json"


Handler = Callable[[Workspace, Request], Response]


@dataclass
class Route:
    """One API operation: method, path template under ``/api``, handler and its policies."""

    method: str
    template: str
    handler: Handler
    operation: str
    style: ErrorStyle = ErrorStyle.CODE
    groups: tuple[str, ...] = ()
    pattern: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.template)
        self.pattern = re.compile(f"^{regex}/?$")


class Router:
    """Finds the route for a method and path."""

    def __init__(self, routes: list[Route]) -> None:
        self.routes = routes

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
        """Return ``(route, path params, path_known)``; ``path_known`` helps answer 405."""
        path_known = False
        for route in self.routes:
            found = route.pattern.match(path)
            if found is None:
                continue
            path_known = True
            if route.method == method:
                return route, found.groupdict(), True
        return None, {}, path_known
