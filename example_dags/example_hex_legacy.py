"""A DAG written for airflow-provider-hex 0.1.9, running unchanged on this provider.

The operator calls use 0.1.9's argument names (``synchronous``, ``wait_seconds``,
``timeout``, ``kill_on_timeout``, ``input_parameters``, ``update_cache``,
``notifications``); they map onto today's names. Only the DAG itself needed Airflow 3
changes: ``schedule`` instead of ``schedule_interval`` and a fixed ``start_date``
instead of ``days_ago``.

Project id: the simulator's demo project, "Daily sales report"; the notified user is the
simulator's demo analyst.
"""

from datetime import timedelta

import pendulum
from airflow import DAG

from airflow_provider_hex.operators.hex import HexRunProjectOperator

PROJ_ID = "5a8591dd-4039-49df-9202-96385ba3eff8"  # the simulator's demo project
ANALYST_USER_ID = "5bb5804d-913c-48a0-89b3-12138da87cf9"  # the simulator's demo analyst

default_args = {
    "owner": "airflow",
    "depends_on_past": False,
    "start_date": pendulum.datetime(2025, 1, 1, tz="UTC"),
    "email_on_failure": False,
    "email_on_retry": False,
    "retries": 0,
    "retry_delay": timedelta(minutes=5),
}

dag = DAG(
    "example_hex_legacy",
    schedule=None,
    max_active_runs=1,
    catchup=False,
    default_args=default_args,
    tags=["example", "hex"],
)

# [START howto_operator_hex_legacy]
sync_run = HexRunProjectOperator(
    task_id="sync_run",
    hex_conn_id="hex_default",
    project_id=PROJ_ID,
    synchronous=True,
    wait_seconds=3,
    timeout=3600,
    kill_on_timeout=True,
    input_parameters={"region": "EMEA", "days": 7},
    notifications=[
        {
            "type": "FAILURE",
            "includeSuccessScreenshot": False,
            "slackChannelIds": [],
            "userIds": [ANALYST_USER_ID],
            "groupIds": [],
        }
    ],
    dag=dag,
)

async_run = HexRunProjectOperator(
    task_id="async_run",
    hex_conn_id="hex_default",
    project_id=PROJ_ID,
    synchronous=False,
    update_cache=True,
    dag=dag,
)
# [END howto_operator_hex_legacy]

sync_run >> async_run
