"""Hex's per-token rate limits as fixed windows on the simulated clock."""

from __future__ import annotations

import threading
from dataclasses import dataclass

GLOBAL = "global"
HEX_API = "hex-api"
HEX_API_30RPM = "hex-api-30rpm"
RUN_KERNEL = "hex-run-kernel"
SEMANTIC_INGEST = "hex-semantic-ingest"
CHART_IMAGE = "hex-chart-image"


@dataclass
class RateLimits:
    """Requests allowed per window; change them to make limits easy to hit in tests.

    Every request counts against ``global_per_minute``; an endpoint's group adds its own
    windows (``hex-api``: GetProject, GetRunStatus, ...; ``hex-api-30rpm``: cells, users,
    ...; ``hex-run-kernel``: RunProject, CreateThread, ContinueThread; ``hex-chart-image``:
    chart images; ``hex-semantic-ingest``: IngestSemanticProject, 3 a minute).
    ``window_scale`` shrinks every window (0.1 turns a
    minute into 6 simulated seconds) for tests that want short windows without a fast clock.
    """

    global_per_minute: int = 60
    hex_api_per_minute: int = 30
    hex_api_per_hour: int = 1800
    per_minute_30rpm: int = 30
    run_starts_per_minute: int = 20
    run_starts_per_hour: int = 60
    semantic_ingests_per_minute: int = 3
    chart_images_per_minute: int = 20
    window_scale: float = 1.0

    def windows(self, group: str) -> list[tuple[str, float, int]]:
        """Return ``(window name, length in simulated seconds, limit)`` for a group."""
        minute, hour = 60.0 * self.window_scale, 3600.0 * self.window_scale
        table: dict[str, list[tuple[str, float, int]]] = {
            GLOBAL: [("global/min", minute, self.global_per_minute)],
            HEX_API: [
                ("hex-api/min", minute, self.hex_api_per_minute),
                ("hex-api/hour", hour, self.hex_api_per_hour),
            ],
            HEX_API_30RPM: [("hex-api-30rpm/min", minute, self.per_minute_30rpm)],
            RUN_KERNEL: [
                ("run/min", minute, self.run_starts_per_minute),
                ("run/hour", hour, self.run_starts_per_hour),
            ],
            SEMANTIC_INGEST: [("semantic-ingest/min", minute, self.semantic_ingests_per_minute)],
            CHART_IMAGE: [("hex-chart-image/min", minute, self.chart_images_per_minute)],
        }
        return table.get(group, [])


@dataclass
class _Window:
    started: float
    count: int


class RateLimiter:
    """Fixed windows per (token, window), each anchored at its first request.

    A request is admitted only if every window it falls under has room; a rejected request
    does not use up any window.
    """

    def __init__(self, limits: RateLimits) -> None:
        self.limits = limits
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, str], _Window] = {}

    def reset(self) -> None:
        """Forget all windows."""
        with self._lock:
            self._windows.clear()

    def check(self, token: str, groups: tuple[str, ...], now: float) -> float | None:
        """Admit a request (returning None) or return simulated seconds until it may retry."""
        specs = [spec for group in (GLOBAL, *groups) for spec in self.limits.windows(group)]
        with self._lock:
            wait = 0.0
            for name, length, limit in specs:
                window = self._live_window(token, name, length, now)
                if window is not None and window.count >= limit:
                    wait = max(wait, window.started + length - now)
            if wait > 0:
                return wait
            for name, length, _limit in specs:
                window = self._live_window(token, name, length, now)
                if window is None:
                    self._windows[(token, name)] = _Window(now, 1)
                else:
                    window.count += 1
            return None

    def _live_window(self, token: str, name: str, length: float, now: float) -> _Window | None:
        window = self._windows.get((token, name))
        if window is None or now >= window.started + length:
            return None
        return window
