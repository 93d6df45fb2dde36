"""Start a Hex run and wait for it in a separate, deferrable sensor.

Useful when something else should happen between starting a run and needing its result,
or when the run is started by one team's task and awaited by another's. The sensor reads
the run id from the starting task's XCom through a template.

Project id: the simulator's demo project, "Daily sales report"
(``airflow_provider_hex.testing.demo.DEMO_PROJECT_ID``); replace it with your own.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG

from airflow_provider_hex.operators.hex import HexRunProjectOperator
from airflow_provider_hex.sensors.hex import HexRunSensor

PROJECT_ID = "5a8591dd-4039-49df-9202-96385ba3eff8"  # the simulator's demo project

with DAG(
    dag_id="example_hex_sensor",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    tags=["example", "hex"],
):
    # [START howto_operator_hex_run_project_no_wait]
    start_run = HexRunProjectOperator(
        task_id="start_run",
        project_id=PROJECT_ID,
        input_params={"region": "AMER", "days": 1},
        wait_for_completion=False,  # push run_id / run_url to XCom and finish
    )
    # [END howto_operator_hex_run_project_no_wait]

    # [START howto_sensor_hex_run]
    wait_for_run = HexRunSensor(
        task_id="wait_for_run",
        project_id=PROJECT_ID,
        run_id="{{ ti.xcom_pull(task_ids='start_run', key='run_id') }}",
        deferrable=True,
        poke_interval=5,
        timeout=60 * 60,
    )
    # [END howto_sensor_hex_run]

    start_run >> wait_for_run
