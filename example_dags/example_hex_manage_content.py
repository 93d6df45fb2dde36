"""Manage Hex content from Airflow: edit a SQL cell, run the project, share it, administer.

The main line points the report's ``orders_query`` SQL cell at the warehouse, runs the
project, shares it with the Finance group and endorses it. Cell edits change the project's
draft; runs use its latest published version, so publish in Hex for an edit to reach the
app. Beside it: a temporary cell added and removed by label, a group and a collection
created and edited, and an offboarded colleague deactivated.

The ``@task`` functions show the read side: the hook's ``list_*`` methods (projects, runs,
users, data connections) are the API for TaskFlow code; each returns a lazy pager that
fetches every page as you iterate (``.page()`` fetches just one).

To try it without a Hex account, start the simulator
(``python -m airflow_provider_hex.testing``) and point the ``hex_default`` connection at
it. The ids below default to the simulator's demo workspace
(``airflow_provider_hex.testing.demo``); set the environment variables to use your own.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from typing import Any

from airflow.sdk import dag, task

from airflow_provider_hex.operators.admin import (
    HexCreateCollectionOperator,
    HexCreateGroupOperator,
    HexDeactivateUserOperator,
    HexDeleteGroupOperator,
    HexEditCollectionOperator,
    HexEditGroupMembersOperator,
)
from airflow_provider_hex.operators.cells import (
    HexCreateCellOperator,
    HexDeleteCellOperator,
    HexUpdateCellOperator,
)
from airflow_provider_hex.operators.hex import HexRunProjectOperator
from airflow_provider_hex.operators.projects import HexUpdateProjectStatusOperator
from airflow_provider_hex.operators.sharing import HexUpdateProjectSharingOperator

try:
    from airflow.sdk import literal
except ImportError:  # Airflow 3.0 lists literal in airflow.sdk but imports it only from here
    from airflow.sdk.definitions.template import literal

log = logging.getLogger(__name__)

# Demo ids: DEMO_PROJECT_ID, ORDERS_CELL_LABEL, FINANCE_GROUP_ID, the demo users.
PROJECT_ID = os.environ.get("HEX_PROJECT_ID", "5a8591dd-4039-49df-9202-96385ba3eff8")
ORDERS_CELL_LABEL = os.environ.get("HEX_ORDERS_CELL_LABEL", "orders_query")
WAREHOUSE_NAME = os.environ.get("HEX_WAREHOUSE_NAME", "Snowflake (prod)")
FINANCE_GROUP_ID = os.environ.get("HEX_FINANCE_GROUP_ID", "812f39bb-0ca4-475d-bc83-db3e7a60acb6")
ANALYST_USER_ID = os.environ.get("HEX_ANALYST_USER_ID", "5bb5804d-913c-48a0-89b3-12138da87cf9")
FINANCE_USER_ID = os.environ.get("HEX_FINANCE_USER_ID", "fdb5b5d6-a915-497f-bd2a-58a091244d2d")
VIEWER_USER_ID = os.environ.get("HEX_VIEWER_USER_ID", "03622a00-985c-411f-be8a-d5407e94eb56")
# Already inactive in the demo workspace: deactivating again succeeds with a log line.
DEPARTED_USER_ID = os.environ.get("HEX_DEPARTED_USER_ID", "35f9c833-29b4-435b-96e9-799c201ad915")

# Hex SQL cells use Jinja for the project's own inputs; literal() keeps Airflow out of it.
ORDERS_SQL = """select order_id, ordered_at, region, amount
from orders
where region = {{ region }}
  and ordered_at >= current_date - {{ days }}
  and status != 'cancelled'"""


@dag(
    dag_id="example_hex_manage_content",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    tags=["example", "hex"],
)
def example_hex_manage_content() -> None:
    """Edit, run, share and endorse the sales report; administer groups and collections."""

    # [START howto_hook_hex_list_data_connections]
    @task
    def find_warehouse(name: str) -> str:
        """Return the id of the data connection called ``name``."""
        from airflow_provider_hex.hooks.hex import HexHook

        for connection in HexHook().list_data_connections():
            if connection["name"] == name:
                return connection["id"]
        raise ValueError(f"no Hex data connection is called {name!r}")

    # [END howto_hook_hex_list_data_connections]

    # [START howto_operator_hex_update_cell]
    update_orders_query = HexUpdateCellOperator(
        task_id="update_orders_query",
        project_id=PROJECT_ID,
        cell_label=ORDERS_CELL_LABEL,  # or cell_id="..."
        source=literal(ORDERS_SQL),
        data_connection_id=find_warehouse(WAREHOUSE_NAME),
    )
    # [END howto_operator_hex_update_cell]

    run_report = HexRunProjectOperator(
        task_id="run_report",
        project_id=PROJECT_ID,
        input_params={"region": "EMEA", "days": 7, "include_returns": False},
        deferrable=True,
        poll_interval=5,
    )

    # [START howto_operator_hex_update_project_sharing]
    share_with_finance = HexUpdateProjectSharingOperator(
        task_id="share_with_finance",
        project_id=PROJECT_ID,
        groups={FINANCE_GROUP_ID: "CAN_VIEW"},  # NONE removes access
        users={VIEWER_USER_ID: "APP_ONLY"},
        workspace="APP_ONLY",
        accept_partial_success=False,  # fail listing every principal Hex refused
    )
    # [END howto_operator_hex_update_project_sharing]

    # [START howto_operator_hex_update_project_status]
    endorse_report = HexUpdateProjectStatusOperator(
        task_id="endorse_report",
        project_id=PROJECT_ID,
        status="Endorsed",  # None clears the status
    )
    # [END howto_operator_hex_update_project_status]

    update_orders_query >> run_report >> share_with_finance >> endorse_report

    # [START howto_operator_hex_create_cell]
    add_check_cell = HexCreateCellOperator(
        task_id="add_check_cell",
        project_id=PROJECT_ID,
        cell_type="CODE",
        source="assert len(orders) > 0, 'no orders loaded'",
        cell_label="orders_check",
        insert_after_cell_label=ORDERS_CELL_LABEL,
    )
    # [END howto_operator_hex_create_cell]

    # [START howto_operator_hex_delete_cell]
    remove_check_cell = HexDeleteCellOperator(
        task_id="remove_check_cell",
        project_id=PROJECT_ID,
        cell_label="orders_check",  # or cell_id=add_check_cell.output["id"]
    )
    # [END howto_operator_hex_delete_cell]

    update_orders_query >> add_check_cell >> remove_check_cell

    # [START howto_operator_hex_groups]
    create_group = HexCreateGroupOperator(
        task_id="create_group",
        name="Regional leads",
        user_ids=[ANALYST_USER_ID],
    )
    edit_group = HexEditGroupMembersOperator(
        task_id="edit_group",
        group_id=create_group.output["id"],
        add_user_ids=[FINANCE_USER_ID, VIEWER_USER_ID],
        remove_user_ids=[ANALYST_USER_ID],
    )
    delete_group = HexDeleteGroupOperator(
        task_id="delete_group",
        group_id=create_group.output["id"],  # a group already gone counts as deleted
    )
    # [END howto_operator_hex_groups]

    # [START howto_operator_hex_collections]
    create_collection = HexCreateCollectionOperator(
        task_id="create_collection",
        name="Regional reporting",
        description="Reports every regional lead reads",
        groups={FINANCE_GROUP_ID: "MEMBER"},
    )
    edit_collection = HexEditCollectionOperator(
        task_id="edit_collection",
        collection_id=create_collection.output["id"],
        users={VIEWER_USER_ID: "MANAGER"},
        workspace_members="MEMBER",
    )
    # [END howto_operator_hex_collections]

    # [START howto_operator_hex_deactivate_user]
    offboard_user = HexDeactivateUserOperator(
        task_id="offboard_user",
        user_id=DEPARTED_USER_ID,  # someone already inactive: succeeds, says so in the log
    )
    # [END howto_operator_hex_deactivate_user]

    edit_group >> delete_group
    create_collection >> edit_collection >> offboard_user

    # [START howto_hook_hex_list_projects]
    @task
    def list_endorsed_projects() -> list[dict[str, str]]:
        """Return the id and title of every endorsed project (every page is fetched)."""
        from airflow_provider_hex.hooks.hex import HexHook

        return [
            {"id": project["id"], "title": project["title"]}
            for project in HexHook().list_projects(statuses=["Endorsed"])
        ]

    # [END howto_hook_hex_list_projects]

    # [START howto_hook_hex_get_project_runs]
    @task
    def recent_runs(project_id: str) -> list[dict[str, Any]]:
        """Return the project's five newest runs, and log the ones that failed."""
        from airflow_provider_hex.hooks.hex import HexHook
        from airflow_provider_hex.types import FAILURE_STATUSES, RunStatus

        runs = HexHook().get_project_runs(project_id, limit=5).page()["values"]
        for run in runs:
            if RunStatus(run["status"]) in FAILURE_STATUSES:
                log.warning("Run %s ended %s: %s", run["runId"], run["status"], run["runUrl"])
        return [{"run_id": r["runId"], "status": r["status"], "url": r["runUrl"]} for r in runs]

    # [END howto_hook_hex_get_project_runs]

    # [START howto_hook_hex_list_users]
    @task
    def group_member_emails(group_id: str) -> list[str]:
        """Return the email of every member of a group."""
        from airflow_provider_hex.hooks.hex import HexHook

        return [user["email"] for user in HexHook().list_users(group_id=group_id)]

    # [END howto_hook_hex_list_users]

    endorse_report >> list_endorsed_projects()
    run_report >> recent_runs(PROJECT_ID)
    share_with_finance >> group_member_emails(FINANCE_GROUP_ID)


example_hex_manage_content()
