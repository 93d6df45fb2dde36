"""Schedule DAGs on Hex's own runs: an event trigger for ``AssetWatcher``.

:class:`HexProjectRunEventTrigger` watches one project's runs and yields one event per run
that finished since the watcher first started, filtered by what started the run (Hex's
``runTrigger``: ``SCHEDULED``, ``APP_REFRESH``, ``API``) and by its final status. Put it in
an asset's watchers and a DAG scheduled on that asset runs once per such run:

```python
hex_project_asset(project_id, host, watchers=[
    AssetWatcher(name="sales_refreshed", trigger=HexProjectRunEventTrigger(project_id)),
])
```

What the watcher has handed to Airflow is kept as a *watermark*, a small JSON object: the
lower bound it started from (``floor``), the latest end time seen (``watermark``) and the ids
of the runs that ended within :data:`LATE_WINDOW` seconds of it (``seen``), so a run whose
end Hex reports late is neither lost nor repeated. Where it is kept, and when:

- Airflow 3.3+ (in the triggerer): every watcher of one connection, project and poll
  interval shares one poll (a shared stream in ack mode), and the watermark is written to
  Airflow's asset state store once Airflow confirms that the events it covers are stored,
  about :data:`HEARTBEAT` seconds later. A triggerer killed at any other moment repeats
  nothing; killed inside that short window, it fires those runs once more after its
  restart. No run is ever lost.
- Airflow 3.0-3.2 (or wherever a trigger is run on its own): each watcher polls through the
  process-wide status reader, and keeps the watermark in an Airflow Variable
  (``hex_watcher__<project id>__<digest>``), written :data:`COMMIT_DELAY` seconds after the
  events it covers were handed to the triggerer. A triggerer killed in that window fires
  those runs again after its restart: at least once, never lossy as long as Airflow stores
  an event within that delay (it takes about a second).

All reads go through :class:`~airflow_provider_hex.triggers.polling.RunStatusReader`, so
they share GetProjectRuns answers with the run triggers of the same connection and draw from
the process's request budget.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
import weakref
from collections.abc import AsyncIterator, Hashable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

from airflow_provider_hex.exceptions import HexError, HexInvalidArgumentError
from airflow_provider_hex.triggers.polling import get_status_reader
from airflow_provider_hex.triggers.run_watch import TRANSIENT_ERRORS
from airflow_provider_hex.types import TERMINAL_STATUSES, ProjectRun, RunStatus, RunTrigger
from airflow_provider_hex.validation import require_uuid

if TYPE_CHECKING:
    from airflow.triggers.shared_stream import AdvanceItem, SharedStreamProducer

__all__ = [
    "COMMIT_DELAY",
    "DEFAULT_POLL_INTERVAL",
    "DEFAULT_RUN_TRIGGERS",
    "DEFAULT_STATUSES",
    "LATE_WINDOW",
    "HexProjectRunEventTrigger",
    "run_payload",
]

#: Runs started by Hex's scheduler: what a watcher reports unless told otherwise.
DEFAULT_RUN_TRIGGERS: tuple[str, ...] = (RunTrigger.SCHEDULED.value,)
#: Final statuses a watcher reports unless told otherwise.
DEFAULT_STATUSES: tuple[str, ...] = (RunStatus.COMPLETED.value,)
#: Default seconds between two reads of the project's runs.
DEFAULT_POLL_INTERVAL = 60.0
#: Seconds behind the latest end time seen within which a run Hex reports late still fires.
LATE_WINDOW = 600.0
#: Seconds after handing events to the triggerer before the standalone watcher records them.
COMMIT_DELAY = 30.0
#: Longest wait between two reads after errors, in seconds.
MAX_BACKOFF = 300.0
#: Seconds between the empty beats of a shared stream. A watcher records a listing's
#: watermark when it moves past it, so beats keep that close behind Airflow's confirmation
#: (and keep Airflow from failing a watcher that sat on one event for its ack timeout).
HEARTBEAT = 2.0
#: Most run ids a watermark remembers.
_MAX_SEEN = 1000
_STATE_VERSION = 1

_SUBSCRIBERS: dict[Hashable, weakref.WeakSet[HexProjectRunEventTrigger]] = {}


def _parse_time(value: Any) -> datetime | None:
    """A Hex timestamp (ISO 8601, ``Z`` or offset) as an aware UTC datetime, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _require_since(since: Any) -> str | None:
    if since is None:
        return None
    moment = since if isinstance(since, datetime) else _parse_time(since)
    if moment is None:
        raise HexInvalidArgumentError(
            "since", since, "expected an ISO 8601 timestamp such as 2026-01-31T06:00:00Z"
        )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return _iso(moment)


