"""HexRunTrigger against the simulator: serialization, every event kind, deadlines, kills."""

from __future__ import annotations

import asyncio
import json
import time
from types import SimpleNamespace
from typing import Any

import pytest

from airflow_provider_hex.hooks.hex import HexHook
from airflow_provider_hex.runs import event_for_run
from airflow_provider_hex.testing import Fault, HexSimulator, RunScript
from airflow_provider_hex.triggers import hex as trigger_module
from airflow_provider_hex.triggers.hex import HexRunTrigger, HexWaitTrigger

PROJECT = "5a8591dd-4039-49df-9202-96385ba3eff8"
RUN = "78c33d18-170c-44d3-a227-b3194f134f73"
EVENT_KEYS = {"status", "project_id", "run_id", "run_url", "run", "message", "cancelled"}


def collect(trigger: HexRunTrigger, limit: float = 15.0) -> list[dict[str, Any]]:
    """Run the trigger to its end in a fresh event loop; return the event payloads."""

    async def events() -> list[dict[str, Any]]:
        return [event.payload async for event in trigger.run()]

    return asyncio.run(asyncio.wait_for(events(), limit))


def start(sim: HexSimulator, conn_id: str, script: RunScript) -> tuple[str, str]:
    """Add a project playing ``script`` and start one run of it; return (project, run)."""
    project_id = sim.add_project("Trigger test", scripts=[script])
    started = HexHook(conn_id).run_project(project_id)
    return project_id, started["runId"]


def make(project_id: str, run_id: str, **kwargs: Any) -> HexRunTrigger:
    kwargs.setdefault("poll_interval", 0.05)
    kwargs.setdefault("max_poll_interval", 0.1)
    return HexRunTrigger(project_id, run_id, **kwargs)


def deletes(sim: HexSimulator) -> int:
    return sim.count("DELETE", r"/runs/")


# -- serialization ------------------------------------------------------------------------------


def test_serialize_returns_only_plain_json_and_no_token() -> None:
    trigger = HexRunTrigger(
        PROJECT,
        RUN,
        hex_conn_id="hex_prod",
        poll_interval=7,
        max_poll_interval=90,
        deadline=1_800_000_000.5,
        run_url="https://app.hex.tech/app/x/runs/y",
        cancel_on_timeout=False,
        started_at=1_799_999_000.25,
    )

    classpath, kwargs = trigger.serialize()

    assert classpath == "airflow_provider_hex.triggers.hex.HexRunTrigger"
    assert kwargs == {
        "project_id": PROJECT,
        "run_id": RUN,
        "hex_conn_id": "hex_prod",
        "poll_interval": 7.0,
        "max_poll_interval": 90.0,
        "deadline": 1_800_000_000.5,
        "run_url": "https://app.hex.tech/app/x/runs/y",
        "cancel_on_timeout": False,
        "started_at": 1_799_999_000.25,
        "cancel_on_kill": True,
        "max_transient_errors": 5,
    }
    assert json.loads(json.dumps(kwargs)) == kwargs
    assert "hxtp" not in json.dumps(kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"deadline": None, "started_at": None, "run_url": None},
        {"deadline": 1.0, "cancel_on_kill": False, "max_transient_errors": 0},
    ],
    ids=["defaults", "nones", "sensor-style"],
)
def test_round_trip_rebuilds_the_same_trigger(kwargs: dict[str, Any]) -> None:
    classpath, serialized = HexRunTrigger(PROJECT, RUN, **kwargs).serialize()

    rebuilt = HexRunTrigger(**serialized)

    assert rebuilt.serialize() == (classpath, serialized)


# -- events -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "kind"),
    [
        ("COMPLETED", "success"),
        ("ERRORED", "failed"),
        ("UNABLE_TO_ALLOCATE_KERNEL", "failed"),
    ],
    ids=["completed", "errored", "no-kernel"],
)
def test_yields_one_event_when_the_run_ends(
    sim: HexSimulator, conn_id: str, outcome: str, kind: str
) -> None:
    project_id, run_id = start(sim, conn_id, RunScript(0.05, 0.1, outcome))

    events = collect(make(project_id, run_id))

    assert len(events) == 1
    event = events[0]
    assert set(event) == EVENT_KEYS | ({"explanation"} if kind == "failed" else set())
    assert (event["status"], event["run"]["status"]) == (kind, outcome)
    assert (event["project_id"], event["run_id"]) == (project_id, run_id)
    assert event["run_url"] == event["run"]["runUrl"]
    assert event["cancelled"] is False


def test_a_killed_run_gives_a_failed_event(sim: HexSimulator, conn_id: str) -> None:
    project_id, run_id = start(sim, conn_id, RunScript(0, 60))
    HexHook(conn_id).cancel_run(project_id, run_id)

    (event,) = collect(make(project_id, run_id))

    assert (event["status"], event["run"]["status"]) == ("failed", "KILLED")


