"""The shared status reader: batched GetProjectRuns, a short cache, fallbacks and errors."""

from __future__ import annotations

import asyncio
import time

import pytest
from ratelimit_support import add_runs, connect

from airflow_provider_hex.exceptions import HexServerError
from airflow_provider_hex.testing import Fault, HexSimulator, RunScript
from airflow_provider_hex.triggers.polling import RunStatusReader, get_status_reader
from airflow_provider_hex.types import RunStatus

LIST_RUNS = r"^/api/v1/projects/[^/]+/runs$"
ONE_RUN = r"^/api/v1/projects/[^/]+/runs/[^/]+$"


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def read_all(reader: RunStatusReader, project_id: str, run_ids: list[str]) -> list[str]:
    """Read every run at once, as many triggers of one project would; return the statuses."""

    async def main() -> list[str]:
        answers = await asyncio.gather(*(reader.read(project_id, run) for run in run_ids))
        return [answer["status"] for answer in answers]

    return asyncio.run(main())


def test_reads_of_one_projects_runs_share_one_get_project_runs_call(
    frozen_empty_sim: HexSimulator, conn_id: str
) -> None:
    project_id, runs = add_runs(frozen_empty_sim, 30)
    reader = RunStatusReader(conn_id)

    statuses = read_all(reader, project_id, runs)

    assert statuses == [RunStatus.RUNNING] * 30
    assert frozen_empty_sim.count("GET", LIST_RUNS) == 1
    assert frozen_empty_sim.count("GET", ONE_RUN) == 0
    assert frozen_empty_sim.requests[0].query["limit"] == ["100"]
    assert reader.stats.batches == 1
    assert reader.stats.batch_reads == 30


def test_a_thousand_waiting_runs_of_twenty_projects_cost_twenty_calls(
    frozen_empty_sim: HexSimulator, conn_id: str
) -> None:
    projects = [add_runs(frozen_empty_sim, 50, title=f"P{i}") for i in range(20)]
    reader = RunStatusReader(conn_id)

    async def main() -> int:
        reads = [reader.read(project, run) for project, runs in projects for run in runs]
        return len(await asyncio.gather(*reads))

    started = time.monotonic()
    assert asyncio.run(main()) == 1000
    assert time.monotonic() - started < 10
    assert frozen_empty_sim.count("GET", LIST_RUNS) == 20
    assert frozen_empty_sim.count("GET", ONE_RUN) == 0


def test_a_read_soon_after_reuses_the_answer_and_a_later_one_asks_again(
    frozen_empty_sim: HexSimulator, conn_id: str
) -> None:
    project_id, runs = add_runs(frozen_empty_sim, 3, script=RunScript(0, 10))
    clock = FakeClock()
    reader = RunStatusReader(conn_id, cache_ttl=5.0, clock=clock)
    read_all(reader, project_id, runs)

    clock.now += 4.0
    frozen_empty_sim.advance(60)
    assert read_all(reader, project_id, runs) == [RunStatus.RUNNING] * 3  # cached
    clock.now += 2.0
    assert read_all(reader, project_id, runs) == [RunStatus.COMPLETED] * 3

    assert frozen_empty_sim.count("GET", LIST_RUNS) == 2
    assert reader.stats.cache_hits == 3


def test_max_age_lets_a_trigger_ask_for_a_fresher_answer(
    frozen_empty_sim: HexSimulator, conn_id: str
) -> None:
    project_id, runs = add_runs(frozen_empty_sim, 2)
    clock = FakeClock()
    reader = RunStatusReader(conn_id, cache_ttl=30.0, clock=clock)
    read_all(reader, project_id, runs)
    clock.now += 2.0

    asyncio.run(reader.read(project_id, runs[0], max_age=1.0))

    assert frozen_empty_sim.count("GET", LIST_RUNS) == 2


def test_a_run_the_batch_does_not_list_is_read_with_get_run_status(
    frozen_empty_sim: HexSimulator, conn_id: str
) -> None:
    project_id, runs = add_runs(frozen_empty_sim, 105)
    oldest, newest = runs[0], runs[-1]
    clock = FakeClock()
    reader = RunStatusReader(conn_id, clock=clock, max_pages=1)

    statuses = read_all(reader, project_id, [oldest, newest])
    clock.now += 60
    read_all(reader, project_id, [oldest, newest])

    assert statuses == [RunStatus.RUNNING] * 2
    assert frozen_empty_sim.count("GET", LIST_RUNS) == 2
    assert (
        frozen_empty_sim.count("GET", ONE_RUN) == 2
    )  # the oldest run, each time: never batched again
    assert frozen_empty_sim.count("GET", rf"/runs/{oldest}$") == 2


def test_a_listing_reads_further_pages_while_waited_on_runs_are_missing(
    frozen_empty_sim: HexSimulator, conn_id: str
) -> None:
    project_id, runs = add_runs(frozen_empty_sim, 250)
    waited = [runs[0], runs[120], runs[-1]]  # on the third, second and first page
    reader = RunStatusReader(conn_id, clock=FakeClock())

    statuses = read_all(reader, project_id, waited)

    assert statuses == [RunStatus.RUNNING] * 3
    assert frozen_empty_sim.count("GET", LIST_RUNS) == 3  # three pages of 100, one listing
    assert frozen_empty_sim.count("GET", ONE_RUN) == 0


