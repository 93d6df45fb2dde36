"""Injected failures: error statuses, broken bodies, slow answers and dropped connections."""

from __future__ import annotations

import re
import threading
from dataclasses import asdict, dataclass
from typing import Any

STATUS_KINDS = frozenset({"429", "500", "502", "503", "504"})
KINDS = STATUS_KINDS | {"html", "malformed", "slow", "reset", "reset_after_commit"}


@dataclass
class Fault:
    """A failure that hits the next ``count`` requests matching ``method`` and ``path``.

    Kinds: ``"429"``, ``"500"``, ``"502"``, ``"503"``, ``"504"`` (JSON error in the
    endpoint's shape, request not processed; a 429 carries ``Retry-After`` only when
    ``retry_after`` is set); ``"html"`` (a proxy-style 502 HTML page); ``"malformed"``
    (200 with a truncated, non-JSON body; not processed); ``"slow"`` (wait ``delay`` real
    seconds, default 1, then answer normally); ``"reset"`` (close the connection without an
    answer, not processed); ``"reset_after_commit"`` (process the request, then close the
    connection without an answer). ``path`` is a regular expression searched in the request
    path; ``method`` is compared case-insensitively.
    """

    kind: str
    count: int = 1
    method: str | None = None
    path: str | None = None
    retry_after: float | None = None
    delay: float | None = None

    def __post_init__(self) -> None:
        self.kind = str(self.kind)
        if self.kind not in KINDS:
            raise ValueError(f"fault kind must be one of {sorted(KINDS)}")
        if self.count < 1:
            raise ValueError("count must be >= 1")
        if self.path is not None:
            re.compile(self.path)

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault applies to a request."""
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path is None or re.search(self.path, path) is not None

    def to_dict(self) -> dict[str, Any]:
        """The fault's fields as JSON-ready data."""
        return asdict(self)


class FaultQueue:
    """Pending faults; the first matching one fires and uses up one of its ``count``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        """Queue a fault (a copy, so the caller's object is not consumed)."""
        with self._lock:
            self._faults.append(Fault(**fault.to_dict()))

    def clear(self) -> None:
        """Drop all pending faults."""
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[Fault]:
        """Return copies of the pending faults."""
        with self._lock:
            return [Fault(**fault.to_dict()) for fault in self._faults]

    def take(self, method: str, path: str) -> Fault | None:
        """Fire the first fault matching the request, if any."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.count -= 1
                    if fault.count == 0:
                        self._faults.remove(fault)
                    return Fault(
                        fault.kind, 1, fault.method, fault.path, fault.retry_after, fault.delay
                    )
        return None
