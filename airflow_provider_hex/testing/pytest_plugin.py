"""Pytest fixtures for the Hex simulator (registered as the ``hex_simulator`` pytest11 plugin).

* ``hex_simulator``: a started simulator with the demo workspace, one per test.
* ``hex_connection``: the same simulator, with ``AIRFLOW_CONN_HEX_DEFAULT`` pointing at it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .simulator import HexSimulator


@pytest.fixture
def hex_simulator() -> Iterator[HexSimulator]:
    """Yield a started, demo-seeded simulator; stop it after the test."""
    with HexSimulator() as sim:
        yield sim


@pytest.fixture
def hex_connection(hex_simulator: HexSimulator, monkeypatch: pytest.MonkeyPatch) -> HexSimulator:
    """Point the ``hex_default`` Airflow connection at ``hex_simulator`` and return it."""
    monkeypatch.setenv("AIRFLOW_CONN_HEX_DEFAULT", hex_simulator.airflow_connection_json())
    return hex_simulator
