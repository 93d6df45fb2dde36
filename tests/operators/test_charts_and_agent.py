"""HexRunProjectOperator(save_charts=...) and HexAgentThreadOperator against the simulator:
waiting in the worker, deferring to HexThreadTrigger and resuming, and what is refused
before any request."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from airflow.exceptions import AirflowException  # type: ignore[attr-defined]
from connections import connect
from run_support import FakeTI, TaskDeferred, make_context

from airflow_provider_hex._compat import AirflowFailException
from airflow_provider_hex.exceptions import HexInvalidArgumentError
from airflow_provider_hex.hooks.base import aclose_shared_client
from airflow_provider_hex.operators.agent import HexAgentThreadOperator
from airflow_provider_hex.operators.charts import HexChartError
from airflow_provider_hex.operators.hex import HexRunProjectOperator
from airflow_provider_hex.testing import HexSimulator
from airflow_provider_hex.testing.agent import answer_for
from airflow_provider_hex.testing.demo import (
    DEMO_PROJECT_ID,
    ORDERS_CELL_ID,
    REGION_CHART_STATIC_ID,
    REVENUE_CHART_STATIC_ID,
)
from airflow_provider_hex.testing.png import png_size
from airflow_provider_hex.triggers.agent_thread import HexThreadTrigger

RUN_STARTS = rf"/projects/{DEMO_PROJECT_ID}/runs$"


@pytest.fixture
def charts_sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[HexSimulator]:
    """The demo workspace, ten times faster than real time; ``hex_default`` points at it."""
    with HexSimulator(time_scale=10) as simulator:
        connect(monkeypatch, simulator)
        yield simulator


def run_operator(**kwargs: Any) -> HexRunProjectOperator:
    kwargs.setdefault("poll_interval", 0.05)
    kwargs.setdefault("max_poll_interval", 0.1)
    return HexRunProjectOperator(task_id="run", project_id=DEMO_PROJECT_ID, **kwargs)


def agent_operator(**kwargs: Any) -> HexAgentThreadOperator:
    kwargs.setdefault("poll_interval", 0.05)
    return HexAgentThreadOperator(task_id="ask", **kwargs)


def fire(trigger: Any) -> dict[str, Any]:
    """Run a trigger to its one event (as the triggerer would) and return the payload."""

    async def first() -> dict[str, Any]:
        try:
            async for event in trigger.run():
                return dict(event.payload)
            raise AssertionError("the trigger ended without an event")
        finally:
            await aclose_shared_client()

    return asyncio.run(first())


# -- saving charts ------------------------------------------------------------------------------


def test_worker_run_saves_each_named_chart_and_returns_the_paths(
    charts_sim: HexSimulator, tmp_path: Path
) -> None:
    summary: Any = run_operator(
        save_charts={"revenue": REVENUE_CHART_STATIC_ID, "region": REGION_CHART_STATIC_ID},
        charts_folder=tmp_path.as_uri() + "/out",
    ).execute(make_context())

    assert summary["status"] == "COMPLETED"
    assert [Path(p).name for p in summary["charts"]] == ["revenue.png", "region.png"]
    for name in ("revenue", "region"):
        assert png_size((tmp_path / "out" / f"{name}.png").read_bytes()) == (800, 500)
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".hex-write")]
    run_id = summary["run_id"]
    assert charts_sim.count("GET", rf"/runs/{run_id}/cells/[^/]+/image$") == 2


def test_deferred_run_saves_the_charts_when_it_resumes(
    charts_sim: HexSimulator, tmp_path: Path
) -> None:
    op = run_operator(
        save_charts=[REGION_CHART_STATIC_ID], charts_folder=str(tmp_path), deferrable=True
    )
    with pytest.raises(TaskDeferred) as deferred:
        op.execute(make_context())
    assert list(tmp_path.iterdir()) == []  # nothing saved while the run goes on
    event = fire(deferred.value.trigger)

    summary: Any = op.execute_complete(make_context(), event)

    assert summary["status"] == "COMPLETED"
    assert summary["charts"] == [str(tmp_path / f"{REGION_CHART_STATIC_ID}.png")]
    assert (tmp_path / f"{REGION_CHART_STATIC_ID}.png").read_bytes()[:4] == b"\x89PNG"


def test_an_unwritable_folder_fails_before_the_run_starts(
    charts_sim: HexSimulator, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    op = run_operator(
        save_charts=[REVENUE_CHART_STATIC_ID], charts_folder=(blocker / "charts").as_uri()
    )
    with pytest.raises(AirflowFailException, match=r"charts_folder.*not writable"):
        op.execute(make_context())
    assert charts_sim.count(None, r".") == 0


def test_a_cell_that_is_no_chart_fails_the_task_naming_it(
    charts_sim: HexSimulator, tmp_path: Path
) -> None:
    with charts_sim.lock:
        orders_static = charts_sim.state.cells[ORDERS_CELL_ID].static_id
    op = run_operator(
        save_charts={"revenue": REVENUE_CHART_STATIC_ID, "orders": orders_static},
        charts_folder=str(tmp_path),
    )
    with pytest.raises(HexChartError, match=r"chart 'orders'.*Only chart-type cells") as failed:
        op.execute(make_context())
    assert "revenue.png" in str(failed.value)  # says what was saved before it
    assert charts_sim.count("POST", RUN_STARTS) == 1


def test_a_failed_run_saves_no_chart(charts_sim: HexSimulator, tmp_path: Path) -> None:
    from airflow_provider_hex.testing.demo import ERRORING_PROJECT_ID

    op = HexRunProjectOperator(
        task_id="run",
        project_id=ERRORING_PROJECT_ID,
        save_charts=[REVENUE_CHART_STATIC_ID],
        charts_folder=str(tmp_path),
        poll_interval=0.05,
    )
    with pytest.raises(AirflowException, match="ERRORED"):
        op.execute(make_context())
    assert list(tmp_path.iterdir()) == []
    assert charts_sim.count("GET", r"/image$") == 0


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"save_charts": ["revenue"], "charts_folder": "file:///x"}, "save_charts['revenue']"),
        ({"save_charts": {"../up": REVENUE_CHART_STATIC_ID}, "charts_folder": "/x"}, "save_charts"),
        ({"save_charts": [], "charts_folder": "/x"}, "save_charts"),
        ({"save_charts": REVENUE_CHART_STATIC_ID, "charts_folder": "/x"}, "save_charts"),
        ({"save_charts": [REVENUE_CHART_STATIC_ID]}, "charts_folder"),
        ({"charts_folder": "/x"}, "save_charts"),
        (
            {
                "save_charts": [REVENUE_CHART_STATIC_ID],
                "charts_folder": "/x",
                "wait_for_completion": False,
            },
            "save_charts",
        ),
        (
            {"save_charts": [REVENUE_CHART_STATIC_ID], "charts_folder": "/x", "dry_run": True},
            "save_charts",
        ),
    ],
    ids=[
        "not-a-uuid",
        "unsafe-name",
        "empty",
        "a-string",
        "no-folder",
        "no-charts",
        "not-waiting",
        "dry-run",
    ],
)
def test_bad_chart_arguments_are_refused_when_the_dag_is_parsed(
    kwargs: dict[str, Any], argument: str
) -> None:
    with pytest.raises(HexInvalidArgumentError) as refused:
        run_operator(**kwargs)
    assert refused.value.argument == argument


def test_templated_charts_are_checked_once_rendered(
    charts_sim: HexSimulator, tmp_path: Path
) -> None:
    op = run_operator(save_charts="{{ params.charts }}", charts_folder=str(tmp_path))
    assert {"save_charts", "charts_folder"} <= set(op.template_fields)
    op.save_charts = ["not-a-uuid"]  # what rendering produced
    with pytest.raises(AirflowFailException, match="save_charts"):
        op.execute(make_context())
    assert charts_sim.count(None, r".") == 0


# -- agent threads ------------------------------------------------------------------------------


def test_worker_waits_for_each_answer_and_returns_them(charts_sim: HexSimulator) -> None:
    ti = FakeTI()
    result = agent_operator(
        prompt="How is revenue?", follow_ups=["And marketing?"], project_ids=[DEMO_PROJECT_ID]
    ).execute(make_context(ti))

    assert result["answers"] == [answer_for("How is revenue?"), answer_for("And marketing?")]
    assert result["answer"] == answer_for("And marketing?")
    assert result["response"] == [{"type": "text", "text": answer_for("And marketing?")}]
    assert ti.pushed["thread_id"] == result["thread_id"]
    assert ti.pushed["thread_url"] == result["url"]
    assert ti.pushed["answer"] == result["answer"]
    with charts_sim.lock:
        thread = charts_sim.state.agent.threads[result["thread_id"]]
        assert [t.prompt for t in thread.turns] == ["How is revenue?", "And marketing?"]
        assert thread.attachments == [{"projectIds": [DEMO_PROJECT_ID]}]


def test_deferred_wait_follows_up_from_the_worker_and_defers_again(
    charts_sim: HexSimulator,
) -> None:
    op = agent_operator(prompt="First?", follow_ups=["Second?"], deferrable=True)
    with pytest.raises(TaskDeferred) as first:
        op.execute(make_context())
    trigger = first.value.trigger
    assert isinstance(trigger, HexThreadTrigger)
    event = fire(trigger)
    assert event["status"] == "answered"
    with pytest.raises(TaskDeferred) as second:
        op.execute_complete(make_context(), event)
    assert second.value.trigger.state["step"] == 1
    assert second.value.trigger.state["answers"] == [answer_for("First?")]

    result = op.execute_complete(make_context(), fire(second.value.trigger))

    assert result["answers"] == [answer_for("First?"), answer_for("Second?")]
    assert charts_sim.count("POST", r"/threads$") == 1
    assert charts_sim.count("POST", r"/followup$") == 1


def test_trigger_serializes_without_the_token_and_rebuilds(charts_sim: HexSimulator) -> None:
    op = agent_operator(prompt="q", deferrable=True, timeout=60)
    with pytest.raises(TaskDeferred) as deferred:
        op.execute(make_context())
    path, kwargs = deferred.value.trigger.serialize()
    text = json.dumps(kwargs)
    assert charts_sim.token not in text
    assert path == "airflow_provider_hex.triggers.agent_thread.HexThreadTrigger"
    rebuilt = HexThreadTrigger(**kwargs)
    assert rebuilt.serialize() == (path, kwargs)
    assert kwargs["deadline"] == pytest.approx(kwargs["state"]["deadline"])
    assert fire(rebuilt)["status"] == "answered"


def test_trigger_ends_with_a_timeout_and_cancels_nothing(charts_sim: HexSimulator) -> None:
    charts_sim.state.agent.think_seconds = 3600
    thread_id = agent_operator(prompt="q").hook.create_thread("slow")["threadId"]
    charts_sim.clear_requests()

    event = fire(HexThreadTrigger(thread_id, poll_interval=0.05, deadline=time.time() + 0.3))

    assert event["status"] == "timeout"
    assert "cannot be cancelled" in event["message"]
    assert {r.method for r in charts_sim.requests} == {"GET"}


def test_trigger_reports_a_thread_hex_does_not_know(charts_sim: HexSimulator) -> None:
    event = fire(HexThreadTrigger("0b9ad3a9-4c7e-4ef5-8d6a-6a3b6fb0e7e1", poll_interval=0.05))
    assert event["status"] == "error"
    assert "HTTP 404" in event["message"]


def test_agent_error_fails_the_task_and_sends_no_follow_up(charts_sim: HexSimulator) -> None:
    charts_sim.state.agent.outcomes = ["ERROR"]
    with pytest.raises(AirflowException, match="AGENT_ERROR"):
        agent_operator(prompt="q", follow_ups=["never"]).execute(make_context())
    assert charts_sim.count("POST", r"/followup$") == 0


def test_worker_timeout_fails_saying_the_thread_goes_on(charts_sim: HexSimulator) -> None:
    charts_sim.state.agent.think_seconds = 3600
    with pytest.raises(AirflowException, match="cannot be cancelled"):
        agent_operator(prompt="q", timeout=0.3).execute(make_context())
    assert {r.method for r in charts_sim.requests if "/threads" in r.path} == {"POST", "GET"}
    assert charts_sim.count("POST", r"/threads") == 1


def test_a_workspace_without_threads_fails_with_the_likely_cause(charts_sim: HexSimulator) -> None:
    charts_sim.state.agent.enabled = False
    with pytest.raises(AirflowException, match="not enabled agent threads"):
        agent_operator(prompt="q").execute(make_context())


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"prompt": ""}, "prompt"),
        ({"prompt": None}, "prompt"),
        ({"prompt": "q", "follow_ups": "and then?"}, "follow_ups"),
        ({"prompt": "q", "follow_ups": ["ok", ""]}, "follow_ups[1]"),
        ({"prompt": "q", "project_ids": ["sales"]}, "project_ids[0]"),
        ({"prompt": "q", "data_connection_id": "snowflake"}, "data_connection_id"),
        ({"prompt": "q", "project_id": "p"}, "project_id"),
        ({"prompt": "q", "poll_interval": 0}, "poll_interval"),
        ({"prompt": "q", "timeout": -1}, "timeout"),
    ],
)
def test_bad_agent_arguments_are_refused_when_the_dag_is_parsed(
    kwargs: dict[str, Any], argument: str
) -> None:
    with pytest.raises(HexInvalidArgumentError) as refused:
        HexAgentThreadOperator(task_id="ask", **kwargs)
    assert refused.value.argument == argument


def test_rendered_agent_arguments_are_checked_before_any_request(charts_sim: HexSimulator) -> None:
    op = agent_operator(prompt="{{ params.q }}", project_ids="{{ params.ids }}")
    op.project_ids = ["not-a-uuid"]  # what rendering produced
    with pytest.raises(AirflowFailException, match="project_ids"):
        op.execute(make_context())
    assert charts_sim.count(None, r".") == 0
