"""Run a Hex project as one step of a pipeline, without holding a worker while it runs.

``extract_orders`` stands in for an ETL step; what it returns becomes the project's input
parameters. ``run_sales_report`` starts the Hex run and defers: the worker slot is given
back while Hex works, and the triggerer watches the run. ``share_report`` then reads the
run's URL and summary from XCom.

To try it without a Hex account, start the simulator
(``python -m airflow_provider_hex.testing``) and point the ``hex_default`` connection at
it. The project id defaults to the simulator's demo project, "Daily sales report"; set
the ``HEX_PROJECT_ID`` environment variable to run one of your own projects instead.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from typing import Any

from airflow.sdk import dag, task

from airflow_provider_hex.operators.hex import HexRunProjectOperator

log = logging.getLogger(__name__)

# The simulator's demo project (airflow_provider_hex.testing.demo.DEMO_PROJECT_ID).
PROJECT_ID = os.environ.get("HEX_PROJECT_ID", "5a8591dd-4039-49df-9202-96385ba3eff8")


@dag(
    dag_id="example_hex_run_project",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    tags=["example", "hex"],
)
def example_hex_run_project() -> None:
    """Load the day's orders, refresh the Hex sales report on them, then share its link."""

    @task
    def extract_orders() -> dict[str, Any]:
        """Stand in for an ETL step; return the report's input parameters."""
        log.info("Loaded the day's orders into the warehouse")
        return {"region": "EMEA", "days": 7, "include_returns": False}

    report_inputs = extract_orders()

    # [START howto_operator_hex_run_project]
    run_sales_report = HexRunProjectOperator(
        task_id="run_sales_report",
        project_id=PROJECT_ID,
        input_params=report_inputs,
        deferrable=True,  # wait in the triggerer, not on a worker
        poll_interval=5,
        timeout=30 * 60,
    )
    # [END howto_operator_hex_run_project]

    # [START howto_operator_hex_run_project_xcom]
    @task
    def share_report(summary: dict[str, Any], run_url: str) -> str:
        """Announce the finished report (here: log it) with its link."""
        message = f"Sales report run {summary['run_id']} ended {summary['status']}: {run_url}"
        log.info("%s", message)
        return message

    share_report(run_sales_report.output, run_sales_report.output["run_url"])
    # [END howto_operator_hex_run_project_xcom]


example_hex_run_project()
