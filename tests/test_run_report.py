"""explain_run: the lines that describe how a run ended, from whatever Hex sent."""

from __future__ import annotations

from typing import Any

from airflow_provider_hex.run_report import MAX_TIMELINE_EVENTS, explain_run

URL = "https://app.hex.tech/app/p/runs/r"


def payload(**extra: Any) -> dict[str, Any]:
    run: dict[str, Any] = {
        "runId": "r-1",
        "status": "ERRORED",
        "projectVersion": "7",
        "runTrigger": "SCHEDULED",
        "runUrl": URL,
        "startTime": "2026-01-01T10:00:02Z",
        "endTime": "2026-01-01T10:01:00Z",
        "elapsedTime": 58000,
    }
    return run | extra


def status_events(*steps: tuple[str, str]) -> list[dict[str, str]]:
    return [{"type": "STATUS_CHANGE", "value": v, "timestamp": t} for v, t in steps]


def test_headline_timeline_and_url() -> None:
    events = status_events(
        ("PENDING", "2026-01-01T10:00:00Z"),
        ("RUNNING", "2026-01-01T10:00:02Z"),
        ("ERRORED", "2026-01-01T10:01:00Z"),
    )

    lines = explain_run(payload(stateEvents=events))

    assert lines == [
        "Hex run r-1 ended ERRORED after 58.0s (project version 7, started by SCHEDULED): "
        "the run failed; the run page shows the cell that raised the error.",
        "Timeline: PENDING 10:00:00Z (2.0s) -> RUNNING 10:00:02Z (58.0s) -> ERRORED 10:01:00Z",
        f"Run: {URL}",
    ]


def test_without_state_events_the_start_and_end_are_given() -> None:
    lines = explain_run(payload(status="UNABLE_TO_ALLOCATE_KERNEL", startTime=None))

    assert "Hex could not give the run a kernel" in lines[0]
    assert lines[1] == "Started never (no kernel), ended 2026-01-01T10:01:00Z."


def test_other_event_types_are_named_and_long_timelines_are_cut() -> None:
    events = [
        {"type": "CELL", "value": f"cell-{n}", "timestamp": f"2026-01-01T10:00:{n:02d}Z"}
        for n in range(MAX_TIMELINE_EVENTS + 4)
    ]

    (_, timeline, _) = explain_run(payload(stateEvents=events))

    assert timeline.startswith("Timeline: CELL=cell-0 10:00:00Z (1.0s)")
    assert "... 4 more ..." in timeline
    assert timeline.endswith(f"CELL=cell-{MAX_TIMELINE_EVENTS + 3} 10:00:11Z")


def test_delivered_notifications_are_listed_by_kind() -> None:
    notified = [
        {"type": "FAILURE", "recipientType": "USER", "recipient": {"id": "u", "name": "Ada"}},
        {"type": "ALL", "recipientType": "SLACK_CHANNEL", "recipient": {"id": "C1", "name": "ops"}},
    ]

    lines = explain_run(payload(status="KILLED", notifications=notified))

    assert "the run was cancelled" in lines[0]
    assert "Notifications delivered: FAILURE to user Ada, ALL to Slack channel ops" in lines


def test_an_empty_payload_still_gives_the_url_it_was_told() -> None:
    assert explain_run({}, run_url=URL) == [
        "Hex run (id unknown) ended with no status.",
        "Hex sent no timing for this run.",
        f"Run: {URL}",
    ]
