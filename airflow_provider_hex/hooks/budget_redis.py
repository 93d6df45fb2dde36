"""The request budget kept in Redis, so every worker and triggerer on a token shares it.

Hex limits a token, not a process. With the connection extra ``rate_budget_url`` every
process that uses the token reserves its send times from one budget in Redis: the same
pacing rules as :class:`~airflow_provider_hex.hooks.budget.RateBudget` (per-minute buckets,
the hourly run-start window, per-group limits, the pause and halving after a 429, the
gradual recovery), applied by one Lua script per reservation, so a reservation reads and
charges every bucket it counts against atomically, on the Redis server's clock.

Keys: one hash (``hex-provider:budget:{<host>|<token digest>}``) and one list per hourly
window, named by the Hex host and a digest of the token, never the token. The braces keep a
budget's keys in one Redis Cluster slot. Keys expire when the budget goes unused for longer
than its longest window.

When the store fails (unreachable, refusing, slower than :data:`STORE_TIMEOUT`), requests
go on against the in-process fallback budget, scaled by the connection's
``rate_budget_share``; the first failure logs one warning per process, and the store is
tried again after :data:`RETRY_STORE_AFTER` seconds. A store problem never fails a request.

Why not ``limits`` or ``pyrate-limiter``: both keep windows in Redis, sync and async, but
they answer "may this request go now?" for one limit at a time. This budget needs to reserve
the earliest future slot across two or three limits at once (the global one, the group's
minute and hour limits) and to change every limit's rate together after a 429 and during
recovery. With those libraries a request would take a slot from the global limit and then
be refused by its group's, the callers would poll instead of sleeping until their slot, and
the shared pause and slow-down would need a second store of their own. One short script
keeps all of it in one atomic step.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from airflow_provider_hex.hooks.budget import (
    BURST,
    DEFAULT_PAUSE,
    HEADROOM,
    MIN_FACTOR,
    RECOVERY_PER_MINUTE,
    BudgetState,
    Limit,
    RateBudget,
    RequestBudget,
    hourly_count,
    minute_pacing,
)

if TYPE_CHECKING:
    import redis
    import redis.asyncio

__all__ = ["RETRY_STORE_AFTER", "STORE_TIMEOUT", "RedisBudget", "redacted_url"]

log = logging.getLogger("airflow_provider_hex.budget")

#: Seconds a store call may take (connecting or answering) before the fallback takes over.
STORE_TIMEOUT = 0.5
#: Seconds after a store failure before the store is tried again.
RETRY_STORE_AFTER = 30.0
#: Length of an hourly window, in budget seconds.
HOUR = 3600.0

# KEYS[1]: the budget's hash; KEYS[2..]: one list of send times per hourly window.
# ARGV: op ("reserve", "claim", "booked", "penalize" or "state"), time scale, pause (budget seconds,
# for "penalize"), recovery per minute, least factor, idle expiry (ms), number of minute
# buckets (the global one first), then name, rate (per budget second) and capacity of each,
# then for each hourly window (in KEYS order) its count limit and "1" if it is the group's.
# "claim" and "booked" are the two steps of RequestBudget.claim: "claim" charges only the
# group's limits when they, not the global one, hold the request back by more than a
# global interval; "booked" then takes a global slot within one interval, or nothing.
# Answers: wait (budget seconds), factor, pause left (budget seconds), done (1 or 0).
_SCRIPT = """
-- Writes after TIME need effects replication; the default from Redis 5, a no-op from 7.
redis.replicate_commands()
local t = redis.call('TIME')
local scale = tonumber(ARGV[2])
local now = (tonumber(t[1]) + tonumber(t[2]) / 1000000) * scale
local h = KEYS[1]
local s = redis.call('HMGET', h, 'factor', 'paused_until', 'recovered_at')
local factor = tonumber(s[1]) or 1
local paused = tonumber(s[2]) or 0
local recovered = tonumber(s[3]) or now
local since = math.max(recovered, paused)
if factor < 1 and now > since then
  factor = math.min(1, factor + tonumber(ARGV[4]) * (now - since) / 60)