def test_an_unknown_status_gives_a_failed_event_naming_it() -> None:
    event = event_for_run(
        PROJECT,
        RUN,
        None,
        {"status": "QUEUED_FOREVER", "runUrl": "u"},  # type: ignore[typeddict-item]
    )

    assert event is not None
    assert event["status"] == "failed"
    assert "QUEUED_FOREVER" in event["message"]


# -- deadlines ----------------------------------------------------------------------------------


def test_a_deadline_already_past_cancels_the_run_and_times_out_at_once(
    sim: HexSimulator, conn_id: str
) -> None:
    project_id, run_id = start(sim, conn_id, RunScript(0, 3600))
    began = time.monotonic()

    (event,) = collect(make(project_id, run_id, deadline=time.time() - 1))

    assert time.monotonic() - began < 5
    assert (event["status"], event["cancelled"]) == ("timeout", True)
    assert "deadline" in event["message"]
    assert sim.run_status(run_id) == "KILLED"
    assert sim.count("GET", r"/runs") == 0  # no status read once the deadline has passed


def test_a_timeout_without_cancel_leaves_the_run_running(sim: HexSimulator, conn_id: str) -> None:
    project_id, run_id = start(sim, conn_id, RunScript(0, 3600))

    (event,) = collect(
        make(project_id, run_id, deadline=time.time() + 0.3, cancel_on_timeout=False)
    )

    assert (event["status"], event["cancelled"]) == ("timeout", False)
    assert sim.run_status(run_id) == "RUNNING"
    assert deletes(sim) == 0


def test_the_deadline_stays_absolute_across_a_triggerer_restart(
    sim: HexSimulator, conn_id: str
) -> None:
    project_id, run_id = start(sim, conn_id, RunScript(0, 3600))
    first = make(project_id, run_id, deadline=time.time() + 0.4)
    _, kwargs = first.serialize()
    time.sleep(0.5)  # the triggerer was down for longer than the time that was left

    restarted = HexRunTrigger(**kwargs)
    (event,) = collect(restarted)

    assert restarted.deadline == first.deadline
    assert (event["status"], event["cancelled"]) == ("timeout", True)


def test_a_run_that_ended_just_at_the_deadline_is_reported_as_it_ended(
    sim: HexSimulator, conn_id: str
) -> None:
    project_id, run_id = start(sim, conn_id, RunScript(0, 0.05, "COMPLETED"))
    time.sleep(0.2)

    (event,) = collect(make(project_id, run_id, deadline=time.time() - 1))

    assert (event["status"], event["run"]["status"]) == ("success", "COMPLETED")
    assert deletes(sim) == 1  # Hex refused the cancel (422): the run had ended


# -- errors -------------------------------------------------------------------------------------


def test_gives_up_with_an_error_event_after_repeated_transient_errors(
    sim: HexSimulator, conn_id: str
) -> None:
    project_id, run_id = start(sim, conn_id, RunScript(0, 3600))
    sim.add_fault(Fault("500", count=1000, method="GET"))

    (event,) = collect(make(project_id, run_id, max_transient_errors=2))

    assert event["status"] == "error"
    assert "3 failed attempts in a row" in event["message"]
    assert event["run"] is None


def test_rides_out_a_few_transient_errors(sim: HexSimulator, conn_id: str) -> None:
    project_id, run_id = start(sim, conn_id, RunScript(0, 0.2))
    sim.add_fault(Fault("502", count=4, method="GET"))

    (event,) = collect(make(project_id, run_id, max_transient_errors=3))

    assert event["status"] == "success"


def test_an_unknown_run_ends_with_an_error_event_at_once(sim: HexSimulator, conn_id: str) -> None:
    project_id, _ = start(sim, conn_id, RunScript(0, 3600))

    (event,) = collect(make(project_id, RUN))

    assert event["status"] == "error"
    assert "404" in event["message"]


# -- kills --------------------------------------------------------------------------------------


def test_on_kill_cancels_the_run(sim: HexSimulator, conn_id: str) -> None:
    project_id, run_id = start(sim, conn_id, RunScript(0, 3600))

    asyncio.run(make(project_id, run_id).on_kill())

    assert sim.run_status(run_id) == "KILLED"


def test_on_kill_leaves_a_watched_run_alone(sim: HexSimulator, conn_id: str) -> None:
    project_id, run_id = start(sim, conn_id, RunScript(0, 3600))

    asyncio.run(make(project_id, run_id, cancel_on_kill=False).on_kill())

    assert sim.run_status(run_id) == "RUNNING"
    assert deletes(sim) == 0


def test_on_kill_after_the_event_sends_nothing(sim: HexSimulator, conn_id: str) -> None:
    project_id, run_id = start(sim, conn_id, RunScript(0, 0.05))
    trigger = make(project_id, run_id)
    collect(trigger)

    asyncio.run(trigger.on_kill())

    assert deletes(sim) == 0


