"""The run event that the trigger, the operator and the sensor exchange: its JSON stays the
same across versions, a bad kind is refused when an event is built, and a stored event that
is not one is refused when it is read back."""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_hex.runs import event_for_run, parse_event, run_event

PROJECT = "5a8591dd-4039-49df-9202-96385ba3eff8"
RUN = "78c33d18-170c-44d3-a227-b3194f134f73"
URL = "https://app.hex.tech/app/p/runs/r"
#: An event as provider 1.0.0 wrote it: events outlive upgrades, so this shape is fixed.
STORED_1_0 = {
    "status": "failed",
    "project_id": PROJECT,
    "run_id": RUN,
    "run_url": URL,
    "run": {"runId": RUN, "status": "ERRORED", "runUrl": URL},
    "message": f"Hex run {RUN} ended with status ERRORED",
    "cancelled": False,
    "explanation": [f"Hex run {RUN} ended ERRORED.", "Hex sent no timing for this run."],
}


def test_an_event_is_the_plain_json_dict_of_version_1_0() -> None:
    built = event_for_run(PROJECT, RUN, URL, {"runId": RUN, "status": "ERRORED", "runUrl": URL})

    assert built is not None
    assert set(built) == set(STORED_1_0)
    assert {k: v for k, v in built.items() if k != "explanation"} == {
        k: v for k, v in STORED_1_0.items() if k != "explanation"
    }
    assert json.loads(json.dumps(built)) == built


def test_optional_keys_appear_only_when_set() -> None:
    plain = run_event("timeout", project_id=PROJECT, run_id=RUN, run_url=None, message="late")
    left = run_event(
        "timeout", project_id=PROJECT, run_id=RUN, run_url=None, message="late", left_running=True
    )
    asked = run_event(
        "error", project_id=PROJECT, run_id=RUN, run_url=None, message="lost", cancel_run=True
    )

    assert "left_running" not in plain
    assert "cancel_run" not in plain
    assert left["left_running"] is True
    assert asked["cancel_run"] is True


def test_building_an_event_of_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="kind must be one of success, failed, timeout, error"):
        run_event("paused", project_id=PROJECT, run_id=RUN, run_url=None, message="?")  # type: ignore[arg-type]


def test_a_stored_event_reads_back_unchanged() -> None:
    assert parse_event(json.loads(json.dumps(STORED_1_0))) == STORED_1_0


@pytest.mark.parametrize(
    ("value", "named"),
    [
        (["success"], "is a dict"),
        ({**STORED_1_0, "status": "surprise"}, "status is one of"),
        ({**STORED_1_0, "run_id": None}, "run_id is a string"),
        ({**STORED_1_0, "run": "ERRORED"}, "run is a dict or None"),
    ],
    ids=["not-a-dict", "unknown-kind", "no-run-id", "run-not-a-dict"],
)
def test_reading_back_what_is_not_an_event_names_what_is_wrong(value: Any, named: str) -> None:
    with pytest.raises(ValueError, match=named):
        parse_event(value)