end
recovered = math.max(recovered, now)
local op = ARGV[1]
local wait = 0
local done = 1
if op == 'penalize' then
  if now >= paused then
    factor = math.max(tonumber(ARGV[5]), factor / 2)
    redis.call('HINCRBY', h, 'penalties', 1)
  end
  redis.call('HINCRBY', h, 'rate_limited', 1)
  paused = math.max(paused, now + tonumber(ARGV[3]))
elseif op == 'reserve' or op == 'claim' or op == 'booked' then
  local n = tonumber(ARGV[7])
  local at = math.max(now, paused)
  if op == 'booked' then at = now end
  local shared = at
  local tats, intervals = {}, {}
  for i = 0, n - 1 do
    intervals[i] = 1 / (tonumber(ARGV[9 + 3 * i]) * factor)
    tats[i] = tonumber(redis.call('HGET', h, 'tat:' .. ARGV[8 + 3 * i])) or -math.huge
    local earliest = tats[i] - (tonumber(ARGV[10 + 3 * i]) - 1) * intervals[i]
    at = math.max(at, earliest)
    if i == 0 then shared = math.max(shared, earliest) end
  end
  local first = 8 + 3 * n
  for j = 2, #KEYS do
    local limit = tonumber(ARGV[first + 2 * (j - 2)])
    local count = redis.call('LLEN', KEYS[j])
    local earliest = at
    if count > 0 then
      earliest = tonumber(redis.call('LINDEX', KEYS[j], -1))
      if count >= limit then
        earliest = math.max(earliest,
          tonumber(redis.call('LINDEX', KEYS[j], count - limit)) + 3600)
      end
    end
    at = math.max(at, earliest)
    if ARGV[first + 2 * (j - 2) + 1] ~= '1' then shared = math.max(shared, earliest) end
  end
  local from = 0
  if op == 'booked' then
    -- the second step: a global slot within one interval, or nothing
    if at > now + intervals[0] then done = 0 end
    at = math.max(at, paused)
  elseif op == 'claim' and n > 1 and at > shared + intervals[0] then
    done = 0  -- the first step, held back by the group: charge the group's limits only
    from = 1
  end
  if done == 1 or op == 'claim' then
    for i = from, n - 1 do
      local tat = string.format('%.17g', math.max(tats[i], at) + intervals[i])
      redis.call('HSET', h, 'tat:' .. ARGV[8 + 3 * i], tat)
    end
    for j = 2, #KEYS do
      if done == 1 or ARGV[first + 2 * (j - 2) + 1] == '1' then
        local limit = tonumber(ARGV[first + 2 * (j - 2)])
        redis.call('RPUSH', KEYS[j], string.format('%.17g', at))
        redis.call('LTRIM', KEYS[j], -limit, -1)
        redis.call('PEXPIRE', KEYS[j], ARGV[6])
      end
    end
  else
    at = now
  end
  if done == 1 then redis.call('HINCRBY', h, 'granted', 1) end
  wait = at - now
end
redis.call('HSET', h, 'factor', string.format('%.17g', factor),
  'paused_until', string.format('%.17g', paused),
  'recovered_at', string.format('%.17g', recovered))
redis.call('PEXPIRE', h, ARGV[6])
return {string.format('%.17g', wait), string.format('%.17g', factor),
  string.format('%.17g', math.max(0, paused - now)), tostring(done)}
"""


def redacted_url(url: str) -> str:
    """``url`` without user or password, for log lines: ``redis://host:6379/0``."""
    if "://" not in url:
        return f"Airflow connection {url!r}"
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def _url_from_connection(conn: Any) -> str:
    """A Redis URL from an Airflow connection (host, port, login, password, extra db/ssl)."""
    from airflow_provider_hex.hooks.settings import connection_extra

    extra = connection_extra(conn)
    ssl = str(extra.get("ssl", "")).strip().lower() in ("true", "1", "yes", "on")
    auth = ""
    if conn.password:
        auth = f"{quote(conn.login or '', safe='')}:{quote(conn.password, safe='')}@"
    db = extra.get("db", conn.schema or 0) or 0
    return f"{'rediss' if ssl else 'redis'}://{auth}{conn.host}:{conn.port or 6379}/{db}"


