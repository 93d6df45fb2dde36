"""When Redis is down or slow: requests go on against the process's share, then return."""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import time

import pytest
import redis_workers
from redis_support import RedisServer
from test_budget import most_in_any_window

from airflow_provider_hex.hooks import budget_redis
from airflow_provider_hex.hooks.budget_redis import RedisBudget

BUDGET_LOG = "airflow_provider_hex.budget"


@pytest.fixture(autouse=True)
def _quick_store_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(budget_redis, "RETRY_STORE_AFTER", 0.3)


def planned_times(pacer: RedisBudget, count: int) -> list[float]:
    """Reserve ``count`` global slots without sleeping; return their send times."""
    now = time.monotonic()
    return [now + pacer.reserve() for _ in range(count)]


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == BUDGET_LOG and r.levelno == logging.WARNING
    ]


def test_a_stopped_store_falls_back_to_the_share_and_recovers(
    own_redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=BUDGET_LOG)
    pacer = redis_workers.budget(own_redis.url, 60.0, share=0.5)
    assert isinstance(pacer, RedisBudget)
    pacer.reserve()
    assert pacer.read_store()["granted"] == "1"

    own_redis.stop()
    sent = planned_times(pacer, 60)  # no exception: the fallback answers

    assert pacer.fallback_requests == 60
    # This process's share of Hex's 60 a minute is 30 (27 planned): one real second here.
    assert most_in_any_window(sent, 1.0) <= 30
    assert max(sent) - min(sent) > 1.0
    assert len(warnings_of(caplog)) == 1  # one warning per process, however many failures
    assert "share (0.5)" in warnings_of(caplog)[0]
    assert "standing in for" in pacer.state().store

    own_redis.start()  # same port, empty
    time.sleep(0.35)
    pacer.reserve()

    assert pacer.read_store()["granted"] == "1"  # the store paces again
    assert pacer.fallback_requests == 60
    assert any("is back" in r.getMessage() for r in caplog.records)
    assert len(warnings_of(caplog)) == 1


def test_the_async_path_falls_back_too(own_redis: RedisServer) -> None:
    pacer = redis_workers.budget(own_redis.url, 60.0, share=0.25)
    assert isinstance(pacer, RedisBudget)

    async def reserve_some() -> list[float]:
        return [await pacer.areserve("hex-api") for _ in range(10)]

    assert asyncio.run(reserve_some())[0] == 0.0
    own_redis.stop()
    waits = asyncio.run(reserve_some())

    assert pacer.fallback_requests == 10
    # hex-api at a quarter share: 30 x 0.25 x 0.9 = 6.75 a minute, a burst of one.
    assert waits[2] - waits[1] == pytest.approx(60 / 6.75 / 60.0, rel=0.01)


def test_a_slow_store_is_not_waited_for(own_redis: RedisServer) -> None:
    pacer = redis_workers.budget(own_redis.url, 1.0, share=0.5)
    assert isinstance(pacer, RedisBudget)
    pacer.reserve()
    blocker = threading.Thread(
        target=lambda: own_redis.client().execute_command("DEBUG", "SLEEP", "3")
    )
    blocker.start()
    time.sleep(0.2)
    try:
        began = time.monotonic()
        pacer.reserve()
        took = time.monotonic() - began
    finally:
        blocker.join()

    assert took < budget_redis.STORE_TIMEOUT + 0.5
    assert pacer.fallback_requests == 1


def test_a_429_while_the_store_is_down_slows_the_fallback(own_redis: RedisServer) -> None:
    pacer = redis_workers.budget(own_redis.url, 1.0)
    assert isinstance(pacer, RedisBudget)
    own_redis.stop()

    pacer.penalize(2.0)

    assert pacer.factor == 0.5
    assert pacer.reserve() == pytest.approx(2.0, abs=0.1)


def test_without_the_redis_package_the_warning_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=BUDGET_LOG)
    monkeypatch.setitem(sys.modules, "redis", None)  # import redis raises ImportError
    pacer = redis_workers.budget("redis://127.0.0.1:6379/0", 1.0, share=0.5)
    assert isinstance(pacer, RedisBudget)

    assert pacer.reserve() == 0.0

    assert pacer.fallback_requests == 1
    assert "pip install 'airflow-provider-hex[redis]'" in warnings_of(caplog)[0]
