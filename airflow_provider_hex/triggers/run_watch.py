"""One wait for a Hex run, without I/O: when it is over, and the event it ends with.

Shared by :class:`~airflow_provider_hex.triggers.hex.HexRunTrigger` (async reads in the
triggerer) and the operator's poll loop in the worker (sync reads), so both ways of waiting
end with the same :class:`~airflow_provider_hex.runs.RunEvent`.
"""

from __future__ import annotations

import time
from typing import Any

from airflow_provider_hex.exceptions import (
    HexConnectionError,
    HexError,
    HexRateLimitError,
    HexResponseError,
    HexServerError,
)
from airflow_provider_hex.runs import EventKind, RunEvent, event_for_run, run_event
from airflow_provider_hex.triggers.polling import next_poll_interval
from airflow_provider_hex.types import ProjectRun

#: Errors that may go away on their own; waiting rides out a few of them in a row.
TRANSIENT_ERRORS: tuple[type[HexError], ...] = (
    HexConnectionError,
    HexServerError,
    HexRateLimitError,
    HexResponseError,
)
#: Seconds a deferral's timeout allows beyond the waiter's own deadline (runs, the sensor,
#: agent threads), so that the trigger, which enforces the deadline and cancels what it must,
#: always ends before Airflow times the deferral out.
DEFER_TIMEOUT_MARGIN = 120.0
#: How many transient errors in a row end the wait with an ``error`` event.
DEFAULT_MAX_TRANSIENT_ERRORS = 5


class RunWatch:
    """The bookkeeping of one wait for a run, without I/O.

    Shared by the trigger (async reads) and the worker's poll loop (sync reads): it decides
    when the wait is over and logs one line per status change.
    """

    def __init__(
        self,
        project_id: str,
        run_id: str,
        run_url: str | None,
        *,
        poll_interval: float,
        max_poll_interval: float,
        deadline: float | None,
        started_at: float | None,
        max_transient_errors: int,
        log: Any,
    ) -> None:
        self.project_id = project_id
        self.run_id = run_id
        self.run_url = run_url
        self.poll_interval = poll_interval
        self.max_poll_interval = max_poll_interval
        self.deadline = deadline
        self.started_at = time.time() if started_at is None else started_at
        self.max_transient_errors = max_transient_errors
        self.log = log
        self.last_status: str | None = None
        self.errors = 0

    def event(self, kind: EventKind, message: str, **extra: Any) -> RunEvent:
        """An event about this run."""
        return run_event(
            kind,
            project_id=self.project_id,
            run_id=self.run_id,
            run_url=self.run_url,
            message=message,
            **extra,
        )

    def remaining(self) -> float | None:
        """Seconds left before the deadline (None: no deadline)."""
        return None if self.deadline is None else self.deadline - time.time()

    def expired(self) -> bool:
        """Whether the deadline has passed."""
        left = self.remaining()
        return left is not None and left <= 0

    def timeout_message(self) -> str:
        """Say that the run did not finish in time."""
        waited = time.time() - self.started_at
        return f"Hex run {self.run_id} did not finish before its deadline ({waited:.0f}s waited)"

    def on_status(self, run: ProjectRun) -> RunEvent | None:
        """Take in a status read: the final event, or None while the run is active."""
        self.errors = 0
        self.run_url = run.get("runUrl") or self.run_url
        status = run.get("status")
        if status != self.last_status:
            self.log.info(
                "Hex run %s is %s (%.0fs waited): %s",
                self.run_id,
                status,
                time.time() - self.started_at,
                self.run_url,
            )
            self.last_status = status
        return event_for_run(self.project_id, self.run_id, self.run_url, run)

    def on_error(self, err: HexError) -> RunEvent | None:
        """Take in a failed read: an ``error`` event, or None to try again."""
        if not isinstance(err, TRANSIENT_ERRORS):
            return self.event("error", f"Cannot read Hex run {self.run_id}: {err}")
        self.errors += 1
        if self.errors > self.max_transient_errors:
            return self.event(
                "error",
                f"Gave up reading the status of Hex run {self.run_id} after {self.errors} "
                f"failed attempts in a row: {err}",
            )
        self.log.warning(
            "Reading Hex run %s failed (%d in a row, up to %d tolerated): %s",
            self.run_id,
            self.errors,
            self.max_transient_errors,
            err,
        )
        return None

    def interval(self) -> float:
        """The current poll interval, grown with the time waited."""
        return next_poll_interval(
            time.time() - self.started_at, self.poll_interval, max_interval=self.max_poll_interval
        )

    def next_interval(self) -> float:
        """Seconds to sleep before the next read (never past the deadline)."""
        interval, left = self.interval(), self.remaining()
        return interval if left is None else min(interval, max(0.0, left))
