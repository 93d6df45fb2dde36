"""The charts-and-agent example DAG in a real Airflow (``dag.test()``) against the simulator:
the deferred run saves its charts, a downstream task lists them, the deferred agent thread
answers its prompt and follow-up."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from dag_helpers import DagResult

from airflow_provider_hex.testing import HexSimulator
from airflow_provider_hex.testing.agent import answer_for
from airflow_provider_hex.testing.demo import (
    DEMO_PROJECT_ID,
    REGION_CHART_STATIC_ID,
    REVENUE_CHART_STATIC_ID,
)
from airflow_provider_hex.testing.png import PNG_SIGNATURE

pytestmark = pytest.mark.airflow

RUN_STARTS = rf"/projects/{DEMO_PROJECT_ID}/runs$"


@pytest.fixture
def charts_dag_sim(fast_hex: HexSimulator, monkeypatch: pytest.MonkeyPatch) -> HexSimulator:
    """``fast_hex`` with quick retries and no client-side pacing."""
    conn = {"conn_type": "hex", "host": fast_hex.url, "password": fast_hex.token}
    extra = {"rate_budget": False, "retry_backoff": 0.01, "max_retry_wait": 1}
    monkeypatch.setenv("AIRFLOW_CONN_HEX_DEFAULT", json.dumps({**conn, "extra": extra}))
    return fast_hex


def test_example_saves_the_charts_lists_them_and_returns_the_agents_answer(
    charts_dag_sim: HexSimulator,
    run_example: Callable[[str, str], DagResult],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HEX_CHARTS_FOLDER", tmp_path.as_uri())

    result = run_example("example_hex_charts_and_agent.py", "example_hex_charts_and_agent")

    assert result.state == "success", result.states
    summary = result.xcom("run_sales_report")
    assert summary["status"] == "COMPLETED"
    written = sorted(tmp_path.rglob("*.png"))
    assert [p.name for p in written] == ["by_region.png", "revenue.png"]
    assert all(p.read_bytes().startswith(PNG_SIGNATURE) for p in written)
    assert [Path(re.sub(r"^file://", "", p)).name for p in summary["charts"]] == [
        "revenue.png",
        "by_region.png",
    ]
    listed = result.xcom("list_chart_files")
    assert [(f["name"], f["png"]) for f in listed] == [
        ("revenue.png", True),
        ("by_region.png", True),
    ]
    assert sorted(f["bytes"] for f in listed) == sorted(p.stat().st_size for p in written)
    run_id = summary["run_id"]
    assert (
        charts_dag_sim.count("GET", rf"/runs/{run_id}/cells/{REVENUE_CHART_STATIC_ID}/image$") == 1
    )
    assert (
        charts_dag_sim.count("GET", rf"/runs/{run_id}/cells/{REGION_CHART_STATIC_ID}/image$") == 1
    )

    answer = result.xcom("ask_agent")
    assert answer["answer"] == answer_for("Which products drove the change?")
    assert answer["answers"][0] == answer_for(
        "Why did revenue change in the EMEA region this week?"
    )
    assert result.xcom("ask_agent", "thread_id") == answer["thread_id"]
    with charts_dag_sim.lock:
        thread = charts_dag_sim.state.agent.threads[answer["thread_id"]]
        assert [t.prompt for t in thread.turns] == answer["prompts"]
        assert thread.attachments == [{"projectIds": [DEMO_PROJECT_ID]}]
    assert answer["url"] in result.xcom("share_answer")