def _deferred_ti(run_id: str = "manual__1") -> SimpleNamespace:
    return SimpleNamespace(dag_id="d", task_id="run", run_id=run_id, map_index=-1, try_number=1)


@pytest.mark.parametrize(
    ("state", "cancels"),
    [
        ("failed", True),
        ("success", True),
        (None, True),
        ("deferred", False),
        ("scheduled", False),
    ],
    ids=["marked-failed", "marked-success", "cleared", "triggerer-restart", "trigger-timeout"],
)
def test_cleanup_before_airflow_3_3_cancels_only_after_a_user_action(
    sim: HexSimulator,
    conn_id: str,
    monkeypatch: pytest.MonkeyPatch,
    state: str | None,
    cancels: bool,
) -> None:
    from airflow.sdk.execution_time import task_runner

    project_id, run_id = start(sim, conn_id, RunScript(0, 3600))
    monkeypatch.setattr(trigger_module, "_HAS_TRIGGER_ON_KILL", False)
    asked: list[dict[str, Any]] = []

    class Channel:
        """The triggerer's supervisor channel: asked from the event loop, never a thread."""

        async def asend(self, message: Any) -> Any:
            asyncio.get_running_loop()  # raises outside the loop's thread
            if type(message).__name__ != "GetTaskStates":
                return None  # e.g. secrets to mask, which the SDK reports as it reads
            asked.append(message.model_dump(include={"dag_id", "task_ids", "run_ids", "map_index"}))
            return type("Answer", (), {"task_states": {"manual__1": {"run": state}}})()

        def send(self, message: Any) -> None:
            """Airflow 3.0 reports secrets to mask through the sync path; nothing to answer."""

    monkeypatch.setattr(task_runner, "SUPERVISOR_COMMS", Channel(), raising=False)
    trigger = make(project_id, run_id)
    trigger.task_instance = _deferred_ti()  # type: ignore[assignment]

    asyncio.run(trigger.cleanup())

    assert asked == [
        {"dag_id": "d", "task_ids": ["run"], "run_ids": ["manual__1"], "map_index": None}
    ]
    assert (sim.run_status(run_id) == "KILLED") is cancels


def test_cleanup_on_airflow_3_3_never_cancels(
    sim: HexSimulator, conn_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    project_id, run_id = start(sim, conn_id, RunScript(0, 3600))
    monkeypatch.setattr(trigger_module, "_HAS_TRIGGER_ON_KILL", True)
    trigger = make(project_id, run_id)
    trigger.task_instance = _deferred_ti()  # type: ignore[assignment]

    asyncio.run(trigger.cleanup())

    assert deletes(sim) == 0


# -- scale --------------------------------------------------------------------------------------


def test_a_thousand_triggers_share_one_event_loop(sim: HexSimulator, conn_id: str) -> None:
    projects = [sim.add_project(f"P{i}", scripts=[RunScript(0, 0.5)]) for i in range(10)]
    hook = HexHook(conn_id)
    runs = [(p, hook.run_project(p)["runId"]) for p in projects]
    triggers = [make(p, r, poll_interval=0.2, max_poll_interval=0.2) for p, r in runs * 100]
    sim.clear_requests()

    async def all_events() -> list[list[dict[str, Any]]]:
        async def one(trigger: HexRunTrigger) -> list[dict[str, Any]]:
            return [event.payload async for event in trigger.run()]

        return await asyncio.gather(*(one(t) for t in triggers))

    began = time.monotonic()
    results = asyncio.run(asyncio.wait_for(all_events(), 30))

    assert len(results) == 1000
    assert all(len(events) == 1 and events[0]["status"] == "success" for events in results)
    assert time.monotonic() - began < 10
    assert len(sim.requests) < 200  # reads are shared, not one per trigger per poll


# -- the timer ----------------------------------------------------------------------------------


def test_the_timer_serializes_plain_json_and_round_trips() -> None:
    timer = HexWaitTrigger(1_800_000_000.5, {"deadline": None, "start_attempt": 2})

    classpath, kwargs = timer.serialize()

    assert classpath == "airflow_provider_hex.triggers.hex.HexWaitTrigger"
    assert kwargs == {"until": 1_800_000_000.5, "payload": {"deadline": None, "start_attempt": 2}}
    assert HexWaitTrigger(**json.loads(json.dumps(kwargs))).serialize() == (classpath, kwargs)


def test_the_timer_fires_once_with_its_payload_when_the_moment_comes() -> None:
    timer = HexWaitTrigger(time.time() + 0.2, {"deadline": 123.0})
    began = time.monotonic()

    async def events() -> list[Any]:
        return [event.payload async for event in timer.run()]

    assert asyncio.run(events()) == [{"deadline": 123.0}]
    assert 0.15 <= time.monotonic() - began < 2
