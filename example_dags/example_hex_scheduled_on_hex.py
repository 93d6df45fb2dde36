"""Run a DAG each time Hex's own scheduler refreshes a project.

The project refreshes on a schedule set in Hex. An ``AssetWatcher`` in the triggerer watches
its runs through ``HexProjectRunEventTrigger`` and updates the project's ``hex://`` asset
once for each scheduled run that completes; this DAG is scheduled on that asset, so it runs
once per refresh, with the run's details in the asset event.

To try it without a Hex account, start the simulator (``python -m
airflow_provider_hex.testing``) and point the ``hex_default`` connection at it. Set
``HEX_PROJECT_ID`` to watch one of your own projects, ``HEX_HOST`` to your workspace's host
(as in the connection; it names the asset) and ``HEX_WATCH_POLL_INTERVAL`` to poll more or
less often than every minute.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from typing import Any

from airflow.sdk import AssetWatcher, dag, task

from airflow_provider_hex.assets import hex_project_asset
from airflow_provider_hex.triggers.project_runs import HexProjectRunEventTrigger

log = logging.getLogger(__name__)

# The simulator's demo project (airflow_provider_hex.testing.demo.DEMO_PROJECT_ID).
PROJECT_ID = os.environ.get("HEX_PROJECT_ID", "5a8591dd-4039-49df-9202-96385ba3eff8")
HEX_HOST = os.environ.get("HEX_HOST", "app.hex.tech")
POLL_INTERVAL = float(os.environ.get("HEX_WATCH_POLL_INTERVAL", "60"))

# [START howto_trigger_hex_project_runs]
sales_report = hex_project_asset(
    PROJECT_ID,
    HEX_HOST,
    watchers=[
        AssetWatcher(
            name="sales_report_scheduled_refresh",
            trigger=HexProjectRunEventTrigger(
                PROJECT_ID,
                hex_conn_id="hex_default",
                run_triggers="SCHEDULED",  # runs Hex's scheduler started (the default)
                statuses="COMPLETED",  # that completed (the default)
                poll_interval=POLL_INTERVAL,
            ),
        )
    ],
)


@dag(
    dag_id="example_hex_scheduled_on_hex",
    schedule=[sales_report],
    start_date=datetime(2025, 1, 1),
    catchup=False,
    tags=["example", "hex"],
)
def example_hex_scheduled_on_hex() -> None:
    """Copy the refreshed report's numbers downstream after each scheduled Hex refresh."""
    # [END howto_trigger_hex_project_runs]

    # [START howto_trigger_hex_project_runs_payload]
    @task
    def publish_refresh(**context: Any) -> list[str]:
        """Read which Hex runs woke this DAG run (one, unless several ended close together)."""
        run_ids = []
        for events in context["triggering_asset_events"].values():
            for event in events:
                payload = event.extra["payload"]
                log.info(
                    "Hex run %s (%s, %s s) refreshed the report: %s",
                    payload["run_id"],
                    payload["status"],
                    payload["elapsed_seconds"],
                    payload["run_url"],
                )
                run_ids.append(payload["run_id"])
        return run_ids

    # [END howto_trigger_hex_project_runs_payload]

    publish_refresh()


example_hex_scheduled_on_hex()
