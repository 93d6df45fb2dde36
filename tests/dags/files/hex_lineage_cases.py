"""A DAG for the OpenLineage tests (tests/lineage): a Hex run that ends ERRORED."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG

from airflow_provider_hex.operators.hex import HexRunProjectOperator
from airflow_provider_hex.testing.demo import ERRORING_PROJECT_ID

with DAG("hex_case_lineage_failed", schedule=None, start_date=datetime(2025, 1, 1)):
    HexRunProjectOperator(
        task_id="run_broken_check", project_id=ERRORING_PROJECT_ID, poll_interval=0.5, retries=0
    )
