"""HexProjectRunEventTrigger: filtering, watermarks, ``since``, serialization, errors, and the
shared stream, on plain data and against the simulator."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from airflow_provider_hex.exceptions import HexInvalidArgumentError
from airflow_provider_hex.testing import Fault, HexSimulator, RunScript
from airflow_provider_hex.triggers import project_runs
from airflow_provider_hex.triggers.project_runs import HexProjectRunEventTrigger

PROJECT = "5a8591dd-4039-49df-9202-96385ba3eff8"
T0 = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


def hex_run(
    run_id: str, minute: float, *, trigger: str = "SCHEDULED", status: str = "COMPLETED"
) -> dict[str, Any]:
    end = T0 + timedelta(minutes=minute)
    return {
        "projectId": PROJECT,
        "projectVersion": 3,
        "runId": run_id,
        "runUrl": f"https://app.hex.tech/app/{PROJECT}/runs/{run_id}",
        "status": status,
        "runTrigger": trigger,
        "startTime": (end - timedelta(seconds=90)).isoformat().replace("+00:00", "Z"),
        "endTime": end.isoformat().replace("+00:00", "Z"),
        "elapsedTime": 90_000,
    }


class MemoryStore:
    """A watermark store in memory, shared by the 'restarts' of a test."""

    def __init__(self) -> None:
        self.state: dict[str, Any] | None = None
        self.saves = 0

    async def load(self) -> dict[str, Any] | None:
        return None if self.state is None else json.loads(json.dumps(self.state))

    async def save(self, state: dict[str, Any]) -> None:
        self.state = json.loads(json.dumps(state))
        self.saves += 1


# -- arguments and serialization ----------------------------------------------------------------


def test_serialize_is_deterministic_plain_json_without_the_time_or_token() -> None:
    a = HexProjectRunEventTrigger(
        PROJECT.upper(), run_triggers=["app_refresh", "SCHEDULED"], statuses="ERRORED"
    )
    b = HexProjectRunEventTrigger(
        PROJECT, run_triggers=("SCHEDULED", "APP_REFRESH", "SCHEDULED"), statuses=["errored"]
    )

    assert a.serialize() == b.serialize()
    path, kwargs = a.serialize()
    assert path == "airflow_provider_hex.triggers.project_runs.HexProjectRunEventTrigger"
    assert kwargs == {
        "project_id": PROJECT,
        "hex_conn_id": "hex_default",
        "run_triggers": ["APP_REFRESH", "SCHEDULED"],
        "statuses": ["ERRORED"],
        "since": None,
        "poll_interval": 60.0,
    }
    assert json.loads(json.dumps(kwargs)) == kwargs
    assert HexProjectRunEventTrigger(**kwargs).serialize() == (path, kwargs)
    assert a.state_key == b.state_key
    assert a.state_key.startswith(f"hex_watcher__{PROJECT}__")


def test_the_airflow_hash_is_stable_and_differs_by_filter() -> None:
    one = HexProjectRunEventTrigger(PROJECT)
    same = HexProjectRunEventTrigger(PROJECT)
    other = HexProjectRunEventTrigger(PROJECT, run_triggers="API")
    assert one.hash(*one.serialize()) == same.hash(*same.serialize())
    assert one.hash(*one.serialize()) != other.hash(*other.serialize())


def test_since_is_normalized_to_utc() -> None:
    trigger = HexProjectRunEventTrigger(PROJECT, since="2026-12-01T08:00:00+02:00")
    assert trigger.serialize()[1]["since"] == "2026-12-01T06:00:00Z"
    assert HexProjectRunEventTrigger(PROJECT, since=T0).since == "2026-12-01T06:00:00Z"


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"project_id": "not-a-uuid"}, "project_id"),
        ({"run_triggers": "CRON"}, "run_triggers"),
        ({"run_triggers": []}, "run_triggers"),
        ({"statuses": "RUNNING"}, "statuses"),
        ({"since": "yesterday"}, "since"),
        ({"poll_interval": 0}, "poll_interval"),
        ({"poll_interval": "soon"}, "poll_interval"),
        ({"hex_conn_id": ""}, "hex_conn_id"),
    ],
)
def test_bad_arguments_are_refused_naming_them(kwargs: dict[str, Any], argument: str) -> None:
    kwargs = {"project_id": PROJECT, **kwargs}
    with pytest.raises(HexInvalidArgumentError) as caught:
        HexProjectRunEventTrigger(**kwargs)
    assert caught.value.argument == argument


# -- filtering and the watermark, on plain data -------------------------------------------------


def test_the_baseline_skips_every_run_finished_before_the_first_listing() -> None:
    trigger = HexProjectRunEventTrigger(PROJECT)
    earlier = [
        hex_run("a", 0),
        hex_run("b", 5),
        {**hex_run("c", 0), "status": "RUNNING", "endTime": None},
    ]

    events, state, baseline = trigger._step(None, earlier)

    assert events == []
    assert baseline == state
    assert state["floor"] == state["watermark"] == "2026-12-01T06:05:00Z"
    events, _ = trigger.take(state, earlier)
    assert events == []


def test_fires_once_per_new_run_matching_trigger_and_status_in_end_order() -> None:
    trigger = HexProjectRunEventTrigger(PROJECT)
    state = trigger.baseline([hex_run("old", 0)])
    listing = [
        hex_run("late", 12),
        hex_run("api", 11, trigger="API"),
        hex_run("failed", 10.5, status="ERRORED"),
        hex_run("first", 10),
        hex_run("old", 0),
    ]

    events, state = trigger.take(state, listing)
    again, state = trigger.take(state, listing)

    assert [e["run_id"] for e in events] == ["first", "late"]
    assert again == []
    assert events[0] == {
        "project_id": PROJECT,
        "run_id": "first",
        "run_url": f"https://app.hex.tech/app/{PROJECT}/runs/first",
        "status": "COMPLETED",
        "run_trigger": "SCHEDULED",
        "start_time": "2026-12-01T06:08:30Z",
        "end_time": "2026-12-01T06:10:00Z",
        "elapsed_seconds": 90.0,
        "project_version": 3,
    }
    assert set(state["seen"]) == {"first", "late", "api", "failed"}


def test_other_filters_report_other_runs() -> None:
    trigger = HexProjectRunEventTrigger(
        PROJECT, run_triggers=["API", "APP_REFRESH"], statuses=["ERRORED", "KILLED"]
    )
    state = trigger.baseline([])
    listing = [
        hex_run("ok", 1, trigger="API"),
        hex_run("bad", 2, trigger="API", status="ERRORED"),
        hex_run("killed", 3, trigger="APP_REFRESH", status="KILLED"),
        hex_run("sched", 4, trigger="SCHEDULED", status="ERRORED"),
    ]
    events, _ = trigger.take(state, listing)
    assert [e["run_id"] for e in events] == ["bad", "killed"]


def test_a_run_reported_late_still_fires_once_but_not_a_stale_one() -> None:
    trigger = HexProjectRunEventTrigger(PROJECT)
    state = trigger.baseline([hex_run("old", 0)])
    events, state = trigger.take(state, [hex_run("new", 30)])
    assert [e["run_id"] for e in events] == ["new"]

    # Ended before "new" but listed only now: inside the late window, so it fires, once.
    late = hex_run("slow-to-report", 25)
    events, state = trigger.take(state, [late, hex_run("new", 30)])
    assert [e["run_id"] for e in events] == ["slow-to-report"]
    assert trigger.take(state, [late])[0] == []

    # Ending before the watcher's floor never fires.
    assert trigger.take(state, [hex_run("before-start", -1)])[0] == []


def test_since_reports_runs_that_ended_at_or_after_it_on_first_start() -> None:
    trigger = HexProjectRunEventTrigger(PROJECT, since="2026-12-01T06:05:00Z")
    listing = [hex_run("after", 7), hex_run("at", 5), hex_run("before", 4)]

    events, state, baseline = trigger._step(None, listing)

    assert [e["run_id"] for e in events] == ["at", "after"]
    # Recorded at once: the bare starting point, which covers none of the events.
    assert baseline == {
        "v": 1,
        "floor": "2026-12-01T06:05:00Z",
        "watermark": "2026-12-01T06:05:00Z",
        "seen": {},
    }
    assert {"at", "after"} <= set(state["seen"])
    assert trigger.take(state, listing)[0] == []


def test_the_remembered_runs_stay_bounded() -> None:
    trigger = HexProjectRunEventTrigger(PROJECT, statuses=["COMPLETED"])
    state = trigger.baseline([])
    runs = [hex_run(f"r{i}", i / 100) for i in range(1500)]
    events, state = trigger.take(state, runs)
    assert len(events) == 1500
    assert len(state["seen"]) == project_runs._MAX_SEEN


# -- against the simulator: the standalone poll (Airflow 3.0-3.2) ------------------------------


def schedule_run(
    sim: HexSimulator, project_id: str, *, trigger: str = "SCHEDULED", ago: float | None = None
) -> str:
    """Make Hex's scheduler (or ``trigger``) start a run now, or one ``ago`` seconds back."""
    with sim.lock:
        project = sim.state.project(project_id)
        created = None if ago is None else sim.state.now() - ago
        return sim.state.start_run(project, {}, trigger=trigger, created_at=created).id


