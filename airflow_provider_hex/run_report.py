"""What Hex knows about a run that did not complete, in a few lines for the task log.

:func:`explain_run` turns a GetRunStatus payload (with its ``stateEvents`` when it was read
with ``expanded_stats=True``) into lines such as::

    Hex run 78c33d18-... ended ERRORED after 41.2s (project version 3, started by API).
    Timeline: PENDING 14:02:07Z (2.0s) -> RUNNING 14:02:09Z (39.2s) -> ERRORED 14:02:48Z
    Notifications delivered: FAILURE to user Ana Analyst, FAILURE to Slack channel data-team
    Run: https://app.hex.tech/app/.../runs/...

The run operator logs these lines and puts them in the exception that fails the task; the
trigger puts them in the event it yields, so they survive the trip back to the worker.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

__all__ = ["explain_run"]

#: What a failed status means, as far as Hex documents it.
_MEANING = {
    "ERRORED": "the run failed; the run page shows the cell that raised the error",
    "KILLED": "the run was cancelled, in Hex or through the API",
    "UNABLE_TO_ALLOCATE_KERNEL": "Hex could not give the run a kernel; no cell ran",
}
#: Most state events shown; a longer timeline keeps its first and last ones.
MAX_TIMELINE_EVENTS = 8
_RECIPIENT_KINDS = {"USER": "user", "GROUP": "group", "SLACK_CHANNEL": "Slack channel"}


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _clock(moment: datetime | None, raw: Any) -> str:
    if moment is None:
        return str(raw)
    return moment.strftime("%H:%M:%SZ") if moment.utcoffset() is not None else str(raw)


def _seconds(value: float) -> str:
    return f"{value:.1f}s" if value < 120 else f"{value / 60:.1f}min"


def _headline(run: Mapping[str, Any]) -> str:
    status = run.get("status")
    elapsed = run.get("elapsedTime")
    took = "" if elapsed is None else f" after {_seconds(float(elapsed) / 1000.0)}"
    about = []
    if run.get("projectVersion") is not None:
        about.append(f"project version {run['projectVersion']}")
    if run.get("runTrigger"):
        about.append(f"started by {run['runTrigger']}")
    detail = f" ({', '.join(about)})" if about else ""
    meaning = _MEANING.get(str(status))
    tail = f": {meaning}." if meaning else "."
    run_id = run.get("runId") or "(id unknown)"
    return f"Hex run {run_id} ended {status or 'with no status'}{took}{detail}{tail}"


def _timeline(events: Sequence[Any]) -> str | None:
    """One line for the state events: each state, when it began and how long it lasted."""
    steps: list[tuple[str, datetime | None, Any]] = []
    for event in events:
        if not isinstance(event, Mapping):
            continue
        kind, value = event.get("type"), event.get("value")
        label = str(value) if kind in (None, "STATUS_CHANGE") else f"{kind}={value}"
        steps.append((label, _parse_time(event.get("timestamp")), event.get("timestamp")))
    if not steps:
        return None
    steps.sort(key=lambda step: (step[1] is None, step[1] or datetime.min))
    parts = []
    for index, (label, moment, raw) in enumerate(steps):
        text = f"{label} {_clock(moment, raw)}"
        following = steps[index + 1][1] if index + 1 < len(steps) else None
        if moment is not None and following is not None:
            text += f" ({_seconds((following - moment).total_seconds())})"
        parts.append(text)
    if len(parts) > MAX_TIMELINE_EVENTS:
        keep = MAX_TIMELINE_EVENTS // 2
        skipped = len(parts) - 2 * keep
        parts = [*parts[:keep], f"... {skipped} more ...", *parts[-keep:]]
    return "Timeline: " + " -> ".join(parts)


def _times(run: Mapping[str, Any]) -> str | None:
    start, end = run.get("startTime"), run.get("endTime")
    if not start and not end:
        return None
    return f"Started {start or 'never (no kernel)'}, ended {end or 'unknown'}."


def _notifications(recipients: Sequence[Any]) -> str | None:
    delivered = []
    for item in recipients:
        if not isinstance(item, Mapping):
            continue
        who = item.get("recipient")
        who = who if isinstance(who, Mapping) else {}
        kind = _RECIPIENT_KINDS.get(str(item.get("recipientType")), "recipient")
        name = who.get("name") or who.get("id") or "?"
        delivered.append(f"{item.get('type')} to {kind} {name}")
    return "Notifications delivered: " + ", ".join(delivered) if delivered else None


def explain_run(run: Mapping[str, Any], run_url: str | None = None) -> list[str]:
    """Describe how a run ended, in a few readable lines (no secrets: Hex sends none here).

    :param run: a GetRunStatus payload; ``stateEvents`` give the timeline when present.
    :param run_url: the run's page, used when the payload has no ``runUrl``.
    """
    lines = [_headline(run)]
    events = run.get("stateEvents")
    timeline = _timeline(events) if isinstance(events, list) else None
    lines.append(timeline or _times(run) or "Hex sent no timing for this run.")
    recipients = run.get("notifications")
    notes = _notifications(recipients) if isinstance(recipients, list) else None
    if notes:
        lines.append(notes)
    url = run.get("runUrl") or run_url
    if url:
        lines.append(f"Run: {url}")
    return lines
