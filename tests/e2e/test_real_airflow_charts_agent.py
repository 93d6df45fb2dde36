"""The charts-and-agent example in a real Airflow: scheduler, triggerer, DAG processor and
API server as separate processes, driven only through the REST API.

Shows what ``dag.test()`` cannot: the agent task really sits in ``deferred`` while Hex's
agent works, its trigger is rebuilt from what it serialized (the connection id, never the
token) in the triggerer, and the task resumes in a worker to send the follow-up; the Hex run
saves its charts after the triggerer's wait.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from airflow_provider_hex.testing import HexSimulator
from airflow_provider_hex.testing.agent import answer_for
from airflow_provider_hex.testing.png import PNG_SIGNATURE

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))

from airflow_stack import AirflowStack  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.feature_e2e]

DAG_FILE = REPO / "example_dags" / "example_hex_charts_and_agent.py"
DAG_ID = "example_hex_charts_and_agent"
#: Simulated seconds per real second: the demo run takes 10 real seconds and each of the
#: agent's answers 6, long enough to see the tasks deferred.
TIME_SCALE = 0.5


@pytest.fixture(scope="module")
def stack_sim() -> Iterator[HexSimulator]:
    with HexSimulator(time_scale=TIME_SCALE) as sim:
        yield sim


@pytest.fixture(scope="module")
def charts_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("charts")


@pytest.fixture(scope="module")
def airflow_stack(stack_sim: HexSimulator, charts_root: Path) -> Iterator[AirflowStack]:
    env = {
        "AIRFLOW_CONN_HEX_DEFAULT": stack_sim.airflow_connection_json(),
        "HEX_CHARTS_FOLDER": charts_root.as_uri(),
    }
    with AirflowStack([DAG_FILE], env) as stack:
        stack.wait_for_dag(DAG_ID)
        stack.unpause(DAG_ID)
        yield stack


def test_charts_are_saved_and_the_agent_answers_through_the_triggerer(
    airflow_stack: AirflowStack, stack_sim: HexSimulator, charts_root: Path
) -> None:
    run_id = airflow_stack.trigger(DAG_ID)

    airflow_stack.wait_for_task_state(DAG_ID, run_id, "run_sales_report", ["deferred"], 120)
    airflow_stack.wait_for_task_state(DAG_ID, run_id, "ask_agent", ["deferred"], 180)
    thread_id = airflow_stack.xcom(DAG_ID, run_id, "ask_agent", "thread_id")
    assert airflow_stack.wait_for_run(DAG_ID, run_id, timeout=180) == "success"

    summary = airflow_stack.xcom(DAG_ID, run_id, "run_sales_report")
    written = sorted(charts_root.rglob("*.png"))
    assert [p.name for p in written] == ["by_region.png", "revenue.png"]
    assert all(p.read_bytes().startswith(PNG_SIGNATURE) for p in written)
    assert len(summary["charts"]) == 2
    listed = airflow_stack.xcom(DAG_ID, run_id, "list_chart_files")
    assert [f["png"] for f in listed] == [True, True]

    answer = airflow_stack.xcom(DAG_ID, run_id, "ask_agent")
    assert answer["thread_id"] == thread_id
    assert answer["answer"] == answer_for("Which products drove the change?")
    with stack_sim.lock:
        turns = stack_sim.state.agent.threads[thread_id].turns
        assert [t.prompt for t in turns] == answer["prompts"]
    assert stack_sim.count("POST", r"/threads$") == 1
    assert stack_sim.count("POST", r"/followup$") == 1
    assert airflow_stack.task_instance(DAG_ID, run_id, "share_answer")["state"] == "success"
