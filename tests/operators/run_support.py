"""Helpers shared by the run-operator tests (imported as ``run_support``; no tests).

Tests call ``execute`` / ``execute_complete`` directly with a minimal context: a task
instance that records XComs, Airflow's outlet-event accessors and, when a test needs one, a
dict-backed stand-in for the task state store.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from airflow.sdk.execution_time.context import OutletEventAccessors

from airflow_provider_hex.operators.hex import HexRunProjectOperator
from airflow_provider_hex.testing import HexSimulator

try:  # Airflow 3.2+
    from airflow.sdk.exceptions import TaskDeferred
except ImportError:  # Airflow 3.0, 3.1
    from airflow.exceptions import TaskDeferred  # type: ignore[no-redef,attr-defined]

__all__ = ["TaskDeferred"]

PROJECT = "5a8591dd-4039-49df-9202-96385ba3eff8"
RUN = "78c33d18-170c-44d3-a227-b3194f134f73"
RUN_URL = f"https://app.hex.tech/app/{PROJECT}/runs/{RUN}"
#: The path of RunProject, for counting run starts.
RUN_STARTS = r"/projects/[^/]+/runs$"


def fast_operator(project_id: str, **kwargs: Any) -> HexRunProjectOperator:
    """A run operator (task ``run``) that polls every 50-100 ms."""
    kwargs.setdefault("poll_interval", 0.05)
    kwargs.setdefault("max_poll_interval", 0.1)
    return HexRunProjectOperator(task_id="run", project_id=project_id, **kwargs)


def run_starts(sim: HexSimulator) -> int:
    """How many RunProject calls ``sim`` received."""
    return sim.count("POST", RUN_STARTS)


class FakeTI:
    """Records the XComs a task pushes, in order."""

    def __init__(self, on_push: Any = None) -> None:
        self.xcoms: list[tuple[str, Any]] = []
        self.stats_tags: dict[str, str] = {}
        self._on_push = on_push

    def xcom_push(self, key: str, value: Any) -> None:
        if self._on_push is not None:
            self._on_push(key, value)
        self.xcoms.append((key, value))

    def get_first_reschedule_date(self, context: Any) -> None:
        return None

    @property
    def pushed(self) -> dict[str, Any]:
        return dict(self.xcoms)


class FakeStateStore:
    """Stands in for the task state store (the real one talks to the API server)."""

    def __init__(self, crash_after_set: bool = False) -> None:
        self.data: dict[str, Any] = {}
        self.crash_after_set = crash_after_set

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def set(self, key: str, value: Any, **_: Any) -> None:
        self.data[key] = json.loads(json.dumps(value))
        if self.crash_after_set:
            raise WorkerCrash("the worker died right after storing the run")

    def delete(self, key: str) -> None:
        self.data.pop(key, None)


class WorkerCrash(BaseException):
    """A worker dying mid-task (nothing in the task catches it)."""


def make_context(ti: FakeTI | None = None, store: FakeStateStore | None = None) -> dict[str, Any]:
    """A minimal task context."""
    context: dict[str, Any] = {"ti": ti or FakeTI(), "outlet_events": OutletEventAccessors()}
    if store is not None:
        context["task_state_store"] = store
    return context


def logged(caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> str:
    """What the task logged: Airflow 3.0 logs tasks through stdlib logging (which may also
    echo to stdout), later versions through structlog to stdout only."""
    printed = capsys.readouterr().out
    if any(record.name.startswith("airflow.task") for record in caplog.records):
        return caplog.text
    return printed


def quiet_safeguard(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let tests call ``execute`` outside a task runner without Airflow's warning."""
    from airflow.sdk.bases.operator import ExecutorSafeguard

    monkeypatch.setattr(ExecutorSafeguard, "test_mode", True)
    logging.getLogger("airflow.task").setLevel(logging.INFO)