def _require_values(argument: str, values: Any, allowed: Iterable[str]) -> list[str]:
    allowed = sorted(str(value) for value in allowed)
    items = [values] if isinstance(values, str) else list(values or ())
    if not items:
        raise HexInvalidArgumentError(argument, values, f"expected one or more of {allowed}")
    chosen = set()
    for item in items:
        text = str(getattr(item, "value", item)).upper()
        if text not in allowed:
            raise HexInvalidArgumentError(argument, item, f"expected one of {allowed}")
        chosen.add(text)
    return sorted(chosen)


def run_payload(run: ProjectRun, project_id: str) -> dict[str, Any]:
    """The event payload of one finished run (plain JSON)."""
    start, end = _parse_time(run.get("startTime")), _parse_time(run.get("endTime"))
    elapsed_ms = run.get("elapsedTime")
    if isinstance(elapsed_ms, int | float):
        elapsed: float | None = round(elapsed_ms / 1000.0, 3)
    elif start is not None and end is not None:
        elapsed = (end - start).total_seconds()
    else:
        elapsed = None
    return {
        "project_id": run.get("projectId") or project_id,
        "run_id": run.get("runId"),
        "run_url": run.get("runUrl"),
        "status": run.get("status"),
        "run_trigger": run.get("runTrigger"),
        "start_time": run.get("startTime"),
        "end_time": run.get("endTime"),
        "elapsed_seconds": elapsed,
        "project_version": run.get("projectVersion"),
    }


class _Store(Protocol):
    """Where a watcher keeps its watermark."""

    async def load(self) -> dict[str, Any] | None: ...

    async def save(self, state: dict[str, Any]) -> None: ...


class _AssetStateStore:
    """The watermark in Airflow 3.3's asset state store, under ``key``, for every watched asset.

    Several assets may share one trigger (same kwargs); each holds a copy, and the least
    advanced copy is the one read, so no asset misses a run.
    """

    def __init__(self, accessors: Any, key: str) -> None:
        self._accessors = accessors
        self.key = key

    def _each(self) -> list[Any]:
        by_name = getattr(self._accessors, "_by_name", None)
        by_uri = getattr(self._accessors, "_by_uri", None)
        if isinstance(by_name, dict) and isinstance(by_uri, dict):
            return [*by_name.values(), *by_uri.values()] or [self._accessors]
        return [self._accessors]

    async def load(self) -> dict[str, Any] | None:
        # An asset added to the watcher later has no copy yet: it goes on from the others'.
        states = [await accessor.aget(self.key) for accessor in self._each()]
        return _least_advanced([state for state in states if isinstance(state, dict)])

    async def save(self, state: dict[str, Any]) -> None:
        for accessor in self._each():
            await accessor.aset(self.key, state)