def test_a_listing_stops_at_the_first_page_that_covers_every_waited_on_run(
    frozen_empty_sim: HexSimulator, conn_id: str
) -> None:
    project_id, runs = add_runs(frozen_empty_sim, 250)
    reader = RunStatusReader(conn_id, clock=FakeClock())

    read_all(reader, project_id, runs[-5:])

    assert frozen_empty_sim.count("GET", LIST_RUNS) == 1


def test_a_run_newer_than_a_cached_answer_asks_again_rather_than_falling_back(
    frozen_empty_sim: HexSimulator, conn_id: str
) -> None:
    project_id, runs = add_runs(frozen_empty_sim, 2)
    clock = FakeClock()
    reader = RunStatusReader(conn_id, clock=clock)
    read_all(reader, project_id, runs)
    with frozen_empty_sim.lock:
        project = frozen_empty_sim.state.projects[project_id]
        new_run = frozen_empty_sim.state.start_run(
            project, {}, created_at=frozen_empty_sim.clock.now()
        ).id
    clock.now += 1.0

    asyncio.run(reader.read(project_id, new_run))

    assert frozen_empty_sim.count("GET", LIST_RUNS) == 2
    assert frozen_empty_sim.count("GET", ONE_RUN) == 0


def test_an_error_of_the_shared_call_reaches_every_waiter(
    frozen_empty_sim: HexSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn_id = connect(monkeypatch, frozen_empty_sim, max_retries=0)
    project_id, runs = add_runs(frozen_empty_sim, 5)
    frozen_empty_sim.add_fault(Fault(kind="500", count=1, path=LIST_RUNS))
    reader = RunStatusReader(conn_id)

    async def main() -> list[BaseException | object]:
        reads = (reader.read(project_id, run) for run in runs)
        return await asyncio.gather(*reads, return_exceptions=True)

    outcomes = asyncio.run(main())

    assert all(isinstance(outcome, HexServerError) for outcome in outcomes)
    assert frozen_empty_sim.count("GET", LIST_RUNS) == 1


def test_a_project_hex_will_not_list_is_read_run_by_run(
    frozen_empty_sim: HexSimulator, conn_id: str
) -> None:
    project_id, runs = add_runs(frozen_empty_sim, 3)
    with frozen_empty_sim.lock:
        frozen_empty_sim.state.projects[
            project_id
        ].last_published_at = None  # GetProjectRuns answers 422
    clock = FakeClock()
    reader = RunStatusReader(conn_id, clock=clock)

    assert read_all(reader, project_id, runs) == [RunStatus.RUNNING] * 3
    clock.now += 60
    read_all(reader, project_id, runs)

    assert frozen_empty_sim.count("GET", LIST_RUNS) == 1
    assert frozen_empty_sim.count("GET", ONE_RUN) == 6


def test_a_cancelled_trigger_does_not_cancel_the_call_others_wait_for(
    frozen_empty_sim: HexSimulator, conn_id: str
) -> None:
    project_id, runs = add_runs(frozen_empty_sim, 3)
    frozen_empty_sim.add_fault(Fault(kind="slow", count=1, path=LIST_RUNS, delay=0.3))
    reader = RunStatusReader(conn_id)

    async def main() -> list[str]:
        tasks = [asyncio.create_task(reader.read(project_id, run)) for run in runs]
        await asyncio.sleep(0.1)
        tasks[0].cancel()
        answers = await asyncio.gather(*tasks[1:])
        return [answer["status"] for answer in answers]

    assert asyncio.run(main()) == [RunStatus.RUNNING] * 2
    assert frozen_empty_sim.count("GET", LIST_RUNS) == 1


def test_each_caller_gets_its_own_copy_of_a_shared_answer(
    frozen_empty_sim: HexSimulator, conn_id: str
) -> None:
    project_id, runs = add_runs(frozen_empty_sim, 1)
    reader = RunStatusReader(conn_id)

    async def main() -> tuple[str, str]:
        first = await reader.read(project_id, runs[0])
        first["status"] = "CHANGED"
        second = await reader.read(project_id, runs[0])
        return first["status"], second["status"]

    assert asyncio.run(main()) == ("CHANGED", RunStatus.RUNNING)


def test_triggers_in_one_event_loop_share_one_reader_and_one_hook() -> None:
    async def two_lookups() -> tuple[RunStatusReader, RunStatusReader, RunStatusReader]:
        return get_status_reader("a"), get_status_reader("a"), get_status_reader("b")

    first, again, other = asyncio.run(two_lookups())
    in_another_loop, _, _ = asyncio.run(two_lookups())

    assert first is again
    assert first.hook is again.hook
    assert other is not first
    assert in_another_loop is not first
