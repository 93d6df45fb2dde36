"""How often, and through which calls, waiting triggers read run status.

:func:`next_poll_interval` stretches the wait between polls as a run gets older, so a
six-hour run costs far fewer requests than six hours / poll interval.

:class:`RunStatusReader` is shared by every trigger of one Hex connection in one event loop
(see :func:`get_status_reader`). Triggers ask it for a run's status instead of calling the
hook themselves, and it answers as cheaply as it can:

1. from a recent GetProjectRuns answer for the run's project (younger than ``max_age``);
2. else from one GetProjectRuns listing shared by every trigger of that project that asks
   while the listing waits for the request budget or is under way. A listing reads the
   newest 100 runs, and further pages of 100 while runs the reader is waiting on are still
   missing (up to ``max_pages``): a page answers for up to 100 waiting runs at once;
3. else, for a run the listing does not reach (an older run, pushed out by newer ones),
   from GetRunStatus.

Every call goes through the hook, hence through the process's shared request budget.
Errors of a shared call reach every trigger waiting for it, except a 4xx refusal of
GetProjectRuns, after which the project's runs are read one by one for a while. A 429 that
outlasts the hook's retries is sat out (the budget slows down) rather than raised, for up
to ``rate_limit_patience`` seconds.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, cast

from airflow_provider_hex.exceptions import (
    HexAPIError,
    HexInvalidArgumentError,
    HexRateLimitError,
)
from airflow_provider_hex.types import TERMINAL_STATUSES

if TYPE_CHECKING:
    from airflow_provider_hex.hooks.hex import HexHook
    from airflow_provider_hex.types import ProjectRun

#: Default growth of the poll interval: this many times the base interval per minute waited.
DEFAULT_GROWTH = 0.1
#: Default longest wait between two polls, in seconds.
DEFAULT_MAX_POLL_INTERVAL = 60.0
#: Default age, in seconds, up to which a shared GetProjectRuns answer is reused.
DEFAULT_CACHE_TTL = 5.0
#: Runs one GetProjectRuns call asks for (Hex's largest page).
PAGE_SIZE = 100
#: Default most pages one listing reads while waiting runs are still missing from it.
DEFAULT_MAX_PAGES = 10
#: Default seconds a read sits out rate limiting before it gives up.
DEFAULT_RATE_LIMIT_PATIENCE = 900.0
#: GetProjectRuns refusals after which a project's runs are read one by one, and for how long.
_REFUSALS = frozenset({400, 403, 404, 422})
_NO_BATCH_SECONDS = 600.0
_MAX_NOTES = 100_000


def next_poll_interval(
    elapsed: float,
    base: float,
    *,
    max_interval: float = DEFAULT_MAX_POLL_INTERVAL,
    growth: float = DEFAULT_GROWTH,
) -> float:
    """Return the seconds to wait before the next poll of a run that has waited ``elapsed``.

    The interval grows linearly with the time waited, ``base x (1 + growth x minutes)``,
    and never exceeds ``max(base, max_interval)``. With the defaults and ``base=10``: 10 s
    at first, 15 s after 5 minutes, 20 s after 10, 40 s after 30 and 60 s from 50 minutes
    on, so a six-hour run costs about 420 polls instead of 2,160. ``growth=0`` keeps
    polling every ``base`` seconds.
    """
    for name, value in (("elapsed", elapsed), ("max_interval", max_interval)):
        if not math.isfinite(value):
            raise HexInvalidArgumentError(name, value, "expected a finite number of seconds")
    if not math.isfinite(base) or base <= 0:
        raise HexInvalidArgumentError("base", base, "expected seconds above zero")
    if not math.isfinite(growth) or growth < 0:
        raise HexInvalidArgumentError("growth", growth, "expected zero or more")
    interval = base * (1.0 + growth * max(0.0, elapsed) / 60.0)
    return min(max(base, max_interval), interval)


@dataclass
class ReaderStats:
    """What a reader did: the calls it made and how it answered reads."""

    batches: int = 0
    """GetProjectRuns calls made."""
    fallbacks: int = 0
    """GetRunStatus calls made for runs no shared answer listed."""
    cache_hits: int = 0
    """Reads answered from a recent shared answer, without a call."""
    batch_reads: int = 0
    """Reads answered by a GetProjectRuns call they waited for (made or joined)."""
    rate_limited: int = 0
    """Times a read sat out a 429 that outlasted the hook's retries."""


