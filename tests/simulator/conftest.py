"""Fixtures for the simulator's own tests: a frozen-clock simulator and an authorised session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from airflow_provider_hex.testing import HexSimulator

# Also make the package's plugin fixtures available when the entry point is not installed.
from airflow_provider_hex.testing.pytest_plugin import hex_connection, hex_simulator  # noqa: F401


@pytest.fixture
def frozen_demo_sim() -> Iterator[HexSimulator]:
    """A started demo simulator whose clock only moves on ``frozen_demo_sim.advance``."""
    with HexSimulator(time_scale=0) as simulator:
        yield simulator


@pytest.fixture
def api(frozen_demo_sim: HexSimulator) -> str:
    """The API base URL."""
    return frozen_demo_sim.url + "/api/v1"


@pytest.fixture
def http(frozen_demo_sim: HexSimulator) -> Iterator[requests.Session]:
    """A session that sends the simulator's token."""
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {frozen_demo_sim.token}"
        yield session