async def take_events(
    trigger: HexProjectRunEventTrigger, count: int, limit: float = 20.0
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    async def consume() -> None:
        async for event in trigger.run():
            found.append(event.payload)
            if len(found) >= count:
                return

    await asyncio.wait_for(consume(), limit)
    return found


def watcher(
    conn_id: str, project_id: str, store: MemoryStore, **kwargs: Any
) -> HexProjectRunEventTrigger:
    kwargs.setdefault("poll_interval", 0.05)
    trigger = HexProjectRunEventTrigger(project_id, hex_conn_id=conn_id, **kwargs)
    trigger._store = store
    return trigger


def test_against_the_simulator_it_reports_new_scheduled_runs_only(
    sim: HexSimulator, conn_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(project_runs, "COMMIT_DELAY", 0.0)
    project_id = sim.add_project("Watched", scripts=[RunScript(0, 0.1)])
    before = schedule_run(sim, project_id, ago=60)
    store = MemoryStore()

    async def scenario() -> list[dict[str, Any]]:
        trigger = watcher(conn_id, project_id, store)
        task = asyncio.ensure_future(take_events(trigger, 2))
        while store.state is None:  # the baseline is taken and recorded first
            await asyncio.sleep(0.02)
        schedule_run(sim, project_id, trigger="API")
        schedule_run(sim, project_id)
        await asyncio.sleep(0.3)
        schedule_run(sim, project_id)
        return await task

    events = asyncio.run(scenario())

    assert [e["run_trigger"] for e in events] == ["SCHEDULED", "SCHEDULED"]
    assert before not in {e["run_id"] for e in events}
    assert all(e["status"] == "COMPLETED" and e["project_id"] == project_id for e in events)
    assert events[0]["run_url"].endswith(events[0]["run_id"])
    # The first event's listing was recorded at the next poll; the last one's is still due.
    assert store.state is not None
    assert events[0]["run_id"] in store.state["seen"]


def test_a_restarted_watcher_resumes_from_its_watermark(
    sim: HexSimulator, conn_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(project_runs, "COMMIT_DELAY", 0.0)
    project_id = sim.add_project("Watched", scripts=[RunScript(0, 0)])
    store = MemoryStore()

    async def first_life() -> list[dict[str, Any]]:
        trigger = watcher(conn_id, project_id, store)
        task = asyncio.ensure_future(take_events(trigger, 1))
        while store.state is None:
            await asyncio.sleep(0.02)
        schedule_run(sim, project_id)
        events = await task
        # The generator stopped right after its event; record as a later poll would have.
        await trigger._commit_due(
            [(0.0, trigger.take(store.state or {}, await trigger._read())[1])]
        )
        return events

    (fired,) = asyncio.run(first_life())
    downtime_run = schedule_run(sim, project_id)  # finishes while the "triggerer" is down

    (after_restart,) = asyncio.run(take_events(watcher(conn_id, project_id, store), 1))

    assert after_restart["run_id"] == downtime_run != fired["run_id"]


def test_without_a_recorded_watermark_a_restart_repeats_rather_than_loses(
    sim: HexSimulator, conn_id: str
) -> None:
    """The standalone watcher records a watermark COMMIT_DELAY after its events: a crash
    before that fires the same run again (at least once), never skips it."""
    project_id = sim.add_project("Watched", scripts=[RunScript(0, 0)])
    store = MemoryStore()

    async def first_life() -> dict[str, Any]:
        trigger = watcher(conn_id, project_id, store)
        task = asyncio.ensure_future(take_events(trigger, 1))
        while store.state is None:
            await asyncio.sleep(0.02)
        schedule_run(sim, project_id)
        return (await task)[0]

    fired = asyncio.run(first_life())
    again = asyncio.run(take_events(watcher(conn_id, project_id, store), 1))
    assert again[0]["run_id"] == fired["run_id"]


def test_since_fires_for_runs_finished_before_the_first_start(
    sim: HexSimulator, conn_id: str
) -> None:
    project_id = sim.add_project("Watched", scripts=[RunScript(0, 1)])
    old = schedule_run(sim, project_id, ago=3600)
    older = schedule_run(sim, project_id, ago=7200)
    since = datetime.fromtimestamp(sim.state.now() - 5400, UTC).isoformat()

    events = asyncio.run(take_events(watcher(conn_id, project_id, MemoryStore(), since=since), 1))

    assert [e["run_id"] for e in events] == [old]
    assert older != old


def test_transient_errors_and_429s_do_not_end_the_watcher(
    sim: HexSimulator, conn_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    project_id = sim.add_project("Watched", scripts=[RunScript(0, 0)])
    store = MemoryStore()

    async def scenario() -> list[dict[str, Any]]:
        trigger = watcher(conn_id, project_id, store, poll_interval=0.01)
        task = asyncio.ensure_future(take_events(trigger, 1))
        while store.state is None:
            await asyncio.sleep(0.02)
        sim.add_fault(Fault("503", count=3, method="GET"))
        sim.add_fault(Fault("429", count=3, method="GET", retry_after=0.01))
        sim.add_fault(Fault("500", count=3, method="GET"))
        schedule_run(sim, project_id)
        return await task

    (event,) = asyncio.run(scenario())

    assert event["status"] == "COMPLETED"
    assert "Reading the runs of Hex project" in capsys.readouterr().out


def test_a_refusal_is_logged_and_retried_not_raised(
    sim: HexSimulator, conn_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    trigger = watcher(conn_id, missing, MemoryStore(), poll_interval=0.01)
    with pytest.raises(TimeoutError):
        asyncio.run(take_events(trigger, 1, limit=0.5))
    assert "HTTP 404" in capsys.readouterr().out
    assert sim.count("GET", rf"/projects/{missing}/runs$") >= 2


def test_a_store_that_cannot_be_read_is_retried_not_guessed() -> None:
    class Broken(MemoryStore):
        calls = 0

        async def load(self) -> dict[str, Any] | None:
            Broken.calls += 1
            if Broken.calls < 3:
                raise RuntimeError("supervisor busy")
            return {"v": 1, "floor": None, "watermark": None, "seen": {}}

    trigger = HexProjectRunEventTrigger(PROJECT)
    trigger._store = Broken()
    original = project_runs.asyncio.sleep

    async def fast_sleep(_: float) -> None:
        await original(0)

    async def load() -> dict[str, Any] | None:
        project_runs.asyncio.sleep = fast_sleep  # type: ignore[assignment]
        try:
            return await trigger._load()
        finally:
            project_runs.asyncio.sleep = original  # type: ignore[assignment]

    assert asyncio.run(load()) == {"v": 1, "floor": None, "watermark": None, "seen": {}}
    assert Broken.calls == 3


# -- the shared stream (Airflow 3.3) ------------------------------------------------------------


async def beats(*items: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
    for item in items:
        yield item


def test_the_shared_filter_records_a_listing_only_when_the_poll_advances_past_it() -> None:
    store = MemoryStore()
    trigger = HexProjectRunEventTrigger(PROJECT)
    trigger._store = store
    stream = beats(
        {"seq": 1, "runs": [hex_run("old", 0)]},
        {"seq": 2, "runs": None},
        {
            "seq": 3,
            "runs": [hex_run("new", 5, trigger="API"), hex_run("sched", 6), hex_run("old", 0)],
        },
    )

    async def scenario() -> list[dict[str, Any]]:
        events = [event.payload async for event in trigger.filter_shared_stream(stream)]
        assert store.saves == 1
        assert store.state is not None
        assert store.state["seen"] == {"old": "2026-12-01T06:00:00Z"}
        await trigger.commit_through(2)  # nothing pending up to 2: the baseline was saved at once
        assert store.saves == 1
        await trigger.commit_through(3)
        return events

    events = asyncio.run(scenario())

    assert [e["run_id"] for e in events] == ["sched"]
    assert store.saves == 2
    assert set(store.state["seen"]) == {"old", "new", "sched"}


def test_a_producer_advance_commits_every_watcher_and_stops_after_a_failure() -> None:
    pytest.importorskip("airflow.triggers.shared_stream")
    from airflow.triggers.shared_stream import AdvanceItem, AdvanceOutcome

    trigger = HexProjectRunEventTrigger(PROJECT, poll_interval=5)
    key = trigger.shared_stream_key()
    committed: list[int] = []

    async def record(seq: int) -> None:
        committed.append(seq)

    trigger.commit_through = record  # type: ignore[method-assign]
    project_runs._SUBSCRIBERS.setdefault(key, project_runs.weakref.WeakSet()).add(trigger)
    try:
        producer = HexProjectRunEventTrigger.create_shared_stream_producer(trigger.serialize()[1])
        clean, failed = AdvanceOutcome(acked=1, failed=0), AdvanceOutcome(acked=0, failed=1)
        asyncio.run(producer.advance([AdvanceItem(1, clean), AdvanceItem(2, clean)]))
        asyncio.run(
            producer.advance([AdvanceItem(3, clean), AdvanceItem(4, failed), AdvanceItem(5, clean)])
        )
        asyncio.run(producer.advance([AdvanceItem(6, clean)]))
    finally:
        project_runs._SUBSCRIBERS.pop(key, None)

    assert committed == [2, 3]


def test_the_stream_key_joins_watchers_of_one_project_connection_and_interval() -> None:
    a = HexProjectRunEventTrigger(PROJECT, run_triggers="API")
    b = HexProjectRunEventTrigger(PROJECT, statuses="ERRORED", since="2026-01-01T00:00:00Z")
    assert a.shared_stream_key() == b.shared_stream_key()
    assert (
        a.shared_stream_key()
        != HexProjectRunEventTrigger(PROJECT, hex_conn_id="other").shared_stream_key()
    )
    assert (
        a.shared_stream_key()
        != HexProjectRunEventTrigger(PROJECT, poll_interval=30).shared_stream_key()
    )


def test_many_watchers_in_a_shared_stream_cost_one_poll(sim: HexSimulator, conn_id: str) -> None:
    """Twenty watchers of one project in Airflow's SharedStreamManager: one listing per
    interval, each watcher its own events."""
    manager_module = pytest.importorskip("airflow.triggers.shared_stream")
    project_id = sim.add_project("Watched", scripts=[RunScript(0, 0)])
    stores = [MemoryStore() for _ in range(20)]

    async def scenario() -> list[list[str]]:
        manager = manager_module.SharedStreamManager(ack_timeout=30)
        watchers = []
        for number, store in enumerate(stores):
            trigger = HexProjectRunEventTrigger(
                project_id,
                hex_conn_id=conn_id,
                poll_interval=0.2,
                run_triggers="API" if number % 2 else "SCHEDULED",
            )
            trigger._store = store
            watchers.append(trigger)
        found: list[list[str]] = [[] for _ in watchers]

        async def consume(index: int, trigger: HexProjectRunEventTrigger) -> None:
            key = trigger.shared_stream_key()
            stream = manager.subscribe(trigger_id=index, trigger=trigger, key=key)
            try:
                async for event in trigger.filter_shared_stream(stream):
                    found[index].append(event.payload["run_trigger"])
                    manager.bind_pending_event(trigger_id=index, key=key)
            finally:
                await manager.unsubscribe(index, key)

        tasks = [asyncio.ensure_future(consume(i, t)) for i, t in enumerate(watchers)]
        while any(store.state is None for store in stores):
            await asyncio.sleep(0.02)
        sim.clear_requests()
        schedule_run(sim, project_id)
        schedule_run(sim, project_id, trigger="API")
        await asyncio.sleep(1.1)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await manager.stop_all()
        return found

    found = asyncio.run(scenario())

    assert found == [["API"] if i % 2 else ["SCHEDULED"] for i in range(20)]
    listings = sim.count("GET", rf"/projects/{project_id}/runs$")
    assert 3 <= listings <= 8  # about one per 0.2 s, not twenty


def test_the_asset_state_store_copy_least_advanced_is_read_and_every_copy_written() -> None:
    class Accessor:
        def __init__(self, value: Any) -> None:
            self.value = value

        async def aget(self, key: str, default: Any = None) -> Any:
            return self.value if self.value is not None else default

        async def aset(self, key: str, value: Any) -> None:
            self.value = value

    ahead = Accessor({"watermark": "2026-12-01T07:00:00Z", "floor": None, "seen": {}})
    behind = Accessor({"watermark": "2026-12-01T06:00:00Z", "floor": None, "seen": {}})
    store = project_runs._AssetStateStore(
        SimpleNamespace(_by_name={"a": ahead, "b": behind}, _by_uri={}), "k"
    )

    assert asyncio.run(store.load()) == behind.value
    asyncio.run(store.save({"watermark": "x"}))
    assert ahead.value == behind.value == {"watermark": "x"}


def test_a_restart_before_since_events_are_recorded_repeats_them(
    sim: HexSimulator, conn_id: str
) -> None:
    """With ``since``, the first listing's events are recorded after them like any other:
    a watcher stopped at once starts again from ``since`` and reports them again."""
    project_id = sim.add_project("Watched", scripts=[RunScript(0, 1)])
    old = schedule_run(sim, project_id, ago=600)
    since = datetime.fromtimestamp(sim.state.now() - 3600, UTC).isoformat()
    store = MemoryStore()

    first = asyncio.run(take_events(watcher(conn_id, project_id, store, since=since), 1))
    again = asyncio.run(take_events(watcher(conn_id, project_id, store, since=since), 1))

    assert [e["run_id"] for e in first] == [e["run_id"] for e in again] == [old]
    assert store.state is not None
    assert store.state["seen"] == {}
