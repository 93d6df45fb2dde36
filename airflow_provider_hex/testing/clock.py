"""The simulated clock: real time scaled by ``time_scale`` plus manual jumps."""

from __future__ import annotations

import math
import threading
import time
from datetime import UTC, datetime


class SimClock:
    """A thread-safe clock whose seconds run ``time_scale`` times faster than real ones.

    ``time_scale=60`` makes one real second one simulated minute; ``time_scale=0`` freezes
    the clock so that only :meth:`advance` moves it (handy for deterministic tests).
    """

    def __init__(self, time_scale: float = 1.0, start: float | None = None) -> None:
        if time_scale < 0:
            raise ValueError("time_scale must be >= 0")
        self.time_scale = time_scale
        self._lock = threading.Lock()
        self._origin = time.time() if start is None else start
        self._mono0 = time.monotonic()
        self._offset = 0.0

    def now(self) -> float:
        """Return the simulated time as seconds since the Unix epoch."""
        with self._lock:
            elapsed = (time.monotonic() - self._mono0) * self.time_scale
            return self._origin + elapsed + self._offset

    def advance(self, seconds: float) -> float:
        """Move the simulated clock forward by ``seconds`` and return the new time."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += seconds
        return self.now()

    def to_real_seconds(self, sim_seconds: float) -> float:
        """Convert a simulated duration into real seconds (unchanged when the clock is frozen)."""
        if self.time_scale == 0:
            return sim_seconds
        return sim_seconds / self.time_scale


def iso(timestamp: float) -> str:
    """Format an epoch timestamp as ISO 8601 UTC with milliseconds and a ``Z`` suffix."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def format_retry_after(real_seconds: float, time_scale: float) -> str:
    """Render a ``Retry-After`` value in real seconds.

    HTTP allows only whole seconds; when the clock is scaled the simulator sends a decimal
    (for example ``"0.5"``) so that fast simulations stay faithful. This is a simulator
    extension: clients should parse the header as a float.
    """
    if time_scale == 1:
        return str(max(1, math.ceil(real_seconds)))
    millis = max(1, math.ceil(real_seconds * 1000))
    text = f"{millis / 1000:.3f}".rstrip("0").rstrip(".")
    return text