class _VariableStore:
    """The watermark in an Airflow Variable (Airflow 3.0-3.2), read and written through the
    triggerer's supervisor from the event loop (see :mod:`airflow_provider_hex._supervisor`)."""

    def __init__(self, key: str) -> None:
        self.key = key

    async def load(self) -> dict[str, Any] | None:
        from airflow.sdk.execution_time.comms import ErrorResponse, GetVariable

        from airflow_provider_hex._supervisor import ask_supervisor

        answer = await ask_supervisor(GetVariable(key=self.key))
        if isinstance(answer, ErrorResponse):
            if "NOT_FOUND" in str(getattr(answer, "error", "")).upper():
                return None
            raise RuntimeError(f"reading Variable {self.key} failed: {answer}")
        value = getattr(answer, "value", None)
        if value is None:
            return None
        state = json.loads(value) if isinstance(value, str) else value
        return state if isinstance(state, dict) else None

    async def save(self, state: dict[str, Any]) -> None:
        from airflow.sdk.execution_time.comms import PutVariable

        from airflow_provider_hex._supervisor import ask_supervisor

        await ask_supervisor(
            PutVariable(
                key=self.key,
                value=json.dumps(state, sort_keys=True),
                description="Watermark of a Hex project run watcher (airflow-provider-hex).",
            )
        )


