"""Fixtures of the sensor tests: Airflow's executor safeguard quiet."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _quiet_safeguard(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let tests call ``execute`` and ``poke`` outside a task runner without Airflow's
    warning."""
    from airflow.sdk.bases.operator import ExecutorSafeguard

    monkeypatch.setattr(ExecutorSafeguard, "test_mode", True)
