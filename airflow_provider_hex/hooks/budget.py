"""One request budget per Hex token and host, shared by everything in a process.

Hex limits each token to 60 requests a minute overall, about 30 run-status reads a minute
and 20 run starts a minute (60 an hour). A worker running many tasks, or a triggerer holding
hundreds of waiting runs, shares one :class:`RateBudget` per (host, token): every request
reserves a send time first and waits for it, so the process as a whole stays under the
limits instead of each caller discovering them through 429s.

How a budget paces, per limit:

* **Per minute**: a token bucket (kept as a "theoretical arrival time", GCRA style) refilled
  at ``headroom`` x the limit, holding at most ``burst`` requests. In any minute it lets
  through at most ``burst + headroom x limit`` requests, which stays inside Hex's fixed
  one-minute windows with the default headroom.
* **Per hour** (run starts): a sliding log of send times, so that no hour ever holds more
  than ``headroom x limit`` requests, while short bursts still go at the minute rate.

Every request counts against the global limit and, if it has one, its group's limit
(``hex-api`` for status reads, ``hex-run-kernel`` for run starts, ...); the slot is charged
to every bucket at the time the request will really be sent.

A 429 means the budget was too generous (other clients use the same token): the budget
pauses every caller until ``Retry-After`` and halves its rates. 429s that arrive while that
pause lasts belong to the same episode and do not halve again. Once the pause is over, each
minute without a 429 gives back a tenth of the configured rate until it is whole again.

Time scale: ``time_scale`` makes the budget's minutes shorter, for a simulated Hex whose
clock runs faster than real time (``HexSimulator(time_scale=60)`` turns a minute into one
real second). Rates, hours, pauses and recovery then follow the simulated clock, while
:meth:`RateBudget.reserve` still answers in real seconds and ``Retry-After`` is read in real
seconds. Production code leaves it at 1.

The budget lives in the process, never in a trigger's serialized kwargs. Its methods only
compute waits under a lock; callers sleep (``time.sleep`` or ``asyncio.sleep``) themselves,
or use :meth:`RateBudget.acquire` / :meth:`RateBudget.aacquire`, so one budget serves
threads and event loops alike.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

#: Share of Hex's documented limits the budget plans to use; the rest is headroom.
HEADROOM = 0.9
#: Most requests a per-minute bucket lets go back to back after a quiet spell.
BURST = 5.0
#: Hourly limits Hex documents besides the minute ones: group -> (per minute, per hour).
#: A group configured with a different minute rate gets its hourly limit in proportion.
DOCUMENTED_HOURLY = {"hex-run-kernel": (20.0, 60.0)}
#: Pause after a 429 without ``Retry-After``, in (budget) seconds.
DEFAULT_PAUSE = 10.0
#: Rates never drop below this share of the configured ones.
MIN_FACTOR = 1 / 16
#: Share of the configured rates given back per quiet minute after a 429.
RECOVERY_PER_MINUTE = 0.1


@dataclass(frozen=True)
class Limit:
    """Hex's limit for one group of requests: per minute and, optionally, per hour."""

    per_minute: float
    per_hour: float | None = None


class _MinuteBucket:
    """A token bucket as a theoretical arrival time: one request per ``1 / rate`` seconds."""

    def __init__(self, per_minute: float, headroom: float, burst: float) -> None:
        self.rate = max(per_minute, 1e-9) * headroom / 60.0
        # Tokens beyond what the minute window leaves over would let a burst break it.
        self.capacity = max(1.0, min(burst, per_minute * (1.0 - headroom)))
        self.tat = float("-inf")

    def earliest(self, now: float, factor: float) -> float:
        interval = 1.0 / (self.rate * factor)
        return max(now, self.tat - (self.capacity - 1.0) * interval)

    def charge(self, at: float, factor: float) -> None:
        self.tat = max(self.tat, at) + 1.0 / (self.rate * factor)


class _HourWindow:
    """A sliding log of send times: at most ``limit`` of them in any ``length`` seconds."""

    def __init__(self, per_hour: float, headroom: float, length: float = 3600.0) -> None:
        self.limit = max(1, int(per_hour * headroom))
        self.length = length
        self.times: deque[float] = deque(maxlen=self.limit)

    def earliest(self, now: float) -> float:
        if not self.times:
            return now
        start = max(now, self.times[-1])
        if len(self.times) < self.limit:
            return start
        return max(start, self.times[0] + self.length)

    def charge(self, at: float) -> None:
        self.times.append(max(at, self.times[-1]) if self.times else at)


def _keys(group: str | None) -> tuple[str | None, ...]:
    return (None,) if group is None else (None, group)


