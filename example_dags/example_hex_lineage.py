"""Hex in Airflow's data graph: ETL, a Hex run that updates its project's asset, and a DAG
scheduled on that asset.

``load_orders`` stands in for an ETL step that refreshes the warehouse tables the report
reads. ``refresh_sales_report`` runs the Hex project with the project's ``hex://`` asset as
its outlet: each successful run adds an asset event whose extra holds the run's id, URL,
status and elapsed seconds, and ``example_hex_after_report`` runs once per such event.

With ``apache-airflow-providers-openlineage`` installed (``airflow-provider-hex[openlineage]``)
and a transport configured, the Hex task also emits OpenLineage events: the warehouse tables
the project queries as inputs, the project (``hex://<host>/projects/<id>``) as output.

``HEX_HOST`` is your workspace's host as in the Hex connection; the project id defaults to
the simulator's demo project ("Daily sales report").
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from typing import Any

from airflow.sdk import dag, task

from airflow_provider_hex.assets import hex_project_asset
from airflow_provider_hex.operators.hex import HexRunProjectOperator

log = logging.getLogger(__name__)

PROJECT_ID = os.environ.get("HEX_PROJECT_ID", "5a8591dd-4039-49df-9202-96385ba3eff8")

# [START howto_asset_hex_project]
SALES_REPORT = hex_project_asset(PROJECT_ID, host=os.environ.get("HEX_HOST", "app.hex.tech"))
# [END howto_asset_hex_project]


@dag(
    dag_id="example_hex_lineage",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    tags=["example", "hex"],
)
def example_hex_lineage() -> None:
    """Refresh the orders tables, then the Hex report that reads them."""

    @task
    def load_orders() -> None:
        """Stand in for an ETL step that loads the day's orders into the warehouse."""
        log.info("Loaded the day's orders into ANALYTICS.PUBLIC.ORDERS")

    # [START howto_operator_hex_run_outlet]
    refresh_sales_report = HexRunProjectOperator(
        task_id="refresh_sales_report",
        project_id=PROJECT_ID,
        outlets=[SALES_REPORT],  # each successful run updates the project's asset
        deferrable=True,
    )
    # [END howto_operator_hex_run_outlet]

    load_orders() >> refresh_sales_report


# [START howto_schedule_on_hex_asset]
@dag(
    dag_id="example_hex_after_report",
    schedule=[SALES_REPORT],  # runs after each successful refresh_sales_report
    start_date=datetime(2025, 1, 1),
    catchup=False,
    tags=["example", "hex"],
)
def example_hex_after_report() -> None:
    """Announce the refreshed report with the run that refreshed it."""

    @task
    def announce(triggering_asset_events: Any = None) -> list[str]:
        """Log the Hex run behind each asset event that started this DAG run."""
        urls = []
        for events in (triggering_asset_events or {}).values():
            for event in events:
                log.info("Sales report refreshed by Hex run %s", event.extra.get("run_url"))
                urls.append(event.extra.get("run_url"))
        return urls

    announce()


# [END howto_schedule_on_hex_asset]

example_hex_lineage()
example_hex_after_report()
