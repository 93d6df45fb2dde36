"""The budget kept in a real Redis: several processes, one token, one budget.

Processes are spawned (as separate Airflow workers and triggerers are separate processes)
and reserve from the same Redis-backed budget, sync and through ``redis.asyncio``; their
send times are checked against the configured limits in every sliding window. The budget's
clock is scaled (``time_scale``) so that simulated minutes and hours pass in seconds.
"""

from __future__ import annotations

import multiprocessing
import time
from typing import Any

import pytest
import redis_workers
from redis_workers import KEY
from test_budget import most_in_any_window

from airflow_provider_hex.hooks.budget import RateBudget
from airflow_provider_hex.hooks.budget_redis import RedisBudget

GLOBAL, STATUS, STARTS = None, "hex-api", "hex-run-kernel"


def run_processes(
    store_url: str | None, time_scale: float, plans: list[tuple[list[str | None], bool]]
) -> list[tuple[str | None, float]]:
    """Spawn one process per (groups, use_async) plan; return every send time they report."""
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    start_at = time.time() + 3.0  # every process is ready by then, and they start together
    processes = [
        ctx.Process(
            target=redis_workers.reserve_many,
            args=(store_url, time_scale, groups, start_at, use_async, out),
        )
        for groups, use_async in plans
    ]
    for process in processes:
        process.start()
    sent: list[tuple[str | None, float]] = []
    for _ in processes:
        sent += out.get(timeout=60)
    for process in processes:
        process.join(timeout=10)
        assert process.exitcode == 0
    return sent


def times_of(sent: list[tuple[str | None, float]], group: str | None) -> list[float]:
    return [at for g, at in sent if group is None or g == group]


def test_processes_sharing_redis_never_exceed_any_minute_limit(redis_url: str) -> None:
    # 60x: a simulated minute is one real second. Two sync workers and one async triggerer.
    mix: list[str | None] = [GLOBAL, STATUS, STARTS] * 15
    plans = [(mix, False), (mix, False), (mix, True)]

    sent = run_processes(redis_url, 60.0, plans)

    assert len(sent) == 135
    minute = 1.0
    assert most_in_any_window(times_of(sent, GLOBAL), minute) <= 60
    assert most_in_any_window(times_of(sent, STATUS), minute) <= 30
    assert most_in_any_window(times_of(sent, STARTS), minute) <= 20
    # The budget was the bottleneck: 135 requests at 54 a minute take over two minutes.
    assert max(times_of(sent, GLOBAL)) - min(times_of(sent, GLOBAL)) > 2.0


def test_the_same_processes_without_redis_break_the_limits() -> None:
    # The check above can fail: three per-process budgets each pace to the whole limit.
    mix: list[str | None] = [GLOBAL, STATUS, STARTS] * 15
    sent = run_processes(None, 60.0, [(mix, False), (mix, False), (mix, True)])

    assert most_in_any_window(times_of(sent, STATUS), 1.0) > 30
    assert most_in_any_window(times_of(sent, GLOBAL), 1.0) > 60


def test_processes_sharing_redis_keep_the_hourly_run_start_limit(redis_url: str) -> None:
    # 1200x: an hour is 3 real seconds. 75 run starts from three processes; Hex allows 60
    # an hour and the budget plans for 54, so the last 21 wait for the next hour.
    starts: list[str | None] = [STARTS] * 25
    sent = run_processes(redis_url, 1200.0, [(starts, False), (starts, True), (starts, False)])

    times = times_of(sent, STARTS)
    assert len(times) == 75
    assert most_in_any_window(times, 3600 / 1200) <= 60
    assert most_in_any_window(times, 60 / 1200) <= 20
    assert max(times) - min(times) > 3600 / 1200


def test_a_429_seen_by_one_process_pauses_and_slows_the_others(redis_url: str) -> None:
    scale = 60.0
    here = redis_workers.budget(redis_url, scale)
    assert isinstance(here, RedisBudget)
    before = [here.reserve() for _ in range(8)]  # past the burst: one slot per interval
    full_step = before[7] - before[6]

    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    other = ctx.Process(target=redis_workers.report_429, args=(redis_url, scale, 2.0, out))
    other.start()
    stored = out.get(timeout=60)
    other.join(timeout=10)
    assert other.exitcode == 0
    assert float(stored["factor"]) == 0.5
    assert stored["penalties"] == "1"

    waits = [here.reserve() for _ in range(8)]  # a burst when the pause ends, then paced

    assert waits[0] >= 1.5  # paused until the other process's Retry-After has passed
    assert here.factor == 0.5
    assert here.pause_left() > 1.0
    assert waits[7] - waits[6] == pytest.approx(2 * full_step, rel=0.05)
    assert "paused" in here.state().summary()


def test_a_429_within_the_pause_does_not_halve_again_across_processes(redis_url: str) -> None:
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    for _ in range(2):
        other = ctx.Process(target=redis_workers.report_429, args=(redis_url, 1.0, 5.0, out))
        other.start()
        stored = out.get(timeout=60)
        other.join(timeout=10)

    assert stored["penalties"] == "1"
    assert stored["rate_limited"] == "2"
    assert float(stored["factor"]) == 0.5


def test_rates_recover_in_redis_after_quiet_minutes(redis_url: str) -> None:
    here = redis_workers.budget(redis_url, 600.0)  # ten simulated minutes a real second
    assert isinstance(here, RedisBudget)
    here.penalize(0.01)
    assert here.factor == 0.5
    time.sleep(0.6)  # six quiet minutes give back 60% of the rate: whole again

    here.reserve()

    assert here.factor == 1.0


def test_keys_name_host_and_token_digest_and_expire(redis_url: str, redis_server: Any) -> None:
    here = redis_workers.budget(redis_url, 1.0)
    here.reserve(STARTS)
    client = redis_server.client()
    keys = sorted(key.decode() for key in client.keys("*"))
    ttls = [client.pttl(key) for key in keys]
    client.close()

    assert keys == [
        f"hex-provider:budget:{{app.hex.tech|{KEY[1]}}}",
        f"hex-provider:budget:{{app.hex.tech|{KEY[1]}}}:hour:hex-run-kernel",
    ]
    assert all(0 < ttl <= 3660 * 1000 for ttl in ttls)


def test_a_budget_without_store_is_an_in_process_budget_scaled_by_the_share() -> None:
    pacer = redis_workers.budget(None, 60.0, share=0.5)
    assert isinstance(pacer, RateBudget)
    assert pacer.state().per_minute == {
        "global": pytest.approx(27.0),
        "hex-api": pytest.approx(13.5),
        "hex-run-kernel": pytest.approx(9.0),
    }


def test_in_redis_run_starts_waiting_for_the_hour_do_not_hold_up_status_reads(
    redis_url: str,
) -> None:
    scale = 600.0  # an hour is six real seconds
    pacer = redis_workers.budget(redis_url, scale)
    for _ in range(54):  # the hour's run starts (Hex allows 60, the budget plans for 54)
        pacer.acquire(STARTS)

    held = []
    for _ in range(6):
        wait, done = pacer.claim(STARTS)
        held.append((time.monotonic() + wait, done))
    wait, done = pacer.claim(STATUS)

    assert done
    assert wait < 60 / scale
    assert not any(done for _, done in held)
    turns = [at for at, _ in held]
    assert min(turns) - time.monotonic() > 3000.0 / scale  # the next hour
    assert turns == sorted(turns)  # one after the other, as the hour frees up
