"""Fixtures of the operator tests: Airflow's executor safeguard quiet, and ``hex_default``
pointing at the test's simulator."""

from __future__ import annotations

import pytest
from run_support import connect, quiet_safeguard

from airflow_provider_hex.testing import HexSimulator


@pytest.fixture(autouse=True)
def _quiet_safeguard(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let tests call ``execute`` outside a task runner without Airflow's warning."""
    quiet_safeguard(monkeypatch)


@pytest.fixture
def conn(monkeypatch: pytest.MonkeyPatch, sim: HexSimulator) -> str:
    """``hex_default`` pointing at ``sim``: one quick retry, no pacing."""
    return connect(monkeypatch, sim)
