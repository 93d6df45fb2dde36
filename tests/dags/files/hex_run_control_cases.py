"""DAGs for the run-control tests (tests/dags/test_run_control_dags.py), one case each.

``dag.test()`` runs a DAG from its file, so the cases the examples do not show live here.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG

from airflow_provider_hex.operators.hex import HexRunProjectOperator
from airflow_provider_hex.testing.demo import (
    DEMO_PROJECT_ID,
    ERRORING_PROJECT_ID,
    NO_KERNEL_PROJECT_ID,
    SLOW_PROJECT_ID,
)

POLL = 0.5
#: Titles the test adds to the simulator before running ``hex_case_twenty_titles``.
TWENTY_TITLES = [f"Region report {n:02d}" for n in range(20)]
START = datetime(2025, 1, 1)

with DAG("hex_case_twenty_titles", schedule=None, start_date=START, catchup=False):
    HexRunProjectOperator.partial(task_id="refresh", poll_interval=POLL, deferrable=True).expand(
        project_name=TWENTY_TITLES
    )

for mode in ("worker", "deferred"):
    deferrable = mode == "deferred"
    with DAG(f"hex_case_adopt_{mode}", schedule=None, start_date=START, catchup=False):
        HexRunProjectOperator(
            task_id="adopt",
            project_id=DEMO_PROJECT_ID,
            if_active="wait",
            poll_interval=POLL,
            deferrable=deferrable,
        )
    with DAG(f"hex_case_adopt_errored_{mode}", schedule=None, start_date=START, catchup=False):
        HexRunProjectOperator(
            task_id="adopt",
            project_id=ERRORING_PROJECT_ID,
            if_active="wait",
            poll_interval=POLL,
            deferrable=deferrable,
            retries=0,
        )
    for name, project_id in (("errored", ERRORING_PROJECT_ID), ("no_kernel", NO_KERNEL_PROJECT_ID)):
        with DAG(f"hex_case_{name}_{mode}", schedule=None, start_date=START, catchup=False):
            HexRunProjectOperator(
                task_id="run",
                project_id=project_id,
                poll_interval=POLL,
                deferrable=deferrable,
                retries=0,
            )

with DAG("hex_case_killed_adopted", schedule=None, start_date=START, catchup=False):
    HexRunProjectOperator(
        task_id="run", project_id=SLOW_PROJECT_ID, if_active="wait", poll_interval=POLL, retries=0
    )
