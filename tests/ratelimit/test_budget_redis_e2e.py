"""The Redis budget in a real Airflow: the worker's task process and the triggerer (separate
processes) draw every request to Hex from one budget in Redis."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from redis_support import RedisServer

from airflow_provider_hex.testing import HexSimulator

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))

from airflow_stack import AirflowStack  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.feature_e2e]

DAG_FILE = REPO / "example_dags" / "example_hex_run_project.py"
DAG_ID = "example_hex_run_project"


def test_worker_and_triggerer_share_one_budget_in_redis(redis_server: RedisServer) -> None:
    with HexSimulator(time_scale=0.5) as frozen_empty_sim:  # the demo run takes 10 real seconds
        conn = json.loads(frozen_empty_sim.airflow_connection_json())
        conn["extra"] = {**(conn.get("extra") or {}), "rate_budget_url": redis_server.url}
        env = {"AIRFLOW_CONN_HEX_DEFAULT": json.dumps(conn)}
        with AirflowStack([DAG_FILE], env) as stack:
            stack.wait_for_dag(DAG_ID)
            stack.unpause(DAG_ID)
            run_id = stack.trigger(DAG_ID)
            # The worker started the run and deferred: the triggerer waits for it.
            stack.wait_for_task_state(DAG_ID, run_id, "run_sales_report", ["deferred"], 120)

            assert stack.wait_for_run(DAG_ID, run_id, timeout=180) == "success"

        digest = hashlib.sha256(frozen_empty_sim.token.encode()).hexdigest()[:16]
        key = f"hex-provider:budget:{{{urlsplit(frozen_empty_sim.url).netloc}|{digest}}}"
        client = redis_server.client()
        stored = {k.decode(): v.decode() for k, v in client.hgetall(key).items()}
        client.close()
        # Every request Hex received, from the worker and from the triggerer, drew its slot
        # from the one budget in Redis.
        assert int(stored["granted"]) == len(frozen_empty_sim.requests) >= 3
