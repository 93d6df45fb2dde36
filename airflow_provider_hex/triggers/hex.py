"""Wait for a Hex project run in the triggerer, without holding a worker slot.

:class:`HexRunTrigger` polls a run through the process-wide status reader of
:mod:`airflow_provider_hex.triggers.polling` and ends with exactly one
:class:`~airflow_provider_hex.runs.RunEvent`, as plain JSON (its bookkeeping,
:mod:`airflow_provider_hex.triggers.run_watch`, is shared with the worker's poll loop).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from airflow.exceptions import AirflowNotFoundException  # type: ignore[attr-defined]
from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_hex.exceptions import (
    HexError,
)
from airflow_provider_hex.runs import RunEvent, with_timeline
from airflow_provider_hex.triggers.polling import get_status_reader
from airflow_provider_hex.triggers.run_watch import DEFAULT_MAX_TRANSIENT_ERRORS, RunWatch
from airflow_provider_hex.types import (
    ProjectRun,
)

#: Seconds a cancel request may take at the deadline or on kill.
CANCEL_TIMEOUT = 60.0

# Airflow 3.3 calls BaseTrigger.on_kill() when a user acts on the deferred task; older
# versions only cancel the trigger, so cleanup() has to find out why (see there).
_HAS_TRIGGER_ON_KILL = callable(getattr(BaseTrigger, "on_kill", None))
# Task states a user's action leaves a deferred task in (mark failed/success, clear).
_USER_ENDED_STATES = frozenset({"success", "failed", "skipped", "removed", "restarting", None})


class HexRunTrigger(BaseTrigger):
    """Poll a Hex run until it ends, the deadline passes or polling keeps failing.

    :param project_id: the project's UUID.
    :param run_id: the run's UUID.
    :param hex_conn_id: the Airflow connection to Hex.
    :param poll_interval: seconds between polls at first; the wait grows as the run ages.
    :param max_poll_interval: longest wait between two polls, in seconds.
    :param deadline: absolute end of the wait (epoch seconds), or None for no limit. It is
        absolute so that a triggerer restart does not extend it.
    :param run_url: the run's page in Hex, quoted in events and errors.
    :param cancel_on_timeout: cancel the run when the deadline passes.
    :param started_at: when waiting began (epoch seconds); the poll interval grows from it.
    :param cancel_on_kill: cancel the run when a user marks the deferred task failed or
        success, or clears it (False for a sensor watching someone else's run).
    :param max_transient_errors: transient errors in a row (after the hook's own retries)
        before the wait ends with an ``error`` event.
    """

    def __init__(
        self,
        project_id: str,
        run_id: str,
        *,
        hex_conn_id: str = "hex_default",
        poll_interval: float = 5.0,
        max_poll_interval: float = 60.0,
        deadline: float | None = None,
        run_url: str | None = None,
        cancel_on_timeout: bool = True,
        started_at: float | None = None,
        cancel_on_kill: bool = True,
        max_transient_errors: int = DEFAULT_MAX_TRANSIENT_ERRORS,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.project_id = project_id
        self.run_id = run_id
        self.hex_conn_id = hex_conn_id
        self.poll_interval = float(poll_interval)
        self.max_poll_interval = float(max_poll_interval)
        self.deadline = None if deadline is None else float(deadline)
        self.run_url = run_url
        self.cancel_on_timeout = bool(cancel_on_timeout)
        self.started_at = None if started_at is None else float(started_at)
        self.cancel_on_kill = bool(cancel_on_kill)
        self.max_transient_errors = int(max_transient_errors)
        self._ended = False

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Return the class path and the plain-JSON kwargs that rebuild this trigger."""
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "project_id": self.project_id,
                "run_id": self.run_id,
                "hex_conn_id": self.hex_conn_id,
                "poll_interval": self.poll_interval,
                "max_poll_interval": self.max_poll_interval,
                "deadline": self.deadline,
                "run_url": self.run_url,
                "cancel_on_timeout": self.cancel_on_timeout,
                "started_at": self.started_at,
                "cancel_on_kill": self.cancel_on_kill,
                "max_transient_errors": self.max_transient_errors,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Poll the run and yield exactly one event."""
        watch = RunWatch(
            self.project_id,
            self.run_id,
            self.run_url,
            poll_interval=self.poll_interval,
            max_poll_interval=self.max_poll_interval,
            deadline=self.deadline,
            started_at=self.started_at,
            max_transient_errors=self.max_transient_errors,
            log=self.log,
        )
        try:
            event = await self._wait(watch)
            if event["status"] == "failed":
                event = await self._with_timeline(event)
        except AirflowNotFoundException:
            event = watch.event(
                "error", self._unreadable_connection_message(), cancel_run=self.cancel_on_kill
            )
        except Exception as err:  # a surprise still ends the wait with one event
            event = watch.event("error", f"Waiting for Hex run {self.run_id} failed: {err!r}")
        self._ended = True
        yield TriggerEvent(event)  # type: ignore[no-untyped-call]

    def _unreadable_connection_message(self) -> str:
        """Say that this process cannot read the connection, and where it must be defined."""
        from airflow_provider_hex.hooks.hints import env_var_name

        return (
            f"The triggerer could not read the Hex connection {self.hex_conn_id!r}, so it "
            f"cannot watch Hex run {self.run_id}. Under dag.test() or `airflow dags test`, "
            "Airflow runs the wait in line, where a connection stored only in the metadata "
            f"database cannot be read: define it in the environment variable "
            f"{env_var_name(self.hex_conn_id)} (or a secrets backend), or wait in the worker "
            "with deferrable=False. In a deployment, the connection must be readable where "
            "the triggerer runs"
        )

    async def _wait(self, watch: RunWatch) -> RunEvent:
        reader = get_status_reader(self.hex_conn_id)
        while True:
            if watch.expired():
                return await self._on_deadline(watch)
            try:
                # A status shared with other triggers may be up to half an interval old.
                read = reader.read(
                    self.project_id, self.run_id, watch.run_url, max_age=watch.interval() / 2
                )
                run = await asyncio.wait_for(read, timeout=watch.remaining())
            except TimeoutError:
                continue  # the deadline passed during the read
            except HexError as err:
                event = watch.on_error(err)
            else:
                event = watch.on_status(run)
            if event is not None:
                return event
            await asyncio.sleep(watch.next_interval())

    async def _with_timeline(self, event: RunEvent) -> RunEvent:
        """Read a failed run once more with its state events, to explain the failure.

        One request per failed run; if it fails, the event keeps what the last read said.
        """
        hook = get_status_reader(self.hex_conn_id).hook
        try:
            run = await asyncio.wait_for(
                hook.aget_run_status(
                    self.project_id, self.run_id, run_url=self.run_url, expanded_stats=True
                ),
                timeout=CANCEL_TIMEOUT,
            )
        except Exception as err:
            self.log.warning("Could not read the timeline of Hex run %s: %s", self.run_id, err)
            return event
        return with_timeline(event, run)

    async def _on_deadline(self, watch: RunWatch) -> RunEvent:
        message = watch.timeout_message()
        if not self.cancel_on_timeout:
            return watch.event("timeout", message, left_running=True)
        self.run_url = watch.run_url
        try:
            ended = await self._cancel()
        except Exception as err:
            return watch.event("timeout", f"{message} (cancelling it failed: {err})")
        if ended is not None:  # it ended just as time ran out: report how it ended
            event = watch.on_status(ended)
            if event is not None:
                return event
        return watch.event("timeout", message, cancelled=True)

    async def _cancel(self) -> ProjectRun | None:
        """Cancel the run; return its status instead if Hex says it has already ended.

        Uses the status reader's hook, whose connection was read while polling: fetching it
        again here, as the trigger stops, would ask Airflow's supervisor from a thread, which
        can crash a 3.0-3.2 triggerer (see :mod:`airflow_provider_hex._supervisor`).
        """
        hook = get_status_reader(self.hex_conn_id).hook
        ended = await asyncio.wait_for(
            hook.acancel_or_read_run(self.project_id, self.run_id, run_url=self.run_url),
            timeout=CANCEL_TIMEOUT,
        )
        if ended is None:
            self.log.info("Cancelled Hex run %s: %s", self.run_id, self.run_url)
        return ended

    async def on_kill(self) -> None:
        """Cancel the run: a user marked the deferred task failed or success, or cleared it."""
        if self.cancel_on_kill and not self._ended:
            self.log.info("The task was stopped by a user; cancelling Hex run %s", self.run_id)
            await self._cancel()

    async def cleanup(self) -> None:
        """On Airflow before 3.3, cancel the run if a user (not a restart) stopped the wait.

        Cleanup runs on every exit, triggerer restarts and redistribution included, so it
        cancels only when the task instance has really left the deferred state through a
        user's action (failed, success, skipped, cleared). Airflow 3.3+ calls
        :meth:`on_kill` for that instead, and this does nothing there.
        """
        if _HAS_TRIGGER_ON_KILL or self._ended or not self.cancel_on_kill:
            return
        try:
            found, state = await self._task_state()
            if found and state in _USER_ENDED_STATES:
                self.log.info("The task is now %s; cancelling Hex run %s", state, self.run_id)
                await self._cancel()
        except Exception as err:  # cleanup errors are swallowed by Airflow: say what failed
            self.log.warning("Could not check or cancel Hex run %s: %s", self.run_id, err)

    async def _task_state(self) -> tuple[bool, str | None]:
        """Ask Airflow for this trigger's task instance state: (found, state)."""
        ti: Any = self.task_instance
        if ti is None:
            return False, None
        from airflow.sdk.execution_time.comms import GetTaskStates

        from airflow_provider_hex._supervisor import ask_supervisor

        map_index = getattr(ti, "map_index", -1)
        answer = await ask_supervisor(
            GetTaskStates(
                dag_id=ti.dag_id,
                task_ids=[ti.task_id],
                run_ids=[ti.run_id],
                map_index=map_index if map_index >= 0 else None,
            )
        )
        states = getattr(answer, "task_states", None) or {}
        by_task = states.get(ti.run_id) or {}
        key = ti.task_id if map_index < 0 else f"{ti.task_id}_{map_index}"
        if key not in by_task:
            return False, None
        state = by_task[key]
        return True, None if state is None else str(getattr(state, "value", state))


class HexWaitTrigger(BaseTrigger):
    """Wait until a moment (epoch seconds), then hand ``payload`` back to the task.

    Used when there is nothing to poll yet: a run start Hex refused (429, kernel limit), or a
    sensor waiting for a project's first run. The event carries ``payload`` (plain JSON), so
    the task's resume state survives even where a deferral's ``kwargs`` are not kept.
    """

    def __init__(self, until: float, payload: dict[str, Any] | None = None) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.until = float(until)
        self.payload = dict(payload or {})

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Return the class path and the plain-JSON kwargs that rebuild this trigger."""
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {"until": self.until, "payload": self.payload},
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Sleep until the moment (in steps, so a changed clock is noticed), then fire once."""
        while (left := self.until - time.time()) > 0:
            await asyncio.sleep(min(left, 60.0))
        yield TriggerEvent(self.payload)  # type: ignore[no-untyped-call]


__all__ = [
    "HexRunTrigger",
    "HexWaitTrigger",
]
