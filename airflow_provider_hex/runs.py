"""How a Hex run's end becomes the task's result: one function for every way of waiting.

Waiting in the worker and waiting in the triggerer both end with the same event dict (see
:mod:`airflow_provider_hex.triggers.hex`); :func:`resolve_run_event` turns it into the task's
return value or the exception that fails the task.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from airflow.exceptions import AirflowException  # type: ignore[attr-defined]

from airflow_provider_hex._compat import AirflowFailException
from airflow_provider_hex.run_report import explain_run
from airflow_provider_hex.triggers.run_watch import event_for_run
from airflow_provider_hex.types import FAILURE_STATUSES, ProjectRun, RunStatus


class RunSummary(TypedDict):
    """What the run operator returns (its ``return_value`` XCom); JSON only."""

    project_id: str
    run_id: str
    run_url: str | None
    status: str
    start_time: str | None
    end_time: str | None
    elapsed_seconds: float | None
    project_version: int | str | None


@dataclass(frozen=True)
class RunRef:
    """The run a task is responsible for, as stored across retries.

    ``adopted`` marks a run the task found already going (``if_active="wait"``) rather than
    started: it is not cancelled on kill or timeout unless the task says so.
    """

    project_id: str
    run_id: str
    run_url: str | None = None
    adopted: bool = False

    def to_json(self) -> dict[str, str | bool | None]:
        """The reference as plain JSON (for the task state store)."""
        value: dict[str, str | bool | None] = {
            "project_id": self.project_id,
            "run_id": self.run_id,
            "run_url": self.run_url,
        }
        if self.adopted:
            value["adopted"] = True
        return value

    @classmethod
    def from_json(cls, value: Any) -> RunRef | None:
        """Read a stored reference back; None when the value is not one."""
        if not isinstance(value, Mapping):
            return None
        project_id, run_id = value.get("project_id"), value.get("run_id")
        if not isinstance(project_id, str) or not isinstance(run_id, str):
            return None
        url = value.get("run_url")
        return cls(
            project_id,
            run_id,
            url if isinstance(url, str) else None,
            adopted=value.get("adopted") is True,
        )


def summarize(
    ref: RunRef, run: Mapping[str, Any] | None, *, status: str | None = None
) -> RunSummary:
    """Build the run summary from a GetRunStatus payload (or what is known without one)."""
    run = run or {}
    elapsed_ms = run.get("elapsedTime")
    return RunSummary(
        project_id=ref.project_id,
        run_id=ref.run_id,
        run_url=run.get("runUrl") or ref.run_url,
        status=str(run.get("status") or status or ""),
        start_time=run.get("startTime"),
        end_time=run.get("endTime"),
        elapsed_seconds=None if elapsed_ms is None else round(float(elapsed_ms) / 1000.0, 3),
        project_version=run.get("projectVersion"),
    )


#: Cancels the run at the deadline; returns the run's status if it had already ended.
CancelAtTimeout = Callable[[RunRef], ProjectRun | None]


def resolve_run_event(
    event: Mapping[str, Any],
    *,
    cancel_on_timeout: bool,
    cancel: CancelAtTimeout,
    log: logging.Logger | Any,
) -> RunSummary:
    """Return the summary of a successful run, or raise what fails the task.

    * ``success``: the summary.
    * ``failed``: ``KILLED`` fails without retry (someone cancelled the run); ``ERRORED`` and
      ``UNABLE_TO_ALLOCATE_KERNEL`` fail with retries; an unknown status fails naming it.
    * ``timeout``: cancel the run (unless ``cancel_on_timeout`` is False or it is already
      cancelled) and fail; a run that ended just at the deadline is reported as it ended.
    * ``error``: fail with the message; when the waiter asks (``cancel_run``: it could not
      watch the run), cancel the run first, so that no run is left going unwatched.
    """
    kind = event.get("status")
    ref = RunRef(str(event.get("project_id")), str(event.get("run_id")), event.get("run_url"))
    run = event.get("run") or {}
    url = run.get("runUrl") or ref.run_url
    if kind == "success":
        return summarize(ref, run)
    if kind == "failed":
        status = run.get("status")
        lines = failure_lines(event)
        for line in lines:
            log.error("%s", line)
        details = "\n".join(lines)
        if status == RunStatus.KILLED:
            raise AirflowFailException(
                f"Hex run {ref.run_id} was cancelled (status KILLED); not retrying.\n{details}"
            )
        if status in FAILURE_STATUSES:
            raise AirflowException(f"Hex run {ref.run_id} ended with status {status}.\n{details}")
        raise AirflowException(
            f"Hex run {ref.run_id} reported an unknown status {status!r}; treating it as a "
            f"failure.\n{details}"
        )
    if kind == "timeout":
        if event.get("cancelled"):
            note = "the trigger cancelled the run"
        elif not cancel_on_timeout or event.get("left_running"):
            note = "the run was left running (cancel_on_timeout=False, or a run the task adopted)"
        else:
            try:
                ended = cancel(ref)
            except Exception as err:
                note = f"cancelling the run failed: {err}"
            else:
                final = None if ended is None else event_for_run(*_ids(ref), ended)
                if final is not None:
                    log.info("Hex run %s ended just as the timeout passed", ref.run_id)
                    return resolve_run_event(final, cancel_on_timeout=False, cancel=cancel, log=log)
                note = "the run was cancelled"
        raise AirflowException(
            f"Timed out waiting for Hex run: {event.get('message')}; {note}. Run: {url}"
        )
    if kind == "error":
        note = _cancel_unwatched(ref, cancel) if event.get("cancel_run") else ""
        raise AirflowException(f"{event.get('message')}{note}. Run: {url}")
    raise AirflowException(f"Unexpected event while waiting for Hex run {ref.run_id}: {event!r}")


def failure_lines(event: Mapping[str, Any]) -> list[str]:
    """The lines that explain a failed run: the event's own, else built from its run."""
    lines = event.get("explanation")
    if isinstance(lines, list) and lines and all(isinstance(line, str) for line in lines):
        return lines
    return explain_run(event.get("run") or {}, event.get("run_url"))


def _cancel_unwatched(ref: RunRef, cancel: CancelAtTimeout) -> str:
    """Cancel a run nothing can watch; say how that went."""
    try:
        ended = cancel(ref)
    except Exception as err:
        return f"; cancelling the run failed: {err}"
    if ended is not None:
        return f"; the run had already ended with status {ended.get('status')}"
    return "; the run was cancelled, since nothing could watch it"


def _ids(ref: RunRef) -> tuple[str, str, str | None]:
    return ref.project_id, ref.run_id, ref.run_url


def add_outlet_extra(
    context: Mapping[str, Any], outlets: Iterable[Any], summary: RunSummary
) -> None:
    """Record the run on the asset events of every Asset outlet."""
    from airflow.sdk import Asset

    events = context.get("outlet_events")
    if events is None:
        return
    extra = {
        "run_id": summary["run_id"],
        "run_url": summary["run_url"],
        "status": summary["status"],
        "elapsed_seconds": summary["elapsed_seconds"],
    }
    for outlet in outlets:
        if isinstance(outlet, Asset):
            events[outlet].extra.update(extra)
