"""What the run operator, the sensor and the trigger share about a Hex run.

* :class:`RunRef`: the run a task is responsible for (kept across retries).
* :class:`RunSummary`: what the operator and the sensor return.
* :class:`RunEvent`: the one event a wait for a run ends with, in the worker or in the
  triggerer. It is the plain JSON dict the trigger yields (events outlive a provider
  upgrade, so its keys do not change)::

    {"status": "success" | "failed" | "timeout" | "error", "project_id": ..., "run_id": ...,
     "run_url": ..., "run": <last GetRunStatus payload or None>, "message": ...,
     "cancelled": <whether the waiter cancelled the run>}

  A ``failed`` event also holds ``explanation`` (the lines of
  :func:`~airflow_provider_hex.run_report.explain_run`); a ``timeout`` event of a waiter told
  not to cancel holds ``left_running: True``; an ``error`` event about a run nothing can watch
  any longer (the triggerer could not read the connection) holds ``cancel_run: True``, asking
  the task, which can, to cancel it. Build events with :func:`run_event` or
  :func:`event_for_run`, read one back with :func:`parse_event`.
* :func:`resolve_run_event`: how an event becomes the task's result or the exception that
  fails it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, NotRequired, TypedDict, cast, get_args

from airflow.exceptions import AirflowException  # type: ignore[attr-defined]

from airflow_provider_hex._compat import AirflowFailException
from airflow_provider_hex.run_report import explain_run
from airflow_provider_hex.types import (
    ACTIVE_STATUSES,
    FAILURE_STATUSES,
    SUCCESS_STATUSES,
    ProjectRun,
    RunStatus,
)


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


#: How a wait for a run ended.
EventKind = Literal["success", "failed", "timeout", "error"]
EVENT_KINDS: tuple[EventKind, ...] = get_args(EventKind)


class RunEvent(TypedDict):
    """The one event a wait for a run ends with; plain JSON (see the module docstring)."""

    status: EventKind
    project_id: str
    run_id: str
    run_url: str | None
    run: dict[str, Any] | None
    message: str
    cancelled: bool
    explanation: NotRequired[list[str]]
    left_running: NotRequired[bool]
    cancel_run: NotRequired[bool]


def run_event(
    kind: EventKind,
    *,
    project_id: str,
    run_id: str,
    run_url: str | None,
    message: str,
    run: ProjectRun | Mapping[str, Any] | None = None,
    cancelled: bool = False,
    left_running: bool = False,
    cancel_run: bool = False,
) -> RunEvent:
    """Build the one event a wait ends with; refuses a kind that is not an event kind."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(EVENT_KINDS)}, got {kind!r}")
    event = RunEvent(
        status=kind,
        project_id=project_id,
        run_id=run_id,
        run_url=run_url,
        run=dict(run) if run is not None else None,
        message=message,
        cancelled=cancelled,
    )
    if kind == "failed":
        event["explanation"] = explain_run(run or {}, run_url)
    if left_running:
        event["left_running"] = True
    if cancel_run:
        event["cancel_run"] = True
    return event


def parse_event(value: Any) -> RunEvent:
    """Read an event back (from a trigger, possibly written by an older provider version).

    Raises ``ValueError`` naming what is wrong when ``value`` is not a run event.
    """
    if not isinstance(value, Mapping):
        raise ValueError(f"a run event is a dict, got {type(value).__name__}")
    if value.get("status") not in EVENT_KINDS:
        raise ValueError(
            f"a run event's status is one of {', '.join(EVENT_KINDS)}, got {value.get('status')!r}"
        )
    for key in ("project_id", "run_id"):
        if not isinstance(value.get(key), str):
            raise ValueError(f"a run event's {key} is a string, got {value.get(key)!r}")
    run = value.get("run")
    if run is not None and not isinstance(run, Mapping):
        raise ValueError(f"a run event's run is a dict or None, got {type(run).__name__}")
    return cast(RunEvent, dict(value))


def with_timeline(event: RunEvent, run: ProjectRun) -> RunEvent:
    """Return a ``failed`` event rebuilt from a fuller read of its run (with state events)."""
    fuller = RunEvent(**event)
    fuller["run"] = dict(run)
    fuller["explanation"] = explain_run(run, event.get("run_url"))
    return fuller


def event_for_run(
    project_id: str, run_id: str, run_url: str | None, run: ProjectRun
) -> RunEvent | None:
    """Return the event for a run that has ended, or None while it is still active.

    A status Hex did not document gives a ``failed`` event that names it, rather than a wait
    that never ends.
    """
    status = run.get("status")
    url = run.get("runUrl") or run_url
    if status in ACTIVE_STATUSES:
        return None
    if status in SUCCESS_STATUSES:
        kind: EventKind = "success"
        message = f"Hex run {run_id} completed"
    elif status in FAILURE_STATUSES:
        kind, message = "failed", f"Hex run {run_id} ended with status {status}"
    else:
        kind, message = "failed", f"Hex reported an unknown status {status!r} for run {run_id}"
    return run_event(
        kind, project_id=project_id, run_id=run_id, run_url=url, run=run, message=message
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
    try:
        event = parse_event(event)
    except ValueError as err:
        raise AirflowException(
            f"Unexpected event while waiting for Hex run {event.get('run_id')}: {event!r} ({err})"
        ) from None
    kind = event["status"]
    ref = RunRef(event["project_id"], event["run_id"], event.get("run_url"))
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
    else:  # "error"
        note = _cancel_unwatched(ref, cancel) if event.get("cancel_run") else ""
    raise AirflowException(f"{event.get('message')}{note}. Run: {url}")


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


__all__ = [
    "EVENT_KINDS",
    "EventKind",
    "RunEvent",
    "RunRef",
    "RunSummary",
    "add_outlet_extra",
    "event_for_run",
    "failure_lines",
    "parse_event",
    "resolve_run_event",
    "run_event",
    "summarize",
    "with_timeline",
]