def _least_advanced(states: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    if not states:
        return None
    return min(states, key=lambda s: s.get("watermark") or s.get("floor") or "")


class HexProjectRunEventTrigger(BaseEventTrigger):
    """Yield one event per finished run of a Hex project: the trigger of an ``AssetWatcher``.

    The event's payload (``payload`` in the asset event's extra) is :func:`run_payload`:
    ``project_id``, ``run_id``, ``run_url``, ``status``, ``run_trigger``, ``start_time``,
    ``end_time``, ``elapsed_seconds`` and ``project_version``.

    :param project_id: the project's UUID.
    :param hex_conn_id: the Airflow connection to Hex.
    :param run_triggers: what started the runs to report: ``"SCHEDULED"`` (Hex's scheduler,
        the default), ``"APP_REFRESH"``, ``"API"``, or a list of them.
    :param statuses: the final statuses to report (default ``"COMPLETED"``); any of
        ``COMPLETED``, ``ERRORED``, ``KILLED``, ``UNABLE_TO_ALLOCATE_KERNEL``.
    :param since: report runs that ended at or after this moment (an ISO 8601 string or an
        aware datetime) when the watcher first starts, instead of only those that end after
        it started. Reaches back as far as the project's newest 100 runs.
    :param poll_interval: seconds between two reads of the project's runs.
    """

    def __init__(
        self,
        project_id: str,
        *,
        hex_conn_id: str = "hex_default",
        run_triggers: str | Iterable[str] | None = DEFAULT_RUN_TRIGGERS,
        statuses: str | Iterable[str] | None = DEFAULT_STATUSES,
        since: str | datetime | None = None,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.project_id = require_uuid("project_id", project_id).lower()
        if not isinstance(hex_conn_id, str) or not hex_conn_id:
            raise HexInvalidArgumentError("hex_conn_id", hex_conn_id, "expected a connection id")
        self.hex_conn_id = hex_conn_id
        triggers = (t.value for t in RunTrigger if t is not RunTrigger.ALL)
        self.run_triggers = _require_values(
            "run_triggers", DEFAULT_RUN_TRIGGERS if run_triggers is None else run_triggers, triggers
        )
        self.statuses = _require_values(
            "statuses", DEFAULT_STATUSES if statuses is None else statuses, TERMINAL_STATUSES
        )
        self.since = _require_since(since)
        try:
            interval = float(poll_interval)
        except (TypeError, ValueError):
            interval = float("nan")
        if not interval > 0 or interval == float("inf"):
            raise HexInvalidArgumentError("poll_interval", poll_interval, "expected seconds > 0")
        self.poll_interval = interval
        self._store: _Store | None = None
        self._pending: dict[int, dict[str, Any]] = {}
        self._committed: dict[str, Any] | None = None

    # ------------------------------------------------------------------ identity
    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Return the class path and the plain-JSON kwargs that rebuild this trigger.

        Deterministic (they identify the watcher) and free of secrets and of the time.
        """
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "project_id": self.project_id,
                "hex_conn_id": self.hex_conn_id,
                "run_triggers": list(self.run_triggers),
                "statuses": list(self.statuses),
                "since": self.since,
                "poll_interval": self.poll_interval,
            },
        )

    @property
    def state_key(self) -> str:
        """The watermark's key: the project id and a digest of the watcher's kwargs."""
        _, kwargs = self.serialize()
        digest = hashlib.sha256(json.dumps(kwargs, sort_keys=True).encode()).hexdigest()[:16]
        return f"hex_watcher__{self.project_id}__{digest}"

    def matches(self, run: ProjectRun) -> bool:
        """Whether a finished run is one this watcher reports."""
        return run.get("runTrigger") in self.run_triggers and run.get("status") in self.statuses

    # ------------------------------------------------------------------ watermark
    def baseline(self, runs: Iterable[ProjectRun]) -> dict[str, Any]:
        """The first watermark: from ``since``, else past every run finished by now."""
        if self.since is not None:
            return {"v": _STATE_VERSION, "floor": self.since, "watermark": self.since, "seen": {}}
        ended = [(end, run["runId"]) for run, end in _finished(runs)]
        if not ended:
            return {"v": _STATE_VERSION, "floor": None, "watermark": None, "seen": {}}
        latest = max(end for end, _ in ended)
        seen = {rid: _iso(end) for end, rid in ended if end >= latest - _late()}
        return {"v": _STATE_VERSION, "floor": _iso(latest), "watermark": _iso(latest), "seen": seen}

    def take(
        self, state: dict[str, Any], runs: Iterable[ProjectRun]
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """Return the events for the runs of a listing not yet reported, and the new state.

        A run counts once, in end-time order, if it ended at or after ``floor``, no earlier
        than :data:`LATE_WINDOW` before the latest end seen, and is not among ``seen``.
        """
        floor = _parse_time(state.get("floor"))
        mark = _parse_time(state.get("watermark"))
        seen: dict[str, str] = dict(state.get("seen") or {})
        events: list[dict[str, Any]] = []
        for run, end in sorted(_finished(runs), key=lambda pair: (pair[1], pair[0]["runId"])):
            if run["runId"] in seen or (floor is not None and end < floor):
                continue
            if mark is not None and end < mark - _late():
                continue
            seen[run["runId"]] = _iso(end)
            mark = end if mark is None else max(mark, end)
            if self.matches(run):
                events.append(run_payload(run, self.project_id))
        if mark is not None:
            oldest = mark - _late()
            seen = {rid: at for rid, at in seen.items() if _parse_time(at) >= oldest}  # type: ignore[operator]
            if len(seen) > _MAX_SEEN:
                seen = dict(sorted(seen.items(), key=lambda item: item[1])[-_MAX_SEEN:])
        new_state = {
            "v": _STATE_VERSION,
            "floor": state.get("floor"),
            "watermark": None if mark is None else _iso(mark),
            "seen": seen,
        }
        return events, new_state

    def _get_store(self) -> _Store:
        if self._store is None:
            accessors = getattr(self, "asset_state_store", None)
            if accessors is not None:
                self._store = _AssetStateStore(accessors, self.state_key)
            else:
                self._store = _VariableStore(self.state_key)
        return self._store

    async def _load(self) -> dict[str, Any] | None:
        """Read the watermark, retrying until the store answers (a guess could lose runs)."""
        wait = 1.0
        while True:
            try:
                state = await self._get_store().load()
            except Exception as err:
                self.log.warning("Cannot read the watermark %s yet: %s", self.state_key, err)
                await asyncio.sleep(wait)
                wait = min(MAX_BACKOFF, wait * 2)
                continue
            self._committed = state
            return state

    async def _save(self, state: dict[str, Any]) -> bool:
        if state == self._committed:
            return True
        try:
            await self._get_store().save(state)
        except Exception as err:
            self.log.warning("Cannot record the watermark %s: %s", self.state_key, err)
            return False
        self._committed = state
        return True

    def _step(
        self, state: dict[str, Any] | None, runs: list[ProjectRun]
    ) -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, Any] | None]:
        """Events, the state after them, and on the first listing the baseline to record at
        once (it covers no event, so recording it early cannot lose one)."""
        if state is not None:
            events, state = self.take(state, runs)
            return events, state, None
        baseline = self.baseline(runs)
        if self.since is not None:  # the runs since then are events, recorded after them
            events, state = self.take(baseline, runs)
            return events, state, baseline
        self.log.info(
            "Watching Hex project %s for %s runs that end %s from now on",
            self.project_id,
            "/".join(self.run_triggers),
            "/".join(self.statuses),
        )
        return [], baseline, baseline

    def _log_events(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            self.log.info(
                "Hex run %s of project %s ended %s (%s): %s",
                event["run_id"],
                self.project_id,
                event["status"],
                event["run_trigger"],
                event["run_url"],
            )

    # ------------------------------------------------------------------ standalone
    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Poll the project's runs forever; one event per newly finished matching run.

        Used on Airflow 3.0-3.2, and wherever the trigger is not in a shared stream. The
        watermark is recorded :data:`COMMIT_DELAY` seconds after the events it covers were
        yielded (at least once: a crash in between repeats them).
        """
        state = await self._load()
        pending: list[tuple[float, dict[str, Any]]] = []
        failures = 0
        next_read = 0.0
        while True:
            if time.monotonic() >= next_read:
                try:
                    runs = await self._read()
                except HexError as err:
                    failures += 1
                    next_read = time.monotonic() + self._on_error(err, failures)
                else:
                    failures = 0
                    next_read = time.monotonic() + self.poll_interval
                    events, state, baseline = self._step(state, runs)
                    while baseline is not None and not await self._save(baseline):
                        await asyncio.sleep(self.poll_interval)
                    pending.append((time.monotonic(), state))
                    self._log_events(events)
                    for event in events:
                        yield TriggerEvent(event)  # type: ignore[no-untyped-call]
            pending = await self._commit_due(pending)
            wake = next_read if not pending else min(next_read, pending[0][0] + COMMIT_DELAY)
            await asyncio.sleep(max(0.0, wake - time.monotonic()))

    async def _commit_due(
        self, pending: list[tuple[float, dict[str, Any]]]
    ) -> list[tuple[float, dict[str, Any]]]:
        due = [entry for entry in pending if time.monotonic() - entry[0] >= COMMIT_DELAY]
        if due and await self._save(due[-1][1]):
            return [entry for entry in pending if entry not in due]
        return pending

    async def _read(self) -> list[ProjectRun]:
        reader = get_status_reader(self.hex_conn_id)
        return await reader.recent_runs(self.project_id, max_age=self.poll_interval / 2)

    def _on_error(self, err: HexError, failures: int) -> float:
        """Log a failed read and return the seconds to wait before the next one."""
        wait = min(MAX_BACKOFF, self.poll_interval * float(2 ** min(failures - 1, 10)))
        transient = isinstance(err, TRANSIENT_ERRORS)
        if not transient:
            wait = max(wait, min(MAX_BACKOFF, self.poll_interval * 5))
        self.log.log(
            logging.WARNING if transient else logging.ERROR,
            "Reading the runs of Hex project %s failed (%d in a row); next try in %.1fs: %s",
            self.project_id,
            failures,
            wait,
            err,
        )
        return wait

    # ------------------------------------------------------------------ shared (3.3+)
    def shared_stream_key(self) -> Hashable | None:
        """Share one poll with every watcher of this connection, project and interval."""
        return _stream_key(self.hex_conn_id, self.project_id, self.poll_interval)

    @classmethod
    def create_shared_stream_producer(cls, kwargs: dict[str, Any]) -> SharedStreamProducer:
        """The poll shared by a stream's watchers (ack mode: watermarks follow persistence)."""
        return _make_producer(kwargs)

    async def filter_shared_stream(
        self, shared_stream: AsyncIterator[Any]
    ) -> AsyncIterator[TriggerEvent]:
        """Turn the shared listings into this watcher's events.

        Each listing's resulting watermark waits in memory until Airflow confirms that the
        events derived from it were stored; the shared poll then records it
        (:meth:`commit_through`).
        """
        key = self.shared_stream_key()
        _SUBSCRIBERS.setdefault(key, weakref.WeakSet()).add(self)
        try:
            state = await self._load()
            async for beat in shared_stream:
                runs = beat.get("runs")
                if runs is None:  # a heartbeat: nothing new, nothing to record
                    continue
                events, state, baseline = self._step(state, runs)
                if baseline is not None:
                    await self._save(baseline)
                self._pending[int(beat["seq"])] = state
                self._log_events(events)
                for event in events:
                    yield TriggerEvent(event)  # type: ignore[no-untyped-call]
        finally:
            subscribers = _SUBSCRIBERS.get(key)
            if subscribers is not None:
                subscribers.discard(self)
                if not subscribers:
                    _SUBSCRIBERS.pop(key, None)

    async def commit_through(self, seq: int) -> None:
        """Record the watermark of the latest listing up to ``seq`` (its events are stored)."""
        done = [n for n in self._pending if n <= seq]
        if not done:
            return
        state = self._pending[max(done)]
        if await self._save(state):
            for n in done:
                del self._pending[n]


def _late() -> timedelta:
    return timedelta(seconds=LATE_WINDOW)


def _finished(runs: Iterable[ProjectRun]) -> list[tuple[ProjectRun, datetime]]:
    """The runs that have ended, with their end time (runs without one are skipped)."""
    found = []
    for run in runs:
        end = _parse_time(run.get("endTime"))
        if run.get("status") in TERMINAL_STATUSES and end is not None and run.get("runId"):
            found.append((run, end))
    return found


def _stream_key(hex_conn_id: str, project_id: str, poll_interval: float) -> tuple[str, ...]:
    return ("hex-project-runs", hex_conn_id, project_id, repr(float(poll_interval)))


def _make_producer(kwargs: dict[str, Any]) -> SharedStreamProducer:
    from airflow.triggers.shared_stream import SharedStreamProducer

    class _ProjectRunsProducer(SharedStreamProducer):
        """One poll of a project's runs for every watcher of a shared stream.

        Yields ``{"seq": n, "runs": [...]}`` per listing and ``{"seq": n, "runs": None}``
        beats in between; once every watcher has moved past a listing and its events are
        stored, :meth:`advance` has each watcher record its watermark up to it.
        """

        def __init__(self) -> None:
            self.hex_conn_id = str(kwargs.get("hex_conn_id") or "hex_default")
            self.project_id = str(kwargs["project_id"])
            self.poll_interval = float(kwargs.get("poll_interval") or DEFAULT_POLL_INTERVAL)
            self.key = _stream_key(self.hex_conn_id, self.project_id, self.poll_interval)
            self.seq = 0
            self.stalled = False

        async def open_stream(self) -> AsyncIterator[tuple[Any, Any]]:
            probe = HexProjectRunEventTrigger(
                self.project_id, hex_conn_id=self.hex_conn_id, poll_interval=self.poll_interval
            )
            failures = 0
            next_read = 0.0
            while True:
                now = time.monotonic()
                if now >= next_read:
                    try:
                        runs: list[ProjectRun] | None = await probe._read()
                    except HexError as err:
                        failures += 1
                        next_read = time.monotonic() + probe._on_error(err, failures)
                        runs = None
                    else:
                        failures = 0
                        next_read = time.monotonic() + self.poll_interval
                else:
                    runs = None
                self.seq += 1
                yield {"seq": self.seq, "runs": runs}, self.seq
                await asyncio.sleep(max(0.0, min(HEARTBEAT, next_read - time.monotonic())))

        async def advance(self, batch: Sequence[AdvanceItem]) -> None:
            upto = None
            for item in batch:
                if item.outcome.failed:
                    # A watcher failed before its events were stored: record nothing more in
                    # this poll, so its next start (from the last watermark) repeats them.
                    self.stalled = True
                if self.stalled:
                    break
                upto = int(item.broker_payload)
            if upto is None:
                return
            for watcher in list(_SUBSCRIBERS.get(self.key, ())):
                await watcher.commit_through(upto)

    return _ProjectRunsProducer()
