"""The DAG of the triggerer load test: two mapped deferrable tasks, one per Hex run.

The task instances never run on a worker: their pool has no slots, and the load test
defers each one itself (see ``defer_rows.py``). The run list comes from the JSON spec the
test writes beside this file.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from airflow.sdk import DAG

from airflow_provider_hex.operators.hex import HexRunProjectOperator
from airflow_provider_hex.sensors.hex import HexRunSensor

SPEC = json.loads((Path(__file__).parent / "hex_trigger_load.json").read_text())

with DAG(SPEC["dag_id"], schedule=None, start_date=datetime(2026, 1, 1), catchup=False):
    HexRunProjectOperator.partial(
        task_id="run", project_id=SPEC["project_id"], pool=SPEC["pool"], deferrable=True
    ).expand(input_params=[{"n": n} for n, _ in enumerate(SPEC["run"])])
    HexRunSensor.partial(
        task_id="sense", project_id=SPEC["project_id"], pool=SPEC["pool"], deferrable=True
    ).expand(run_id=[item["run_id"] for item in SPEC["sense"]])
