"""Start a long Hex run without waiting for it, then cancel it.

A pattern for runs made redundant by a later event (newer data arrived, an upstream check
failed): the run id travels through XCom, and ``HexCancelRunOperator`` asks Hex to stop
the run. Cancelling a run that already ended is not an error.

Project id: the simulator's slow project, "Quarterly model retrain", which runs for a
minute (``airflow_provider_hex.testing.demo.SLOW_PROJECT_ID``); replace it with yours.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG

from airflow_provider_hex.operators.hex import HexCancelRunOperator, HexRunProjectOperator

PROJECT_ID = "d0ae4ed1-efef-4eb7-9829-1ff7a1a39cec"  # the simulator's slow project

with DAG(
    dag_id="example_hex_cancel",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    tags=["example", "hex"],
):
    start_retrain = HexRunProjectOperator(
        task_id="start_retrain",
        project_id=PROJECT_ID,
        wait_for_completion=False,
    )

    # [START howto_operator_hex_cancel_run]
    cancel_retrain = HexCancelRunOperator(
        task_id="cancel_retrain",
        project_id=PROJECT_ID,
        run_id="{{ ti.xcom_pull(task_ids='start_retrain', key='run_id') }}",
    )
    # [END howto_operator_hex_cancel_run]

    start_retrain >> cancel_retrain
