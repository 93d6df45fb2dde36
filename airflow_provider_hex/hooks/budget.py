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

Waiting callers (:meth:`RequestBudget.acquire`) book in two steps when their group's own
limits hold them back more than the global limit does (a run start waiting for the next
hour): first a slot of their group, then, when it comes, a slot under the global limit. So
a backlog of one group never books the global limit far ahead and holds up every other
request (status reads behind run starts waiting for the next hour). If the global limit
cannot give that second slot within one global interval, the group slot is given up (it
stays charged: the safe side) and the request books again from the first step.

A 429 means the budget was too generous (other clients use the same token): the budget
pauses every caller until ``Retry-After`` and halves its rates. 429s that arrive while that
pause lasts belong to the same episode and do not halve again. Once the pause is over, each
minute without a 429 gives back a tenth of the configured rate until it is whole again.

Time scale: ``time_scale`` makes the budget's minutes shorter, for a simulated Hex whose
clock runs faster than real time (``HexSimulator(time_scale=60)`` turns a minute into one
real second). Rates, hours, pauses and recovery then follow the simulated clock, while
:meth:`RateBudget.reserve` still answers in real seconds and ``Retry-After`` is read in real
seconds. Production code leaves it at 1.

Several processes on one token: ``share`` (0 < share <= 1, the connection extra
``rate_budget_share``) scales every limit of an in-process budget, so N triggerers and
workers without a shared store can each take 1/N. With the extra ``rate_budget_url`` the
budget is kept in Redis instead (:mod:`~airflow_provider_hex.hooks.budget_redis`), with the
same rules, and this in-process budget, scaled by the share, only stands in while the store
cannot be reached.

Visibility: each budget logs its state (rates now, pause, requests granted and waited for,
429s seen) at debug level at most every :data:`DEBUG_EVERY` seconds, and a one-line summary
at info level whenever the rates or the pause change, so a triggerer's log tells why runs
are noticed late.

The budget lives in the process, never in a trigger's serialized kwargs. Its methods only
compute waits under a lock; callers sleep (``time.sleep`` or ``asyncio.sleep``) themselves,
or use :meth:`RateBudget.acquire` / :meth:`RateBudget.aacquire`, so one budget serves
threads and event loops alike.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

__all__ = [
    "BURST",
    "DEFAULT_PAUSE",
    "DOCUMENTED_HOURLY",
    "HEADROOM",
    "MIN_FACTOR",
    "RECOVERY_PER_MINUTE",
    "BudgetState",
    "Limit",
    "RateBudget",
    "RequestBudget",
    "get_budget",
    "reset_budgets",
]

log = logging.getLogger("airflow_provider_hex.budget")

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
#: Least real seconds between two debug lines of a budget's state.
DEBUG_EVERY = 10.0


@dataclass(frozen=True)
class Limit:
    """Hex's limit for one group of requests: per minute and, optionally, per hour."""

    per_minute: float
    per_hour: float | None = None

    def scaled(self, share: float) -> Limit:
        """This limit times ``share`` (a process's part of a token's limit)."""
        hour = None if self.per_hour is None else self.per_hour * share
        return Limit(self.per_minute * share, hour)


def minute_pacing(per_minute: float, headroom: float, burst: float) -> tuple[float, float]:
    """Return (requests per budget second, bucket capacity) of a per-minute limit."""
    rate = max(per_minute, 1e-9) * headroom / 60.0
    # Tokens beyond what the minute window leaves over would let a burst break it.
    capacity = max(1.0, min(burst, per_minute * (1.0 - headroom)))
    return rate, capacity


def hourly_count(per_hour: float, headroom: float) -> int:
    """Return how many requests an hourly limit lets the budget send in any hour."""
    return max(1, int(per_hour * headroom))


class _MinuteBucket:
    """A token bucket as a theoretical arrival time: one request per ``1 / rate`` seconds."""

    def __init__(self, per_minute: float, headroom: float, burst: float) -> None:
        self.rate, self.capacity = minute_pacing(per_minute, headroom, burst)
        self.tat = float("-inf")

    def earliest(self, now: float, factor: float) -> float:
        interval = 1.0 / (self.rate * factor)
        return max(now, self.tat - (self.capacity - 1.0) * interval)

    def charge(self, at: float, factor: float) -> None:
        self.tat = max(self.tat, at) + 1.0 / (self.rate * factor)


