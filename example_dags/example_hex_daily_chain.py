"""A daily chain on Hex's own schedule: wait for today's scheduled refresh, then use it.

The Hex project refreshes on Hex's own schedule. Each day's DAG run waits, deferred, for a
run Hex's scheduler started (``run_trigger="SCHEDULED"``) that ended after the DAG run's
data interval, so it never passes on yesterday's refresh, in a backfill either. Then
``publish_numbers`` uses the run's summary.

The project title is the simulator's demo project; replace it with your own.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from airflow.sdk import dag, task

from airflow_provider_hex.sensors.hex import HexRunSensor

log = logging.getLogger(__name__)


@dag(
    dag_id="example_hex_daily_chain",
    schedule="@daily",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    tags=["example", "hex"],
)
def example_hex_daily_chain() -> None:
    """Publish the day's numbers once Hex's scheduled refresh for the day has finished."""
    # [START howto_sensor_hex_finished_after]
    nightly_refresh = HexRunSensor(
        task_id="wait_for_nightly_refresh",
        project_name="Daily sales report",
        run_trigger="SCHEDULED",  # runs Hex's own scheduler started
        finished_after="{{ data_interval_end }}",  # never yesterday's refresh
        deferrable=True,
        poke_interval=300,
        timeout=6 * 60 * 60,
    )
    # [END howto_sensor_hex_finished_after]

    @task
    def publish_numbers(summary: dict[str, Any]) -> str:
        """Announce the refreshed report (here: log it)."""
        log.info("Today's report: %s (%s)", summary["run_url"], summary["end_time"])
        return str(summary["run_id"])

    publish_numbers(nightly_refresh.output)


example_hex_daily_chain()
