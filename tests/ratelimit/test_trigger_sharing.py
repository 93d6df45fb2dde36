"""HexRunTriggers share the process's reader and budget, and serialize none of it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from ratelimit_support import add_runs, connect

from airflow_provider_hex.hooks.budget import RateBudget
from airflow_provider_hex.hooks.hex import HexHook
from airflow_provider_hex.testing import HexSimulator, RunScript
from airflow_provider_hex.triggers.hex import HexRunTrigger
from airflow_provider_hex.triggers.polling import RunStatusReader

LIST_RUNS = r"^/api/v1/projects/[^/]+/runs$"
ONE_RUN = r"^/api/v1/projects/[^/]+/runs/[^/]+$"


def drive(triggers: list[HexRunTrigger]) -> list[dict[str, Any]]:
    """Run triggers side by side on one loop, as a triggerer does; return their events."""

    async def one(trigger: HexRunTrigger) -> dict[str, Any]:
        async for event in trigger.run():
            return dict(event.payload)
        raise AssertionError("the trigger ended without an event")

    async def main() -> list[dict[str, Any]]:
        return await asyncio.gather(*(one(trigger) for trigger in triggers))

    return asyncio.run(main())


def test_triggers_for_runs_of_one_project_share_batched_answers(
    frozen_empty_sim: HexSimulator, conn_id: str
) -> None:
    project_id, runs = add_runs(frozen_empty_sim, 25, script=RunScript(0, 0))
    triggers = [HexRunTrigger(project_id, run, hex_conn_id=conn_id) for run in runs]

    events = drive(triggers)

    assert [event["status"] for event in events] == ["success"] * 25
    assert frozen_empty_sim.count("GET", LIST_RUNS) == 1
    assert frozen_empty_sim.count("GET", ONE_RUN) == 0


def test_nothing_of_the_budget_or_reader_ends_up_in_serialize(
    frozen_empty_sim: HexSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn_id = connect(monkeypatch, frozen_empty_sim, status_reads_per_minute=6000)
    project_id, runs = add_runs(frozen_empty_sim, 1, script=RunScript(0, 0))
    trigger = HexRunTrigger(project_id, runs[0], hex_conn_id=conn_id, poll_interval=1)
    drive([trigger])  # the process now holds a budget and a reader for this connection
    budget = HexHook(conn_id).transport.budget
    assert isinstance(budget, RateBudget)
    assert budget.reservations >= 1

    classpath, kwargs = trigger.serialize()

    text = json.dumps(kwargs)  # plain JSON only
    assert frozen_empty_sim.token not in text
    assert not any(isinstance(v, RateBudget | RunStatusReader | HexHook) for v in kwargs.values())
    assert not any(word in key for key in kwargs for word in ("budget", "reader", "rate"))
    assert HexRunTrigger(**json.loads(text)).serialize() == (classpath, kwargs)