class _HourWindow:
    """A sliding log of send times: at most ``limit`` of them in any ``length`` seconds."""

    def __init__(self, per_hour: float, headroom: float, length: float = 3600.0) -> None:
        self.limit = hourly_count(per_hour, headroom)
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


def _as_limits(group_limits: Mapping[str, float | Limit] | None) -> dict[str, Limit]:
    return {
        group: value if isinstance(value, Limit) else Limit(float(value))
        for group, value in (group_limits or {}).items()
    }


@dataclass
class BudgetState:
    """What a budget is doing, for logs: rates in force, pause, and this process's counts.

    :ivar per_minute: requests per minute each limit allows now (``"global"`` and groups).
    :ivar pause_left: real seconds left of the pause after the last 429.
    :ivar granted: requests this process was given a slot for.
    :ivar waited: real seconds this process's requests were told to wait, in total.
    :ivar rate_limited: 429s this process reported; ``penalties``: episodes that halved rates.
    :ivar store: where the budget is kept (``"process"`` or the store's address).
    """

    factor: float
    per_minute: dict[str, float] = field(default_factory=dict)
    pause_left: float = 0.0
    granted: int = 0
    waited: float = 0.0
    rate_limited: int = 0
    penalties: int = 0
    store: str = "process"

    def summary(self) -> str:
        """One line for a log."""
        rates = ", ".join(f"{name} {rate:.1f}/min" for name, rate in self.per_minute.items())
        pause = f"paused {self.pause_left:.1f}s after a 429; " if self.pause_left > 0 else ""
        return (
            f"{pause}rates at {self.factor:.0%} ({rates}); granted {self.granted}, "
            f"waited {self.waited:.1f}s, 429s {self.rate_limited}; kept in {self.store}"
        )


class RequestBudget:
    """What every budget offers: reserve slots, record 429s, wait, and tell its state.

    Subclasses implement :meth:`reserve`, :meth:`areserve`, :meth:`penalize`,
    :meth:`pause_left` and :meth:`state`; this class adds the waiting loops and the logging.
    """

    #: Who the budget is for, in log lines (the Hex host).
    name: str = "Hex"
    #: False for a budget that stands in for another (the other one logs).
    reporting: bool = True

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._report_lock = threading.Lock()
        self._last_summary: tuple[float, bool] = (1.0, False)
        self._last_debug = float("-inf")

    def reserve(self, group: str | None = None) -> float:
        """Reserve a slot for one request; return the real seconds to wait before sending it."""
        raise NotImplementedError

    async def areserve(self, group: str | None = None) -> float:
        """Async :meth:`reserve`."""
        raise NotImplementedError

    def claim(self, group: str | None = None, *, booked: bool = False) -> tuple[float, bool]:
        """One step of :meth:`acquire`: return (real seconds to wait, done).

        First step (``booked`` False): like :meth:`reserve` (``done`` True), unless the
        group's own limits hold the request back by more than one global interval; then
        only the group's limits are charged, ``done`` is False, and after the wait the
        caller takes the second step. Second step (``booked`` True): a global slot, if one
        is free within a global interval (``done`` True); else nothing is booked, the wait
        is 0 and ``done`` False: the caller starts again from the first step.
        """
        raise NotImplementedError

    async def aclaim(self, group: str | None = None, *, booked: bool = False) -> tuple[float, bool]:
        """Async :meth:`claim`."""
        raise NotImplementedError

    def penalize(self, retry_after: float | None = None) -> None:
        """Record a 429: pause every caller ``retry_after`` real seconds, slow the rates."""
        raise NotImplementedError

    def pause_left(self) -> float:
        """Real seconds left of the pause after the last 429 (0 when not paused)."""
        raise NotImplementedError

    def state(self) -> BudgetState:
        """The budget's state now."""
        raise NotImplementedError

    def report(self, state: BudgetState | None = None) -> None:
        """Log ``state`` (or the state now): a summary at info when rates or pause changed,
        the details at debug at most every :data:`DEBUG_EVERY` seconds."""
        if not self.reporting:
            return
        if state is None:
            state = self.state()
        # Tenths of the rate: recovery logs about once a minute, not at every step.
        key = (round(state.factor, 1), state.pause_left > 0)
        with self._report_lock:
            changed = key != self._last_summary
            self._last_summary = key
            now = self._clock()
            debug = now - self._last_debug >= DEBUG_EVERY
            if debug:
                self._last_debug = now
        if changed:
            log.info("Hex request budget for %s: %s", self.name, state.summary())
        elif debug and log.isEnabledFor(logging.DEBUG):
            log.debug("Hex request budget for %s: %s", self.name, state.summary())

    def acquire(
        self,
        group: str | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        notify: Callable[[float], None] | None = None,
    ) -> None:
        """Reserve a slot and sleep until it comes, sitting out any 429 pause begun meanwhile.

        ``notify`` is called once with the first wait before sleeping, when there is one.
        """
        first, booked = True, False
        while True:
            wait, done = self.claim(group, booked=booked)
            if wait > 0 and first and notify is not None:
                notify(wait)
            first = False
            while wait > 0:
                sleep(wait)
                wait = self.pause_left()
            if done:
                return
            booked = not booked

    async def aacquire(
        self,
        group: str | None = None,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        notify: Callable[[float], None] | None = None,
    ) -> None:
        """Async :meth:`acquire`."""
        first, booked = True, False
        while True:
            wait, done = await self.aclaim(group, booked=booked)
            if wait > 0 and first and notify is not None:
                notify(wait)
            first = False
            while wait > 0:
                await sleep(wait)
                wait = self.pause_left()
            if done:
                return
            booked = not booked


