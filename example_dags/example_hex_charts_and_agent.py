"""Hand a pipeline's results to people: save a Hex run's charts, then ask Hex's agent.

``extract_orders`` stands in for an ETL step. ``run_sales_report`` runs the Hex report on
the fresh data (deferred: no worker is held while Hex works) and, once the run has
completed, saves two of its chart cells as PNG files in ``CHARTS_FOLDER``; the task's
result lists their paths under ``charts``. ``list_chart_files`` is the downstream step a
notifier would be (here it checks and lists the files). ``ask_agent`` asks Hex's agent
about the report, with one follow-up, and ``share_answer`` hands the answer on.

To try it without a Hex account, start the simulator
(``python -m airflow_provider_hex.testing``) and point the ``hex_default`` connection at
it: the ids below are the simulator's demo project and its two chart cells. Set
``HEX_CHARTS_FOLDER`` to any object storage URL (``s3://bucket/charts``, ...) to keep the
charts there instead of in a local temporary folder.
"""

from __future__ import annotations

import logging
import os
import tempfile
from datetime import datetime
from typing import Any

from airflow.sdk import dag, task

from airflow_provider_hex.operators.agent import HexAgentThreadOperator
from airflow_provider_hex.operators.hex import HexRunProjectOperator

log = logging.getLogger(__name__)

# The simulator's demo project and the static ids of its chart cells
# (airflow_provider_hex.testing.demo: DEMO_PROJECT_ID, REVENUE_CHART_STATIC_ID,
# REGION_CHART_STATIC_ID). A cell's static id is in HexHook.list_cells' "staticId".
PROJECT_ID = os.environ.get("HEX_PROJECT_ID", "5a8591dd-4039-49df-9202-96385ba3eff8")
CHARTS = {
    "revenue": os.environ.get("HEX_REVENUE_CHART", "710878c6-96c5-4e98-b670-5b4afb9f531e"),
    "by_region": os.environ.get("HEX_REGION_CHART", "084b5eb0-afa8-429a-b18f-dea4a8f4627c"),
}
CHARTS_FOLDER = os.environ.get(
    "HEX_CHARTS_FOLDER", "file://" + os.path.join(tempfile.gettempdir(), "hex-charts")
)


@dag(
    dag_id="example_hex_charts_and_agent",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    tags=["example", "hex"],
)
def example_hex_charts_and_agent() -> None:
    """Refresh the sales report, save its charts, list them, and ask the agent about it."""

    @task
    def extract_orders() -> dict[str, Any]:
        """Stand in for an ETL step; return the report's input parameters."""
        log.info("Loaded the day's orders into the warehouse")
        return {"region": "EMEA", "days": 7}

    # [START howto_operator_hex_save_charts]
    run_sales_report = HexRunProjectOperator(
        task_id="run_sales_report",
        project_id=PROJECT_ID,
        input_params=extract_orders(),
        save_charts=CHARTS,  # {file name: chart cell's static id}
        charts_folder=CHARTS_FOLDER + "/{{ run_id | replace(':', '-') | replace('+', '-') }}",
        deferrable=True,
        poll_interval=5,
    )
    # [END howto_operator_hex_save_charts]

    # [START howto_operator_hex_list_charts]
    @task
    def list_chart_files(summary: dict[str, Any]) -> list[dict[str, Any]]:
        """List the saved charts (a notifier would attach them): name, size, PNG or not."""
        from airflow.sdk import ObjectStoragePath

        files = []
        for path in summary["charts"]:
            data = ObjectStoragePath(path).read_bytes()
            files.append(
                {
                    "name": path.rsplit("/", 1)[-1],
                    "path": path,
                    "bytes": len(data),
                    "png": data.startswith(b"\x89PNG\r\n\x1a\n"),
                }
            )
            log.info("Chart %s: %d bytes", path, len(data))
        return files

    # [END howto_operator_hex_list_charts]

    # [START howto_operator_hex_agent_thread]
    ask_agent = HexAgentThreadOperator(
        task_id="ask_agent",
        prompt="Why did revenue change in the {{ params.region }} region this week?",
        follow_ups=["Which products drove the change?"],
        project_ids=[PROJECT_ID],
        params={"region": "EMEA"},
        deferrable=True,
        poll_interval=10,
        timeout=20 * 60,
    )
    # [END howto_operator_hex_agent_thread]

    # [START howto_operator_hex_agent_answer]
    @task
    def share_answer(result: dict[str, Any]) -> str:
        """Hand the agent's answer on (here: log it) with the thread's link."""
        message = f"{result['answer']} ({result['url']})"
        log.info("%s", message)
        return message

    share_answer(ask_agent.output)
    # [END howto_operator_hex_agent_answer]

    list_chart_files(run_sales_report.output) >> ask_agent


example_hex_charts_and_agent()
