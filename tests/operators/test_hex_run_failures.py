"""A run that does not complete is explained in the task log, the exception and the event.

The lines come from what the simulator knows of the run: its state events (read once more
with ``expanded_stats``), the time spent in each state, the notifications it delivered and
its URL.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from airflow.exceptions import AirflowException  # type: ignore[attr-defined]
from run_support import TaskDeferred, fast_operator, logged, make_context

from airflow_provider_hex._compat import AirflowFailException
from airflow_provider_hex.hooks.hex import HexHook
from airflow_provider_hex.testing import HexSimulator, RunScript
from airflow_provider_hex.triggers.hex import HexRunTrigger


def analysts_group(sim: HexSimulator) -> str:
    with sim.lock:
        return sim.state.add_group("Analysts", []).id


def failing_project(sim: HexSimulator, outcome: str) -> str:
    return sim.add_project(f"{outcome} report", scripts=[RunScript(0.1, 0.2, outcome)])


TIMELINE = {
    "ERRORED": r"Timeline: PENDING \S+ \(0\.\ds\) -> RUNNING \S+ \(0\.\ds\) -> ERRORED \S+",
    "UNABLE_TO_ALLOCATE_KERNEL": r"Timeline: PENDING \S+ \(0\.\ds\) -> UNABLE_TO_ALLOCATE_KERNEL",
    "KILLED": r"Timeline: PENDING \S+ \(\d\.\ds\) -> RUNNING \S+ \(\d\.\ds\) -> KILLED \S+",
}


def assert_explained(text: str, outcome: str, run_id: str, run_url: str) -> None:
    assert f"Hex run {run_id} ended {outcome}" in text
    assert re.search(TIMELINE[outcome], text), text
    assert f"Run: {run_url}" in text


@pytest.mark.parametrize("outcome", ["ERRORED", "UNABLE_TO_ALLOCATE_KERNEL"])
def test_a_failed_run_is_explained_in_the_log_and_the_exception(
    sim: HexSimulator,
    conn_id: str,
    outcome: str,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project_id = failing_project(sim, outcome)
    group = analysts_group(sim)
    notify = [{"type": "FAILURE", "groupIds": [group]}]
    context = make_context()

    with pytest.raises(AirflowException) as caught:
        fast_operator(project_id, notifications=notify).execute(context)

    run_id, run_url = context["ti"].pushed["run_id"], context["ti"].pushed["run_url"]
    assert_explained(str(caught.value), outcome, run_id, run_url)
    assert "Notifications delivered: FAILURE to group Analysts" in str(caught.value)
    assert_explained(logged(caplog, capsys), outcome, run_id, run_url)
    expanded = [r for r in sim.requests if r.headers.get("enable-expanded-stats") == "true"]
    assert len(expanded) == 1  # one extra read, for the failed run only


def test_a_killed_run_is_explained_and_not_retried(sim: HexSimulator, conn_id: str) -> None:
    project_id = sim.add_project("Cancelled elsewhere", scripts=[RunScript(0.1, 3600)])
    context = make_context()
    op = fast_operator(project_id, deferrable=True)
    with pytest.raises(TaskDeferred):
        op.execute(context)
    run_id, run_url = context["ti"].pushed["run_id"], context["ti"].pushed["run_url"]
    sim.advance(1.0)
    HexHook(conn_id).cancel_run(project_id, run_id)
    trigger = HexRunTrigger(project_id, run_id, run_url=run_url, poll_interval=0.05)

    event = asyncio.run(_first_event(trigger))

    assert_explained("\n".join(event["explanation"]), "KILLED", run_id, run_url)
    with pytest.raises(AirflowFailException) as caught:
        op.execute_complete(make_context(), event)
    assert_explained(str(caught.value), "KILLED", run_id, run_url)


@pytest.mark.parametrize("outcome", ["ERRORED", "UNABLE_TO_ALLOCATE_KERNEL"])
def test_the_trigger_event_carries_the_explanation(
    sim: HexSimulator, conn_id: str, outcome: str
) -> None:
    project_id = failing_project(sim, outcome)
    started = HexHook(conn_id).run_project(project_id)
    trigger = HexRunTrigger(
        project_id, started["runId"], run_url=started["runUrl"], poll_interval=0.05
    )

    event = asyncio.run(_first_event(trigger))

    assert event["status"] == "failed"
    assert_explained("\n".join(event["explanation"]), outcome, started["runId"], started["runUrl"])
    assert event["run"]["stateEvents"]


def test_a_422_on_start_names_the_invalid_and_unknown_parameters(
    sim: HexSimulator, conn_id: str
) -> None:
    project_id = sim.add_project("Typed inputs", input_params={"days": "number"})

    with pytest.raises(AirflowException) as caught:
        fast_operator(project_id, input_params={"days": "seven", "region": "EU"}).execute(
            make_context()
        )

    message = str(caught.value)
    assert "HTTP 422" in message
    assert "invalid input parameters: days (expected number" in message
    assert "unknown input parameters: region" in message
    assert sim.count("POST", r"/runs$") == 1


async def _first_event(trigger: HexRunTrigger) -> dict[str, Any]:
    async for event in trigger.run():
        return dict(event.payload)
    raise AssertionError("the trigger yielded nothing")