class RedisBudget(RequestBudget):
    """One Hex token's budget in Redis, with an in-process fallback. Thread-safe.

    :param url: ``redis://[[user]:password@]host[:port][/db]`` (``rediss://`` for TLS), or the
        id of an Airflow connection to Redis (read when first needed).
    :param key: (Hex host, token digest): names the budget's keys.
    :param limits: the global limit (key ``None``) and each group's, as configured.
    :param fallback: the in-process budget (already scaled by the process's share) used
        while the store fails.
    :param time_scale: budget seconds per real second (see :mod:`.budget`).
    :param clock: real monotonic seconds (for the store retry and the cached pause).
    """

    def __init__(
        self,
        url: str,
        *,
        key: tuple[str, str],
        limits: Mapping[str | None, Limit],
        fallback: RateBudget,
        headroom: float = HEADROOM,
        burst: float = BURST,
        time_scale: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(clock=clock)
        self._url = url
        self.address = redacted_url(url)
        self.name = key[0]
        self.fallback = fallback
        fallback.reporting = False
        self.time_scale = time_scale
        host = urlsplit(key[0]).netloc or key[0]
        self.prefix = f"hex-provider:budget:{{{host}|{key[1]}}}"
        self._minute: dict[str | None, tuple[float, float]] = {}
        self._hour: dict[str | None, int] = {}
        for group, limit in limits.items():
            self._minute[group] = minute_pacing(limit.per_minute, headroom, burst)
            if limit.per_hour is not None:
                self._hour[group] = hourly_count(limit.per_hour, headroom)
        # Keys outlive the longest window they pace, then expire.
        self._expiry_ms = str(int((HOUR / time_scale + 60.0) * 1000))
        self._lock = threading.Lock()
        self._client: redis.Redis | None = None
        self._script: Any = None
        self._aclients: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, tuple[redis.asyncio.Redis, Any]
        ] = weakref.WeakKeyDictionary()
        self._pending: set[asyncio.Task[None]] = set()
        self._retry_at = float("-inf")
        self._warned = False
        self._down = False
        self._factor = 1.0
        self._pause_until = float("-inf")
        self.granted = 0
        self.waited = 0.0
        self.rate_limited = 0
        #: Requests answered by the fallback because the store failed.
        self.fallback_requests = 0

    # -- where the store is ----------------------------------------------------------------

    def _resolved(self, conn: Any = None) -> str:
        if "://" in self._url:
            return self._url
        if conn is None:
            from airflow_provider_hex._compat import BaseHook

            conn = BaseHook.get_connection(self._url)
        return _url_from_connection(conn)

    def _sync_script(self) -> Any:
        if self._script is None:
            import redis

            client = redis.Redis.from_url(
                self._resolved(),
                socket_timeout=STORE_TIMEOUT,
                socket_connect_timeout=STORE_TIMEOUT,
            )
            self._client = client
            self._script = client.register_script(_SCRIPT)
        return self._script

    async def _async_script(self) -> Any:
        loop = asyncio.get_running_loop()
        entry = self._aclients.get(loop)
        if entry is None:
            import redis.asyncio

            conn = None
            if "://" not in self._url:
                from airflow_provider_hex._compat import aget_connection

                conn = await aget_connection(self._url)
            client = redis.asyncio.Redis.from_url(
                self._resolved(conn),
                socket_timeout=STORE_TIMEOUT,
                socket_connect_timeout=STORE_TIMEOUT,
            )
            entry = (client, client.register_script(_SCRIPT))
            self._aclients[loop] = entry
        return entry[1]

    # -- script arguments and answers ------------------------------------------------------

    def _call(
        self, op: str, group: str | None = None, pause: float = 0.0
    ) -> tuple[list[str], list[Any]]:
        groups = (None,) if group is None else (None, group)
        minute = [(g, self._minute[g]) for g in groups if g in self._minute]
        reserving = op in ("reserve", "claim", "booked")
        hour = [(g, self._hour[g]) for g in groups if g in self._hour] if reserving else []
        keys = [self.prefix] + [f"{self.prefix}:hour:{g or 'global'}" for g, _ in hour]
        args: list[Any] = [
            op,
            repr(self.time_scale),
            repr(pause),
            repr(RECOVERY_PER_MINUTE),
            repr(MIN_FACTOR),
            self._expiry_ms,
            len(minute) if reserving else 0,
        ]
        if reserving:
            for g, (rate, capacity) in minute:
                args += [g or "global", repr(rate), repr(capacity)]
            for g, limit in hour:
                args += [limit, "0" if g is None else "1"]
        return keys, args

    def _answer(self, answer: list[Any]) -> tuple[float, bool]:
        wait, factor, pause, done = (float(value) for value in answer)
        now = self._clock()
        with self._lock:
            self._factor = factor
            # The store's pause only ever grows; a local 429 may have lengthened it already.
            self._pause_until = max(self._pause_until, now + pause / self.time_scale)
            was_down, self._down = self._down, False
        if was_down:
            log.info(
                "Hex request budget store %s is back; %s paces requests again",
                self.address,
                self.name,
            )
        return wait / self.time_scale, done == 1

    def _store_usable(self) -> bool:
        with self._lock:
            return self._clock() >= self._retry_at

    def _store_failed(self, error: Exception) -> None:
        with self._lock:
            self._retry_at = self._clock() + RETRY_STORE_AFTER
            self._down = True
            first, self._warned = not self._warned, True
        # The exception text of a Redis client can hold the URL; name only its type.
        reason = type(error).__name__
        if isinstance(error, ImportError):
            reason = "the redis package is missing: pip install 'airflow-provider-hex[redis]'"
        if first:
            log.warning(
                "Hex request budget store %s failed (%s); this process paces its requests "
                "to %s with its own share (%s) of the limits, and tries the store again in "
                "%.0fs. Later store failures are logged at debug level only.",
                self.address,
                reason,
                self.name,
                f"{self.fallback.share:g}",
                RETRY_STORE_AFTER,
            )
        else:
            log.debug("Hex request budget store %s failed (%s)", self.address, reason)

    def _granted(self, wait: float, done: bool = True) -> float:
        with self._lock:
            self.granted += done
            self.waited += wait
        self.report()
        return wait

    # -- the budget ------------------------------------------------------------------------

    def claim(self, group: str | None = None, *, booked: bool = False) -> tuple[float, bool]:
        """One step of :meth:`acquire` in Redis (or the fallback); see
        :meth:`RequestBudget.claim`."""
        if self._store_usable():
            try:
                keys, args = self._step(group, booked)
                wait, done = self._answer(self._sync_script()(keys=keys, args=args))
                return self._granted(wait, done), done
            except Exception as error:  # a budget problem never fails a request
                self._store_failed(error)
        return self._fall_back(*self.fallback.claim(group, booked=booked))

    async def aclaim(self, group: str | None = None, *, booked: bool = False) -> tuple[float, bool]:
        """Async :meth:`claim`, through ``redis.asyncio`` on the running loop."""
        if self._store_usable():
            try:
                keys, args = self._step(group, booked)
                script = await self._async_script()
                wait, done = self._answer(await script(keys=keys, args=args))
                return self._granted(wait, done), done
            except Exception as error:  # a budget problem never fails a request
                self._store_failed(error)
        return self._fall_back(*self.fallback.claim(group, booked=booked))

    def _step(self, group: str | None, booked: bool) -> tuple[list[str], list[Any]]:
        return self._call("booked", None) if booked else self._call("claim", group)

    def _fall_back(self, wait: float, done: bool) -> tuple[float, bool]:
        with self._lock:
            self.fallback_requests += done
        return self._granted(wait, done), done

    def reserve(self, group: str | None = None) -> float:
        """Reserve a slot in Redis (or the fallback); return the real seconds to wait."""
        if self._store_usable():
            try:
                keys, args = self._call("reserve", group)
                return self._granted(self._answer(self._sync_script()(keys=keys, args=args))[0])
            except Exception as error:  # a budget problem never fails a request
                self._store_failed(error)
        return self._fall_back(self.fallback.reserve(group), True)[0]

    async def areserve(self, group: str | None = None) -> float:
        """Async :meth:`reserve`, through ``redis.asyncio`` on the running loop."""
        if self._store_usable():
            try:
                keys, args = self._call("reserve", group)
                script = await self._async_script()
                return self._granted(self._answer(await script(keys=keys, args=args))[0])
            except Exception as error:  # a budget problem never fails a request
                self._store_failed(error)
        return self._fall_back(self.fallback.reserve(group), True)[0]

    def penalize(self, retry_after: float | None = None) -> None:
        """Record a 429 for every process: pause all of them and halve the shared rates.

        The fallback records it too. Called from a running event loop, the store is told
        by a task of that loop, so the loop never blocks on Redis.
        """
        self.fallback.penalize(retry_after)
        pause = DEFAULT_PAUSE if retry_after is None else retry_after * self.time_scale
        with self._lock:
            self.rate_limited += 1
            self._pause_until = max(self._pause_until, self._clock() + pause / self.time_scale)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is not None:
            task = loop.create_task(self.apenalize(retry_after, _counted=True))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)
            return
        if self._store_usable():
            try:
                keys, args = self._call("penalize", pause=pause)
                self._answer(self._sync_script()(keys=keys, args=args))
            except Exception as error:
                self._store_failed(error)
        self.report()

    async def apenalize(self, retry_after: float | None = None, *, _counted: bool = False) -> None:
        """Async :meth:`penalize`."""
        if not _counted:
            self.fallback.penalize(retry_after)
            with self._lock:
                self.rate_limited += 1
        pause = DEFAULT_PAUSE if retry_after is None else retry_after * self.time_scale
        if self._store_usable():
            try:
                keys, args = self._call("penalize", pause=pause)
                script = await self._async_script()
                self._answer(await script(keys=keys, args=args))
            except Exception as error:
                self._store_failed(error)
        self.report()

    def pause_left(self) -> float:
        """Real seconds left of the shared pause, as the store last told this process."""
        with self._lock:
            mine = max(0.0, self._pause_until - self._clock())
        if self._down:
            return max(mine, self.fallback.pause_left())
        return mine

    @property
    def factor(self) -> float:
        """Share of the configured rates in force, as the store last told this process."""
        return self.fallback.factor if self._down else self._factor

    def state(self) -> BudgetState:
        """The shared rates and pause as last read from the store, and this process's counts."""
        if self._down:
            state = self.fallback.state()
            state.store = f"{state.store}, standing in for {self.address}"
        else:
            with self._lock:
                factor = self._factor
            state = BudgetState(
                factor=factor,
                per_minute={
                    g or "global": rate * 60.0 * factor for g, (rate, _) in self._minute.items()
                },
                store=self.address,
            )
        with self._lock:
            state.pause_left = max(0.0, self._pause_until - self._clock())
            state.granted, state.waited = self.granted, self.waited
            state.rate_limited = self.rate_limited
        return state

    def read_store(self) -> dict[str, str]:
        """The budget's hash as kept in Redis (for tests and troubleshooting)."""
        self._sync_script()
        assert self._client is not None
        raw = self._client.hgetall(self.prefix)
        return {k.decode(): v.decode() for k, v in raw.items()}  # type: ignore[union-attr]

    def close(self) -> None:
        """Close the sync client (async clients close with their loops)."""
        if self._client is not None:
            self._client.close()  # type: ignore[no-untyped-call]
            self._client = None
            self._script = None