class RateBudget:
    """Paces requests for one Hex token and host. Thread-safe; see :func:`get_budget`.

    :param requests_per_minute: Hex's global limit for the token.
    :param group_limits: limits of request groups, as a per-minute number or a
        :class:`Limit`. Requests of a group not listed only count against the global limit.
    :param headroom: share of each limit to plan for (below 1 leaves room for clock skew
        and other clients of the token).
    :param burst: most requests one bucket sends back to back.
    :param time_scale: how many budget seconds pass per real second (see module docs).
    :param clock: real monotonic seconds; inject a fake one in tests.
    """

    def __init__(
        self,
        *,
        requests_per_minute: float = 60.0,
        group_limits: Mapping[str, float | Limit] | None = None,
        headroom: float = HEADROOM,
        burst: float = BURST,
        time_scale: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0 < headroom <= 1:
            raise ValueError("headroom must be in (0, 1]")
        if time_scale <= 0:
            raise ValueError("time_scale must be > 0")
        self._clock = clock
        self.time_scale = time_scale
        self._lock = threading.Lock()
        self._minute: dict[str | None, _MinuteBucket] = {
            None: _MinuteBucket(requests_per_minute, headroom, burst)
        }
        self._hour: dict[str | None, _HourWindow] = {}
        for group, value in (group_limits or {}).items():
            limit = value if isinstance(value, Limit) else Limit(float(value))
            self._minute[group] = _MinuteBucket(limit.per_minute, headroom, burst)
            if limit.per_hour is not None:
                self._hour[group] = _HourWindow(limit.per_hour, headroom)
        self._factor = 1.0
        self._paused_until = float("-inf")
        self._recovered_at = self._now()
        #: Real seconds callers were told to wait, in total.
        self.throttled_seconds = 0.0
        #: 429 episodes seen (each halves the rates once).
        self.penalties = 0
        #: Slots handed out.
        self.reservations = 0

    def _now(self) -> float:
        return self._clock() * self.time_scale

    @property
    def factor(self) -> float:
        """Share of the configured rates in force now (1.0 when no 429 was seen lately)."""
        with self._lock:
            self._recover(self._now())
            return self._factor

    def pause_left(self) -> float:
        """Real seconds left of the pause after the last 429 (0 when not paused)."""
        with self._lock:
            return max(0.0, (self._paused_until - self._now()) / self.time_scale)

    def _recover(self, now: float) -> None:
        since = max(self._recovered_at, self._paused_until)
        if self._factor < 1.0 and now > since:
            self._factor = min(1.0, self._factor + RECOVERY_PER_MINUTE * (now - since) / 60.0)
        self._recovered_at = max(self._recovered_at, now)

    def _earliest(self, group: str | None, now: float) -> float:
        at = max(now, self._paused_until)
        for key in _keys(group):
            if key in self._minute:
                at = max(at, self._minute[key].earliest(now, self._factor))
            if key in self._hour:
                at = max(at, self._hour[key].earliest(now))
        return at

    def peek(self, group: str | None = None) -> float:
        """Return the real seconds a request of ``group`` would wait now, reserving nothing."""
        with self._lock:
            now = self._now()
            self._recover(now)
            return (self._earliest(group, now) - now) / self.time_scale

    def reserve(self, group: str | None = None) -> float:
        """Reserve a slot for one request; return the real seconds to wait before sending it."""
        with self._lock:
            now = self._now()
            self._recover(now)
            at = self._earliest(group, now)
            for key in _keys(group):
                if key in self._minute:
                    self._minute[key].charge(at, self._factor)
                if key in self._hour:
                    self._hour[key].charge(at)
            wait = (at - now) / self.time_scale
            self.throttled_seconds += wait
            self.reservations += 1
            return wait

    def penalize(self, retry_after: float | None = None) -> None:
        """Record a 429: pause every caller ``retry_after`` real seconds and halve the rates.

        A 429 within the pause of an earlier one only lengthens the pause if needed: the
        requests behind it were sent before the budget slowed down.
        """
        with self._lock:
            now = self._now()
            self._recover(now)
            pause = DEFAULT_PAUSE if retry_after is None else retry_after * self.time_scale
            if now >= self._paused_until:
                self._factor = max(MIN_FACTOR, self._factor / 2)
                self.penalties += 1
            self._paused_until = max(self._paused_until, now + pause)

    def acquire(
        self,
        group: str | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        notify: Callable[[float], None] | None = None,
    ) -> None:
        """Reserve a slot and sleep until it comes, sitting out any 429 pause begun meanwhile.

        ``notify`` is called once with the wait before sleeping, when there is one.
        """
        wait = self.reserve(group)
        if wait > 0 and notify is not None:
            notify(wait)
        while wait > 0:
            sleep(wait)
            wait = self.pause_left()

    async def aacquire(
        self,
        group: str | None = None,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        notify: Callable[[float], None] | None = None,
    ) -> None:
        """Async :meth:`acquire`."""
        wait = self.reserve(group)
        if wait > 0 and notify is not None:
            notify(wait)
        while wait > 0:
            await sleep(wait)
            wait = self.pause_left()


_BUDGETS: dict[tuple[str, str], RateBudget] = {}
_BUDGETS_LOCK = threading.Lock()


def _with_hourly(group_limits: Mapping[str, float | Limit]) -> dict[str, float | Limit]:
    limits: dict[str, float | Limit] = dict(group_limits)
    for group, (doc_minute, doc_hour) in DOCUMENTED_HOURLY.items():
        value = limits.get(group)
        if value is not None and not isinstance(value, Limit):
            limits[group] = Limit(float(value), doc_hour * float(value) / doc_minute)
    return limits


def get_budget(
    key: tuple[str, str],
    *,
    requests_per_minute: float,
    group_limits: Mapping[str, float | Limit],
    headroom: float = HEADROOM,
    burst: float = BURST,
    time_scale: float = 1.0,
    clock: Callable[[], float] = time.monotonic,
) -> RateBudget:
    """Return the process-wide budget for ``key`` (host, token digest), creating it once.

    The first caller's settings win; later callers share that budget. Groups of
    :data:`DOCUMENTED_HOURLY` given as a bare per-minute number get Hex's hourly limit too.
    A benchmark against a fast simulated clock calls this first with its ``time_scale``.
    """
    with _BUDGETS_LOCK:
        budget = _BUDGETS.get(key)
        if budget is None:
            budget = RateBudget(
                requests_per_minute=requests_per_minute,
                group_limits=_with_hourly(group_limits),
                headroom=headroom,
                burst=burst,
                time_scale=time_scale,
                clock=clock,
            )
            _BUDGETS[key] = budget
        return budget


def reset_budgets() -> None:
    """Forget every budget (for tests)."""
    with _BUDGETS_LOCK:
        _BUDGETS.clear()
