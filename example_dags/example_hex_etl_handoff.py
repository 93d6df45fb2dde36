"""Hand a finished ETL run over to Hex: endorse the tables, sync the semantic models, run.

After the warehouse tables are built (``build_marts`` stands in for your dbt or Spark
job), the DAG tells Hex which tables to trust and which are retired, uploads the semantic
models the build produced, endorses the new dataset, refreshes the report and saves its
charts as PNG files (``list_charts`` is where a notifier would attach them), and keeps a
copy of the report as code (``.hex.yaml``) beside the build.

To try it without a Hex account, start the simulator
(``python -m airflow_provider_hex.testing``) and point the ``hex_default`` connection at
it. The ids below default to the simulator's demo workspace
(``airflow_provider_hex.testing.demo``); set the environment variables to use your own.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from airflow.sdk import dag, task

from airflow_provider_hex.operators.data_connections import (
    HexUpdateDataConnectionSchemaOperator,
)
from airflow_provider_hex.operators.hex import HexRunProjectOperator
from airflow_provider_hex.operators.project_admin import HexExportProjectOperator
from airflow_provider_hex.operators.semantic import (
    HexIngestSemanticProjectOperator,
    HexUpdateSemanticProjectOperator,
)

PROJECT_ID = os.environ.get("HEX_PROJECT_ID", "5a8591dd-4039-49df-9202-96385ba3eff8")
WAREHOUSE_ID = os.environ.get("HEX_WAREHOUSE_ID", "04ca4a56-3118-4a14-a171-f911c7ea3f73")
SEMANTIC_PROJECT_ID = os.environ.get(
    "HEX_SEMANTIC_PROJECT_ID", "3b0c7d1e-6f2a-4e59-8c41-9d2e7a5b6c10"
)
SEMANTIC_MODELS = os.environ.get(
    "HEX_SEMANTIC_MODELS", str(Path(__file__).parent / "semantic_models")
)
# Any Airflow object store: "s3://aws_default@backups/hex/", "gs://...", or a local folder.
EXPORT_DESTINATION = os.environ.get(
    "HEX_EXPORT_DESTINATION", (Path(tempfile.gettempdir()) / "hex-exports").as_uri()
)


# Where the report's chart images go: any Airflow object store, or a local folder.
CHARTS_FOLDER = os.environ.get(
    "HEX_CHARTS_FOLDER", (Path(tempfile.gettempdir()) / "hex-charts").as_uri()
)
# The report's chart cells, by the file name each image gets (static ids of the demo's cells).
CHARTS = {
    "revenue": os.environ.get("HEX_REVENUE_CHART", "710878c6-96c5-4e98-b670-5b4afb9f531e"),
    "regions": os.environ.get("HEX_REGION_CHART", "084b5eb0-afa8-429a-b18f-dea4a8f4627c"),
}


@dag(
    dag_id="example_hex_etl_handoff",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    tags=["example", "hex"],
)
def example_hex_etl_handoff() -> None:
    """Build the marts, then endorse, sync semantic models, run and export in Hex."""

    @task
    def build_marts() -> list[str]:
        """Stand-in for the ETL job: return the tables it (re)built."""
        return ["ANALYTICS.PUBLIC.ORDERS", "ANALYTICS.PUBLIC.CUSTOMERS"]

    @task
    def endorsements(tables: list[str]) -> list[dict[str, str | None]]:
        """Endorse what the build made; retire the staging table it replaced."""
        updates: list[dict[str, str | None]] = [
            {"type": "TABLE", "name": table, "status": "Endorsed"} for table in tables
        ]
        updates.append(
            {"type": "TABLE", "name": "ANALYTICS.STAGING.RAW_ORDERS", "status": "Deprecated"}
        )
        return updates

    # [START howto_operator_hex_update_data_connection_schema]
    endorse_tables = HexUpdateDataConnectionSchemaOperator(
        task_id="endorse_tables",
        data_connection_id=WAREHOUSE_ID,
        updates=endorsements(build_marts()),  # all applied, or none
    )
    # [END howto_operator_hex_update_data_connection_schema]

    # [START howto_operator_hex_ingest_semantic_project]
    sync_semantic_models = HexIngestSemanticProjectOperator(
        task_id="sync_semantic_models",
        semantic_project_id=SEMANTIC_PROJECT_ID,
        folder=SEMANTIC_MODELS,
        patterns=["*.yml", "*.yaml"],
    )
    # [END howto_operator_hex_ingest_semantic_project]

    # [START howto_operator_hex_update_semantic_project]
    endorse_dataset = HexUpdateSemanticProjectOperator(
        task_id="endorse_dataset",
        semantic_project_id=SEMANTIC_PROJECT_ID,
        updates=[{"type": "DATASET", "name": "orders", "status": "Endorsed"}],
    )
    # [END howto_operator_hex_update_semantic_project]

    refresh_report = HexRunProjectOperator(
        task_id="refresh_report",
        project_id=PROJECT_ID,
        update_published_results=True,
        save_charts=CHARTS,  # the run's chart images, saved once it completes
        charts_folder=CHARTS_FOLDER + "/{{ ds }}",
        poll_interval=5,
    )

    @task
    def list_charts(summary: dict[str, Any]) -> list[str]:
        """What a notifier would attach: the chart files the run saved."""
        return sorted(path.rsplit("/", 1)[-1] for path in summary["charts"])

    # [START howto_operator_hex_export_project]
    back_up_report = HexExportProjectOperator(
        task_id="back_up_report",
        project_ids=[PROJECT_ID],
        destination=EXPORT_DESTINATION + "/{{ ds }}",
        version="latest",
    )
    # [END howto_operator_hex_export_project]

    @task
    def list_exports(paths: list[str]) -> list[str]:
        """What a notifier would attach or link to: the exported files."""
        return sorted(Path(p).name for p in paths)

    endorse_tables >> sync_semantic_models >> endorse_dataset >> refresh_report >> back_up_report
    list_exports(back_up_report.output)
    list_charts(refresh_report.output)


example_hex_etl_handoff()
