"""Fixtures for the rate-limit tests: a frozen-clock simulator, a connection to it, and a
real redis-server for the shared budget."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from ratelimit_support import connect
from redis_support import RedisServer

from airflow_provider_hex.testing import HexSimulator


@pytest.fixture
def frozen_empty_sim() -> Iterator[HexSimulator]:
    """A started, empty simulator whose clock only moves on ``frozen_empty_sim.advance``."""
    with HexSimulator(time_scale=0, seed_demo=False) as simulator:
        yield simulator


@pytest.fixture
def conn_id(monkeypatch: pytest.MonkeyPatch, frozen_empty_sim: HexSimulator) -> str:
    """``hex_default`` pointing at ``frozen_empty_sim``, unpaced (these tests count calls)."""
    return connect(monkeypatch, frozen_empty_sim, rate_budget=False)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A real redis-server on a free loopback port, for the whole session."""
    server = RedisServer().start()
    yield server
    server.cleanup()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The session's Redis, emptied for this test."""
    client = redis_server.client()
    client.flushall()
    client.close()
    return redis_server.url


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A redis-server of this test alone, which the test may stop and start again."""
    server = RedisServer().start()
    yield server
    server.cleanup()