class RateBudget(RequestBudget):
    """Paces requests for one Hex token and host in this process. Thread-safe.

    :param requests_per_minute: Hex's global limit for the token.
    :param group_limits: limits of request groups, as a per-minute number or a
        :class:`Limit`. Requests of a group not listed only count against the global limit.
    :param headroom: share of each limit to plan for (below 1 leaves room for clock skew
        and other clients of the token).
    :param burst: most requests one bucket sends back to back.
    :param share: part of every limit this process may use (0 < share <= 1), when several
        processes use the token without a shared store.
    :param time_scale: how many budget seconds pass per real second (see module docs).
    :param clock: real monotonic seconds; inject a fake one in tests.
    :param name: who the budget is for, in log lines.
    """

    def __init__(
        self,
        *,
        requests_per_minute: float = 60.0,
        group_limits: Mapping[str, float | Limit] | None = None,
        headroom: float = HEADROOM,
        burst: float = BURST,
        share: float = 1.0,
        time_scale: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        name: str = "Hex",
    ) -> None:
        if not 0 < headroom <= 1:
            raise ValueError("headroom must be in (0, 1]")
        if not 0 < share <= 1:
            raise ValueError(f"share must be in (0, 1], not {share!r}")
        if time_scale <= 0:
            raise ValueError("time_scale must be > 0")
        super().__init__(clock=clock)
        self.name = name
        self.time_scale = time_scale
        self.share = share
        self._lock = threading.Lock()
        self._minute: dict[str | None, _MinuteBucket] = {
            None: _MinuteBucket(requests_per_minute * share, headroom, burst)
        }
        self._hour: dict[str | None, _HourWindow] = {}
        for group, configured in _as_limits(group_limits).items():
            limit = configured.scaled(share)
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
        #: 429s reported, episodes or not.
        self.rate_limited = 0
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

    def _charge(self, keys: tuple[str | None, ...], at: float) -> None:
        for key in keys:
            if key in self._minute:
                self._minute[key].charge(at, self._factor)
            if key in self._hour:
                self._hour[key].charge(at)

    def claim(self, group: str | None = None, *, booked: bool = False) -> tuple[float, bool]:
        """One step of :meth:`acquire` (see :meth:`RequestBudget.claim`)."""
        with self._lock:
            now = self._now()
            self._recover(now)
            interval = 1.0 / (self._minute[None].rate * self._factor)
            if booked:
                at = max(now, self._minute[None].earliest(now, self._factor))
                done = at <= now + interval
                keys: tuple[str | None, ...] = (None,)
                at = max(at, self._paused_until) if done else now
            else:
                at = self._earliest(group, now)
                done = group is None or at <= self._earliest(None, now) + interval
                keys = _keys(group) if done else (group,)
            if done or not booked:
                self._charge(keys, at)
            wait = (at - now) / self.time_scale
            self.throttled_seconds += wait
            if done:
                self.reservations += 1
        self.report()
        return wait, done

    async def aclaim(self, group: str | None = None, *, booked: bool = False) -> tuple[float, bool]:
        """:meth:`claim` (it never blocks: the budget is in memory)."""
        return self.claim(group, booked=booked)

    def reserve(self, group: str | None = None) -> float:
        """Reserve a slot for one request; return the real seconds to wait before sending it."""
        with self._lock:
            now = self._now()
            self._recover(now)
            at = self._earliest(group, now)
            self._charge(_keys(group), at)
            wait = (at - now) / self.time_scale
            self.throttled_seconds += wait
            self.reservations += 1
        self.report()
        return wait

    async def areserve(self, group: str | None = None) -> float:
        """:meth:`reserve` (it never blocks: the budget is in memory)."""
        return self.reserve(group)

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
            self.rate_limited += 1
            self._paused_until = max(self._paused_until, now + pause)
        self.report()

    def state(self) -> BudgetState:
        """The budget's state now (rates scaled by the share and by any 429 slow-down)."""
        with self._lock:
            now = self._now()
            self._recover(now)
            per_minute = {
                "global" if key is None else key: bucket.rate * 60.0 * self._factor
                for key, bucket in self._minute.items()
            }
            return BudgetState(
                factor=self._factor,
                per_minute=per_minute,
                pause_left=max(0.0, (self._paused_until - now) / self.time_scale),
                granted=self.reservations,
                waited=self.throttled_seconds,
                rate_limited=self.rate_limited,
                penalties=self.penalties,
                store="process" if self.share == 1 else f"process (share {self.share:g})",
            )


