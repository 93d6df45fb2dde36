"""One request budget per Hex token and host, shared by everything in a process.

Hex limits each token to 60 requests a minute overall, about 30 run-status reads a minute and
20 run starts a minute. A worker running many tasks, or a triggerer holding hundreds of
waiting runs, shares one :class:`RateBudget` per (host, token): every request reserves a slot
first and waits for it, so the process as a whole stays under the limits instead of each
caller discovering them through 429s.

A 429 from Hex means the budget was too generous (other clients use the same token): the
budget then pauses until ``Retry-After`` and halves its rates; each minute without a 429
gives back a tenth of the configured rate until it is whole again.

The budget lives in the process, never in a trigger's serialized kwargs. Its methods only
compute waits under a lock; callers sleep (``time.sleep`` or ``asyncio.sleep``) themselves,
so one budget serves threads and event loops alike.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

#: Share of Hex's documented limits the budget plans to use; the rest is headroom.
HEADROOM = 0.9
#: Requests a bucket may send back to back after a quiet spell.
BURST = 5.0
_MIN_FACTOR = 1 / 16
_RECOVERY_PER_MINUTE = 0.1


@dataclass
class _Bucket:
    """A token bucket whose refill rate can be scaled down and back up."""

    per_second: float
    capacity: float
    tokens: float
    updated: float

    def refill(self, now: float, factor: float) -> None:
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.per_second * factor)
        self.updated = now

    def wait_for_one(self, factor: float) -> float:
        """Seconds until one token is there (0 if now)."""
        missing = 1.0 - self.tokens
        return 0.0 if missing <= 0 else missing / (self.per_second * factor)


class RateBudget:
    """Paces requests for one Hex token and host. Thread-safe; use :func:`get_budget`."""

    def __init__(
        self,
        *,
        requests_per_minute: float = 60.0,
        group_limits: dict[str, float] | None = None,
        headroom: float = HEADROOM,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        now = clock()
        self._buckets: dict[str | None, _Bucket] = {}
        limits: dict[str | None, float] = {None: requests_per_minute}
        limits.update(group_limits or {})
        for group, per_minute in limits.items():
            rate = per_minute * headroom / 60.0
            capacity = min(BURST, max(1.0, per_minute * headroom / 10))
            self._buckets[group] = _Bucket(rate, capacity, capacity, now)
        self._factor = 1.0
        self._paused_until = 0.0
        self._last_penalty = now
        self.throttled_seconds = 0.0
        self.penalties = 0

    @property
    def factor(self) -> float:
        """Share of the configured rates in force now (1.0 when no 429 was seen lately)."""
        with self._lock:
            self._recover(self._clock())
            return self._factor

    def _recover(self, now: float) -> None:
        minutes = (now - self._last_penalty) / 60.0
        if self._factor < 1.0 and minutes > 0:
            self._factor = min(1.0, self._factor + _RECOVERY_PER_MINUTE * minutes)
            self._last_penalty = now

    def reserve(self, group: str | None = None) -> float:
        """Reserve a slot for one request; return how many seconds to wait before sending it."""
        with self._lock:
            now = self._clock()
            self._recover(now)
            buckets = [self._buckets[None]]
            if group is not None and group in self._buckets:
                buckets.append(self._buckets[group])
            for bucket in buckets:
                bucket.refill(now, self._factor)
            wait = max([self._paused_until - now] + [b.wait_for_one(self._factor) for b in buckets])
            wait = max(0.0, wait)
            for bucket in buckets:
                # The slot is taken now; a negative balance queues later callers behind it.
                bucket.tokens -= 1.0
            self.throttled_seconds += wait
            return wait

    def penalize(self, retry_after: float | None) -> None:
        """Record a 429: pause every caller until ``retry_after`` and halve the rates."""
        with self._lock:
            now = self._clock()
            pause = retry_after if retry_after is not None else 60.0 / max(1.0, self._rate_floor())
            self._paused_until = max(self._paused_until, now + pause)
            self._factor = max(_MIN_FACTOR, self._factor / 2)
            self._last_penalty = now
            self.penalties += 1

    def _rate_floor(self) -> float:
        return min(b.per_second * 60.0 for b in self._buckets.values())


_BUDGETS: dict[tuple[str, str], RateBudget] = {}
_BUDGETS_LOCK = threading.Lock()


def get_budget(
    key: tuple[str, str],
    *,
    requests_per_minute: float,
    group_limits: dict[str, float],
) -> RateBudget:
    """Return the process-wide budget for ``key`` (host, token digest), creating it once."""
    with _BUDGETS_LOCK:
        budget = _BUDGETS.get(key)
        if budget is None:
            budget = RateBudget(requests_per_minute=requests_per_minute, group_limits=group_limits)
            _BUDGETS[key] = budget
        return budget


def reset_budgets() -> None:
    """Forget every budget (for tests)."""
    with _BUDGETS_LOCK:
        _BUDGETS.clear()
