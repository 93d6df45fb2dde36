"""Everyday run control: projects by title, and what to do when a run is already going.

* ``refresh_sales_report`` names its project by title and, if Hex is already refreshing
  the report (its own schedule, an app refresh, another DAG), waits for that run instead
  of starting a second one.
* ``retrain_model`` starts nothing while a retrain is still running: the task is skipped.
* ``rebuild_forecast`` cancels a forecast run that is still going, then starts a fresh one.
* ``refresh_dashboards`` runs several projects by title; the titles are looked up once,
  when the first of these tasks runs, never when the DAG is parsed.

The titles are the simulator's demo projects (``python -m airflow_provider_hex.testing``);
replace them with your own.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import dag

from airflow_provider_hex.operators.hex import HexRunProjectOperator

DASHBOARDS = ["Weekly marketing funnel", "Inventory forecast", "Daily sales report"]


@dag(
    dag_id="example_hex_run_control",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    tags=["example", "hex"],
)
def example_hex_run_control() -> None:
    """Refresh, retrain and rebuild Hex projects without doubling runs already going."""
    # [START howto_operator_hex_if_active_wait]
    refresh_sales_report = HexRunProjectOperator(
        task_id="refresh_sales_report",
        project_name="Daily sales report",  # looked up when the task runs
        if_active="wait",  # a refresh already going is waited for, not doubled
        deferrable=True,
    )
    # [END howto_operator_hex_if_active_wait]

    # [START howto_operator_hex_if_active_skip]
    HexRunProjectOperator(
        task_id="retrain_model",
        project_name="Quarterly model retrain",
        if_active="skip",  # a retrain still running: skip this task, start nothing
        wait_for_completion=False,
    )
    # [END howto_operator_hex_if_active_skip]

    # [START howto_operator_hex_if_active_cancel]
    rebuild_forecast = HexRunProjectOperator(
        task_id="rebuild_forecast",
        project_name="Inventory forecast",
        if_active="cancel",  # cancel a stale forecast run, then start a fresh one
        deferrable=True,
    )
    # [END howto_operator_hex_if_active_cancel]

    # [START howto_operator_hex_by_name_mapped]
    refresh_dashboards = HexRunProjectOperator.partial(
        task_id="refresh_dashboards", deferrable=True
    ).expand(project_name=DASHBOARDS)
    # [END howto_operator_hex_by_name_mapped]

    [refresh_sales_report, rebuild_forecast] >> refresh_dashboards


example_hex_run_control()
