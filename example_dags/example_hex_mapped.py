"""Fan out over Hex projects and over input parameters with dynamic task mapping.

``run_each_project`` runs several projects in parallel, one mapped task per project id;
``run_per_region`` runs one project once per set of input parameters. Both defer, so a
dozen waiting runs hold no worker slots. ``collect`` receives every mapped task's
summary as a list.

Project ids: the simulator's demo projects (``airflow_provider_hex.testing.demo``:
DEMO_PROJECT_ID, MARKETING_PROJECT_ID, INVENTORY_PROJECT_ID); replace them with yours.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from airflow.sdk import dag, task

from airflow_provider_hex.operators.hex import HexRunProjectOperator

log = logging.getLogger(__name__)

SALES_REPORT = "5a8591dd-4039-49df-9202-96385ba3eff8"  # "Daily sales report"
MARKETING_FUNNEL = "ae8905c8-8c2e-4f2a-9241-ef56d43de8da"  # "Weekly marketing funnel"
INVENTORY_FORECAST = "f90ac3c5-d6cd-45e9-beef-8a08c61789a1"  # "Inventory forecast"
REGIONS = ["AMER", "EMEA", "APAC"]


@dag(
    dag_id="example_hex_mapped",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    tags=["example", "hex"],
)
def example_hex_mapped() -> None:
    """Refresh every reporting project, then the funnel once per region."""

    # [START howto_operator_hex_run_project_mapped]
    run_each_project = HexRunProjectOperator.partial(
        task_id="run_each_project",
        deferrable=True,
        poll_interval=5,
    ).expand(project_id=[SALES_REPORT, MARKETING_FUNNEL, INVENTORY_FORECAST])
    # [END howto_operator_hex_run_project_mapped]

    # [START howto_operator_hex_run_project_mapped_inputs]
    run_per_region = HexRunProjectOperator.partial(
        task_id="run_per_region",
        project_id=MARKETING_FUNNEL,
        deferrable=True,
        poll_interval=5,
    ).expand(input_params=[{"region": region} for region in REGIONS])
    # [END howto_operator_hex_run_project_mapped_inputs]

    @task
    def collect(summaries: list[dict[str, Any]]) -> dict[str, str]:
        """Map each finished run to its status."""
        statuses = {s["run_id"]: s["status"] for s in summaries}
        log.info("Hex runs finished: %s", statuses)
        return statuses

    collect(run_each_project.output)
    run_each_project >> run_per_region


example_hex_mapped()