_BUDGETS: dict[tuple[str, str], RequestBudget] = {}
_BUDGETS_LOCK = threading.Lock()


def _with_hourly(group_limits: Mapping[str, float | Limit]) -> dict[str, float | Limit]:
    limits: dict[str, float | Limit] = dict(group_limits)
    for group, (doc_minute, doc_hour) in DOCUMENTED_HOURLY.items():
        value = limits.get(group)
        if value is not None and not isinstance(value, Limit):
            limits[group] = Limit(float(value), doc_hour * float(value) / doc_minute)
    return limits


def _with_global(
    requests_per_minute: float, group_limits: Mapping[str, float | Limit]
) -> dict[str | None, Limit]:
    limits: dict[str | None, Limit] = {None: Limit(requests_per_minute)}
    limits.update(_as_limits(group_limits))
    return limits


def get_budget(
    key: tuple[str, str],
    *,
    requests_per_minute: float,
    group_limits: Mapping[str, float | Limit],
    headroom: float = HEADROOM,
    burst: float = BURST,
    share: float = 1.0,
    store_url: str | None = None,
    time_scale: float = 1.0,
    clock: Callable[[], float] = time.monotonic,
) -> RequestBudget:
    """Return the process-wide budget for ``key`` (host, token digest), creating it once.

    Without ``store_url`` that is a :class:`RateBudget` scaled by ``share``. With one (a
    ``redis://`` or ``rediss://`` URL, or the id of an Airflow connection to Redis) it is a
    :class:`~airflow_provider_hex.hooks.budget_redis.RedisBudget` shared by every process
    that uses the token, standing in with the scaled in-process budget while Redis is out.

    The first caller's settings win; later callers share that budget. Groups of
    :data:`DOCUMENTED_HOURLY` given as a bare per-minute number get Hex's hourly limit too.
    A benchmark against a fast simulated clock calls this first with its ``time_scale``.
    """
    with _BUDGETS_LOCK:
        budget: RequestBudget | None = _BUDGETS.get(key)
        if budget is None:
            limits = _with_hourly(group_limits)
            local = RateBudget(
                requests_per_minute=requests_per_minute,
                group_limits=limits,
                headroom=headroom,
                burst=burst,
                share=share,
                time_scale=time_scale,
                clock=clock,
                name=key[0],
            )
            budget = local
            if store_url:
                from airflow_provider_hex.hooks.budget_redis import RedisBudget

                budget = RedisBudget(
                    store_url,
                    key=key,
                    limits=_with_global(requests_per_minute, limits),
                    headroom=headroom,
                    burst=burst,
                    fallback=local,
                    time_scale=time_scale,
                    clock=clock,
                )
            _BUDGETS[key] = budget
        return budget


def reset_budgets() -> None:
    """Forget every budget (for tests)."""
    with _BUDGETS_LOCK:
        budgets = list(_BUDGETS.values())
        _BUDGETS.clear()
    for budget in budgets:
        close = getattr(budget, "close", None)
        if close is not None:
            close()
