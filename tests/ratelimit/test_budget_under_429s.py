"""429s from Hex (the simulator) slow the shared budget, and the callers still succeed."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator

import pytest
from ratelimit_support import add_runs, connect

from airflow_provider_hex.exceptions import HexRateLimitError
from airflow_provider_hex.hooks.budget import RateBudget
from airflow_provider_hex.hooks.hex import HexHook
from airflow_provider_hex.testing import Fault, HexSimulator, RateLimits
from airflow_provider_hex.triggers.polling import RunStatusReader
from airflow_provider_hex.types import RunStatus

LIST_RUNS = r"^/api/v1/projects/[^/]+/runs$"


@pytest.fixture
def limited_sim() -> Iterator[HexSimulator]:
    """A real-time simulator allowing 5 status reads per one-second "minute"."""
    limits = RateLimits(hex_api_per_minute=5, global_per_minute=10, window_scale=1 / 60)
    with HexSimulator(time_scale=1, rate_limits=limits, seed_demo=False) as simulator:
        yield simulator


def budget_of(conn_id: str) -> RateBudget:
    budget = HexHook(conn_id).transport.budget
    assert budget is not None
    return budget


def test_429s_slow_the_shared_budget_and_every_waiting_read_succeeds(
    limited_sim: HexSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The connection claims 20 reads a second; the simulator allows 5.
    conn_id = connect(
        monkeypatch,
        limited_sim,
        requests_per_minute=1200,
        status_reads_per_minute=1200,
        max_retries=8,
    )
    project_id, runs = add_runs(limited_sim, 12)

    async def main() -> list[str]:
        hook = HexHook(conn_id)
        answers = await asyncio.gather(*(hook.aget_run_status(project_id, r) for r in runs))
        return [answer["status"] for answer in answers]

    assert asyncio.run(main()) == [RunStatus.RUNNING] * 12
    budget = budget_of(conn_id)
    assert limited_sim.stats["rate_limited"] > 0
    assert budget.penalties >= 1
    assert budget.factor < 1


def test_sync_hooks_in_threads_and_async_reads_draw_from_one_budget(
    frozen_empty_sim: HexSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = {"requests_per_minute": 6000, "status_reads_per_minute": 6000}
    conn_id = connect(monkeypatch, frozen_empty_sim, **fast)
    connect(monkeypatch, frozen_empty_sim, "hex_sim_copy", **fast)
    project_id, runs = add_runs(frozen_empty_sim, 4)

    def sync_read(run_id: str) -> None:
        HexHook("hex_sim_copy").get_run_status(project_id, run_id)

    threads = [threading.Thread(target=sync_read, args=(run,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    reader = RunStatusReader(conn_id)
    asyncio.run(reader.read(project_id, runs[0]))

    budget = budget_of(conn_id)
    assert reader.hook.transport.budget is budget
    assert budget_of("hex_sim_copy") is budget
    assert budget.reservations == 5


def test_a_connection_with_another_token_has_its_own_budget(
    frozen_empty_sim: HexSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    connect(monkeypatch, frozen_empty_sim, "hex_one")
    other = {"conn_type": "hex", "host": frozen_empty_sim.url, "password": "hxtp_other"}
    monkeypatch.setenv("AIRFLOW_CONN_HEX_OTHER", json.dumps(other))

    assert budget_of("hex_one") is not budget_of("hex_other")


def test_a_read_sits_out_a_429_that_outlasts_the_hooks_retries(
    frozen_empty_sim: HexSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn_id = connect(monkeypatch, frozen_empty_sim, max_retries=1, status_reads_per_minute=6000)
    project_id, runs = add_runs(frozen_empty_sim, 3)
    frozen_empty_sim.add_fault(Fault(kind="429", count=3, path=LIST_RUNS, retry_after=0.05))
    reader = RunStatusReader(conn_id)

    async def main() -> list[str]:
        answers = await asyncio.gather(*(reader.read(project_id, run) for run in runs))
        return [answer["status"] for answer in answers]

    assert asyncio.run(main()) == [RunStatus.RUNNING] * 3
    assert reader.stats.rate_limited == 3  # each waiter of the refused call sat it out once
    assert frozen_empty_sim.count("GET", LIST_RUNS) == 4  # 2 refused, 1 refused + 1 answered
    assert budget_of(conn_id).factor < 1


def test_a_read_gives_up_after_its_rate_limit_patience(
    frozen_empty_sim: HexSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn_id = connect(monkeypatch, frozen_empty_sim, max_retries=0, rate_budget=False)
    project_id, runs = add_runs(frozen_empty_sim, 1)
    frozen_empty_sim.add_fault(Fault(kind="429", count=100, path=LIST_RUNS, retry_after=0.05))
    reader = RunStatusReader(conn_id, rate_limit_patience=0.2)

    with pytest.raises(HexRateLimitError):
        asyncio.run(reader.read(project_id, runs[0]))
    # It retried within its patience and then gave up, long before the faults ran out; how
    # many tries fit in 0.2 s depends on the machine's load, so only the bounds are checked.
    assert 1 <= reader.stats.rate_limited < 100
    assert frozen_empty_sim.count("GET", LIST_RUNS) < 100


def test_a_rate_limited_run_start_waits_and_then_starts_one_run(
    frozen_empty_sim: HexSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn_id = connect(monkeypatch, frozen_empty_sim)
    project_id = frozen_empty_sim.add_project("Starts")
    frozen_empty_sim.add_fault(Fault(kind="429", count=1, method="POST", retry_after=0.2))

    started = HexHook(conn_id).run_project(project_id)

    assert frozen_empty_sim.run_status(started["runId"]) in (RunStatus.PENDING, RunStatus.RUNNING)
    assert frozen_empty_sim.stats["runs_started"] == 1
    assert budget_of(conn_id).penalties == 1
    assert budget_of(conn_id).factor == pytest.approx(0.5, abs=0.01)
