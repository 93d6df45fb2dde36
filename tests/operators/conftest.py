"""Fixtures of the operator tests: Airflow's executor safeguard quiet. The simulator and the
connection to it are the suite's ``sim`` and ``conn_id``."""

from __future__ import annotations

import pytest
from run_support import quiet_safeguard


@pytest.fixture(autouse=True)
def _quiet_safeguard(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let tests call ``execute`` outside a task runner without Airflow's warning."""
    quiet_safeguard(monkeypatch)
