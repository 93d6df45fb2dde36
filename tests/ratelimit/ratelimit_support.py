"""Helpers for the rate-limit tests: point a connection at a simulator, fill it with runs."""

from __future__ import annotations

import connections
import pytest

from airflow_provider_hex.testing import HexSimulator, RunScript

CONN_ID = "hex_sim"


def connect(
    monkeypatch: pytest.MonkeyPatch,
    sim: HexSimulator,
    conn_id: str = CONN_ID,
    **extra: object,
) -> str:
    """Point the Airflow connection ``conn_id`` at ``sim`` with fast retries, the rate budget
    on and Hex's default limits (unless ``extra`` says otherwise)."""
    budget_on = {"max_retry_wait": 5, "max_retries": 5, "rate_budget": True}
    return connections.connect(monkeypatch, sim, conn_id, **(budget_on | extra))


def add_runs(
    sim: HexSimulator,
    count: int,
    *,
    script: RunScript | None = None,
    title: str = "Project",
) -> tuple[str, list[str]]:
    """Add a project with ``count`` runs (oldest first) made directly in the simulator."""
    project_id = sim.add_project(title, scripts=[script or RunScript(0, 3600)])
    with sim.lock:
        project = sim.state.projects[project_id]
        now = sim.clock.now()
        runs = [
            sim.state.start_run(project, {}, created_at=now - count + i).id for i in range(count)
        ]
    return project_id, runs
