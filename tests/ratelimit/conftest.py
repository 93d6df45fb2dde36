"""Fixtures for the rate-limit tests: a frozen-clock simulator and a connection to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from ratelimit_support import connect

from airflow_provider_hex.testing import HexSimulator


@pytest.fixture
def sim() -> Iterator[HexSimulator]:
    """A started, empty simulator whose clock only moves on ``sim.advance``."""
    with HexSimulator(time_scale=0, seed_demo=False) as simulator:
        yield simulator


@pytest.fixture
def conn_id(monkeypatch: pytest.MonkeyPatch, sim: HexSimulator) -> str:
    """``hex_sim`` pointing at the simulator, without pacing (these tests count calls)."""
    return connect(monkeypatch, sim, rate_budget=False)
