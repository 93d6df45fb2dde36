"""Wait in the triggerer for Hex's agent to finish working on a thread's prompt.

:class:`HexThreadTrigger` reads the thread (GetThread) until its status is no longer
``RUNNING``, the deadline passes, or reading keeps failing, and ends with exactly one event.
:class:`ThreadWatch` holds that decision without I/O, so the operator's wait in the worker
ends the same way::

    {"status": "answered" | "failed" | "timeout" | "error", "thread_id": ..., "url": ...,
     "thread": <the last GetThread answer's status, response and error, or None>,
     "message": ..., "state": <the operator's resume state, handed back unchanged>}

Hex has no API to cancel a thread, so nothing here cancels anything: a deadline only ends
the wait, and the agent may still finish on its own. The serialized trigger holds the
connection id, never the token; every read goes through the hook and so through the
process's shared request budget.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_hex.exceptions import HexError
from airflow_provider_hex.output_types import Thread, ThreadStatus
from airflow_provider_hex.triggers.run_watch import DEFAULT_MAX_TRANSIENT_ERRORS, TRANSIENT_ERRORS

ThreadEventKind = Literal["answered", "failed", "timeout", "error"]


def thread_event(
    kind: ThreadEventKind,
    *,
    thread_id: str,
    url: str | None,
    message: str,
    thread: Thread | None = None,
    state: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Build the one event a wait for a thread ends with (plain JSON only)."""
    kept = None
    if thread is not None:
        kept = {key: thread.get(key) for key in ("status", "response", "error", "title")}
    return {
        "status": kind,
        "thread_id": thread_id,
        "url": url,
        "thread": kept,
        "message": message,
        "state": dict(state or {}),
    }


@dataclass
class ThreadWatch:
    """One wait for a thread's answer: when it is over and the event it ends with.

    :param deadline: absolute end of the wait (epoch seconds), or None for no limit.
    :param state: what the waiting task needs when it resumes (returned in the event).
    """

    thread_id: str
    url: str | None
    deadline: float | None = None
    max_transient_errors: int = DEFAULT_MAX_TRANSIENT_ERRORS
    state: dict[str, Any] = field(default_factory=dict)
    errors_in_a_row: int = 0

    def event(
        self, kind: ThreadEventKind, message: str, thread: Thread | None = None
    ) -> dict[str, Any]:
        """The event this wait ends with."""
        return thread_event(
            kind,
            thread_id=self.thread_id,
            url=self.url,
            message=message,
            thread=thread,
            state=self.state,
        )

    def expired(self) -> bool:
        """Whether the deadline has passed."""
        return self.deadline is not None and time.time() >= self.deadline

    def remaining(self) -> float | None:
        """Seconds until the deadline (None: no deadline)."""
        return None if self.deadline is None else max(0.0, self.deadline - time.time())

    def on_thread(self, thread: Thread) -> dict[str, Any] | None:
        """The event for a thread that is done, or None while the agent still works."""
        self.errors_in_a_row = 0
        self.url = thread.get("url") or self.url
        status = thread.get("status")
        if status == ThreadStatus.RUNNING:
            return None
        if status == ThreadStatus.IDLE:
            return self.event(
                "answered", f"Hex's agent answered in thread {self.thread_id}", thread
            )
        error = thread.get("error") or {}
        return self.event(
            "failed",
            f"Hex's agent failed in thread {self.thread_id} ({status}): "
            f"{error.get('type', 'no error type')}: {error.get('message', 'no message')} "
            f"({self.url})",
            thread,
        )

    def on_error(self, err: HexError) -> dict[str, Any] | None:
        """The event for a failed read, or None to keep waiting (a transient error)."""
        if isinstance(err, TRANSIENT_ERRORS):
            self.errors_in_a_row += 1
            if self.errors_in_a_row < self.max_transient_errors:
                return None
        return self.event("error", f"Could not read Hex thread {self.thread_id}: {err}")

    def timeout_message(self) -> str:
        """What a wait that ran out of time says (Hex cannot cancel threads)."""
        return (
            f"Hex's agent was still working on thread {self.thread_id} when the timeout ran "
            f"out; threads cannot be cancelled through Hex's API, so it may still answer: "
            f"{self.url}"
        )


class HexThreadTrigger(BaseTrigger):
    """Poll an agent thread until the agent is done, the deadline passes or reads keep failing.

    Cancel-free: Hex cannot cancel a thread, so stopping this trigger (a user marking the
    task failed, a timeout) only stops waiting.

    :param thread_id: the thread's UUID.
    :param hex_conn_id: the Airflow connection to Hex.
    :param poll_interval: seconds between two reads.
    :param deadline: absolute end of the wait (epoch seconds), or None for no limit.
    :param url: the thread's page in Hex, quoted in events.
    :param state: plain-JSON state handed back in the event (the operator's resume state).
    :param max_transient_errors: transient errors in a row before the wait ends in error.
    """

    def __init__(
        self,
        thread_id: str,
        *,
        hex_conn_id: str = "hex_default",
        poll_interval: float = 5.0,
        deadline: float | None = None,
        url: str | None = None,
        state: dict[str, Any] | None = None,
        max_transient_errors: int = DEFAULT_MAX_TRANSIENT_ERRORS,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.thread_id = thread_id
        self.hex_conn_id = hex_conn_id
        self.poll_interval = float(poll_interval)
        self.deadline = None if deadline is None else float(deadline)
        self.url = url
        self.state = dict(state or {})
        self.max_transient_errors = int(max_transient_errors)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Return the class path and the plain-JSON kwargs that rebuild this trigger."""
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "thread_id": self.thread_id,
                "hex_conn_id": self.hex_conn_id,
                "poll_interval": self.poll_interval,
                "deadline": self.deadline,
                "url": self.url,
                "state": self.state,
                "max_transient_errors": self.max_transient_errors,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Read the thread until it is done and yield exactly one event."""
        watch = ThreadWatch(
            self.thread_id,
            self.url,
            deadline=self.deadline,
            max_transient_errors=self.max_transient_errors,
            state=self.state,
        )
        try:
            event = await self._wait(watch)
        except Exception as err:  # a surprise still ends the wait with one event
            event = watch.event("error", f"Waiting for Hex thread {self.thread_id} failed: {err!r}")
        yield TriggerEvent(event)  # type: ignore[no-untyped-call]

    async def _wait(self, watch: ThreadWatch) -> dict[str, Any]:
        from airflow_provider_hex.hooks.hex import HexHook

        hook = HexHook(self.hex_conn_id)
        while True:
            if watch.expired():
                return watch.event("timeout", watch.timeout_message())
            try:
                thread = await asyncio.wait_for(
                    hook.aget_thread(self.thread_id), timeout=watch.remaining()
                )
            except TimeoutError:
                continue  # the deadline passed during the read
            except HexError as err:
                event = watch.on_error(err)
            else:
                event = watch.on_thread(thread)
            if event is not None:
                return event
            left = watch.remaining()
            await asyncio.sleep(
                self.poll_interval if left is None else min(self.poll_interval, left)
            )


__all__ = ["HexThreadTrigger", "ThreadWatch", "thread_event"]
