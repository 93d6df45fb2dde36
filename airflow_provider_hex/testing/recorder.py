"""The log of requests the simulator received (tokens redacted)."""

from __future__ import annotations

import re
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

REDACTED = "<redacted>"


@dataclass
class RecordedRequest:
    """One received request; ``status`` is None when the connection was dropped."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    headers: dict[str, str]
    status: int | None = None
    connection: int = 0
    at: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (used by ``GET /_sim/requests``)."""
        return asdict(self)


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    """Replace credential header values with a placeholder."""
    return {
        name: REDACTED
        if name.lower() in ("authorization", "proxy-authorization", "cookie")
        else value
        for name, value in headers.items()
    }


class RequestLog:
    """Thread-safe, append-only list of :class:`RecordedRequest`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[RecordedRequest] = []

    def append(self, item: RecordedRequest) -> None:
        """Record a request."""
        with self._lock:
            self._items.append(item)

    def clear(self) -> None:
        """Forget all recorded requests."""
        with self._lock:
            self._items.clear()

    def snapshot(self) -> list[RecordedRequest]:
        """Return the recorded requests in arrival order."""
        with self._lock:
            return list(self._items)

    def count(self, method: str | None, path_regex: str) -> int:
        """Count requests with ``method`` (None for any) whose path matches ``path_regex``."""
        pattern = re.compile(path_regex)
        return sum(
            1
            for item in self.snapshot()
            if (method is None or item.method.upper() == method.upper())
            and pattern.search(item.path)
        )