@dataclass
class _Answer:
    """One GetProjectRuns answer: when its call was begun and returned, and its runs."""

    started: float
    fetched: float
    runs: dict[str, ProjectRun] = field(default_factory=dict)


@dataclass
class _Note:
    """What the reader remembers of a waiting run."""

    first_read: float
    uncovered: bool = False


class RunStatusReader:
    """Read run statuses for the triggers of one Hex connection in one event loop.

    :param hex_conn_id: the Airflow connection; one hook serves every read.
    :param cache_ttl: seconds a GetProjectRuns answer is reused by reads that give no
        ``max_age``.
    :param page_size: runs asked for in one GetProjectRuns call (1-100).
    :param max_pages: most GetProjectRuns pages one listing reads while runs that triggers
        wait on are still missing from it.
    :param rate_limit_patience: seconds a read sits out rate limiting before raising.
    :param clock: monotonic seconds (inject a fake one in tests).
    """

    def __init__(
        self,
        hex_conn_id: str,
        *,
        cache_ttl: float = DEFAULT_CACHE_TTL,
        page_size: int = PAGE_SIZE,
        max_pages: int = DEFAULT_MAX_PAGES,
        rate_limit_patience: float = DEFAULT_RATE_LIMIT_PATIENCE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.hex_conn_id = hex_conn_id
        self.cache_ttl = cache_ttl
        self.page_size = page_size
        self.max_pages = max(1, max_pages)
        self.rate_limit_patience = rate_limit_patience
        self.stats = ReaderStats()
        self._clock = clock
        self._answers: dict[str, _Answer] = {}
        self._inflight: dict[str, asyncio.Task[_Answer]] = {}
        self._notes: OrderedDict[str, _Note] = OrderedDict()
        self._waiting: dict[str, set[str]] = {}
        self._no_batch_until: dict[str, float] = {}

    def __repr__(self) -> str:
        return f"RunStatusReader(hex_conn_id={self.hex_conn_id!r})"

    @cached_property
    def hook(self) -> HexHook:
        """The hook every read of this reader goes through."""
        from airflow_provider_hex.hooks.hex import HexHook

        return HexHook(self.hex_conn_id)

    async def read(
        self,
        project_id: str,
        run_id: str,
        run_url: str | None = None,
        *,
        max_age: float | None = None,
    ) -> ProjectRun:
        """Return a run's current status, sharing calls with the other waiting triggers.

        :param max_age: oldest shared answer (seconds) acceptable; ``cache_ttl`` if None.
            A trigger polling every ``n`` seconds can pass a fraction of ``n``.
        """
        give_up = self._clock() + self.rate_limit_patience
        self._waiting.setdefault(project_id, set()).add(run_id)
        while True:
            try:
                run = await self._read(project_id, run_id, run_url, max_age)
            except HexRateLimitError as error:
                if self._clock() >= give_up:
                    raise
                self.stats.rate_limited += 1
                await asyncio.sleep(self._rate_limit_wait(error))
                continue
            if run.get("status") in TERMINAL_STATUSES:
                self._notes.pop(run_id, None)
                self._forget_waiting(project_id, run_id)
            return cast("ProjectRun", dict(run))

    async def _read(
        self, project_id: str, run_id: str, run_url: str | None, max_age: float | None
    ) -> ProjectRun:
        now = self._clock()
        note = self._note(run_id, now)
        if not note.uncovered and self._no_batch_until.get(project_id, -math.inf) <= now:
            ttl = self.cache_ttl if max_age is None else max_age
            answer = self._answers.get(project_id)
            stale = answer is None or now - answer.fetched > ttl
            if answer is not None and not stale and run_id in answer.runs:
                self.stats.cache_hits += 1
                return answer.runs[run_id]
            if stale or (answer is not None and answer.started < note.first_read):
                try:
                    answer = await self._batch(project_id)
                except HexAPIError as error:
                    if error.status not in _REFUSALS:
                        raise
                    self._no_batch_until[project_id] = self._clock() + _NO_BATCH_SECONDS
                    answer = None
                if answer is not None and run_id in answer.runs:
                    self.stats.batch_reads += 1
                    return answer.runs[run_id]
            if answer is not None and answer.started >= note.first_read:
                note.uncovered = True  # listed after we knew of it, yet not among the newest
        self.stats.fallbacks += 1
        return await self.hook.aget_run_status(project_id, run_id, run_url=run_url)

    async def recent_runs(
        self, project_id: str, *, max_age: float | None = None
    ) -> list[ProjectRun]:
        """Return the project's newest runs (one GetProjectRuns page), newest first.

        Shares the listing with every trigger of this reader that reads the project's runs
        (run triggers and watchers alike): an answer younger than ``max_age`` (``cache_ttl``
        if None) is reused, and a listing under way is joined. Errors are raised; a 429 is
        not sat out here (the caller backs off and keeps going).
        """
        ttl = self.cache_ttl if max_age is None else max_age
        answer = self._answers.get(project_id)
        if answer is not None and self._clock() - answer.fetched <= ttl:
            self.stats.cache_hits += 1
        else:
            answer = await self._batch(project_id)
            self.stats.batch_reads += 1
        return [cast("ProjectRun", dict(run)) for run in answer.runs.values()]

    def _forget_waiting(self, project_id: str, run_id: str) -> None:
        waiting = self._waiting.get(project_id)
        if waiting is not None:
            waiting.discard(run_id)
            if not waiting:
                del self._waiting[project_id]

    def _note(self, run_id: str, now: float) -> _Note:
        note = self._notes.get(run_id)
        if note is None:
            note = self._notes[run_id] = _Note(first_read=now)
            if len(self._notes) > _MAX_NOTES:
                self._notes.popitem(last=False)
        return note

    async def _batch(self, project_id: str) -> _Answer:
        """Join the project's GetProjectRuns call under way, or begin one."""
        task = self._inflight.get(project_id)
        if task is None:
            coroutine = self._fetch(project_id, self._clock())
            task = asyncio.get_running_loop().create_task(coroutine)
            self._inflight[project_id] = task
            task.add_done_callback(lambda done: self._finished(project_id, done))
        # A cancelled trigger must not cancel the call the others wait for.
        return await asyncio.shield(task)

    def _finished(self, project_id: str, task: asyncio.Task[_Answer]) -> None:
        if self._inflight.get(project_id) is task:
            del self._inflight[project_id]
        if not task.cancelled():
            task.exception()  # retrieved here, so a batch nobody awaits any more is quiet

    async def _fetch(self, project_id: str, started: float) -> _Answer:
        """List the project's newest runs, page after page while waited-on runs are missing."""
        wanted = set(self._waiting.get(project_id, ()))
        runs: dict[str, ProjectRun] = {}
        offset = 0
        for _ in range(self.max_pages):
            self.stats.batches += 1
            page = await self.hook.aget_project_runs(
                project_id, limit=self.page_size, offset=offset
            )
            runs.update((run["runId"], run) for run in page["values"])
            if wanted <= runs.keys() or not page["after"] or not page["values"]:
                break
            offset = int(page["after"])
        answer = _Answer(started, self._clock(), runs)
        current = self._answers.get(project_id)
        if current is None or current.started <= started:
            self._answers[project_id] = answer
        return answer

    def _rate_limit_wait(self, error: HexRateLimitError) -> float:
        budget = self.hook.transport.budget
        if budget is None:
            return error.retry_after if error.retry_after is not None else 1.0
        budget.penalize(error.retry_after)
        return max(0.01, budget.pause_left())


_READERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, RunStatusReader]] = (
    weakref.WeakKeyDictionary()
)
_UNBOUND: dict[str, RunStatusReader] = {}
_LOCK = threading.Lock()


def get_status_reader(hex_conn_id: str) -> RunStatusReader:
    """Return the reader for a connection id in the running event loop, made on first use.

    Readers are per loop because their shared calls are asyncio tasks of that loop; call
    this from the trigger's ``run()``. Outside a loop one reader per connection is kept.
    """
    try:
        loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    with _LOCK:
        readers = _UNBOUND if loop is None else _READERS.setdefault(loop, {})
        reader = readers.get(hex_conn_id)
        if reader is None:
            reader = readers[hex_conn_id] = RunStatusReader(hex_conn_id)
        return reader


def reset_status_readers() -> None:
    """Forget every reader (for tests)."""
    with _LOCK:
        _READERS.clear()
        _UNBOUND.clear()
