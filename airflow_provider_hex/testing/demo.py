"""Demo workspace seeded into every simulator unless ``seed_demo=False``.

Example DAGs and tests import these ids. Run durations are simulated seconds.

Projects (all published unless noted):

* ``DEMO_PROJECT_ID`` "Daily sales report": PENDING 1 s, RUNNING 4 s, COMPLETED; inputs
  ``region`` (string), ``days`` (number), ``include_returns`` (boolean); status "Endorsed";
  in the "Sales reporting" collection; has two historical runs (SCHEDULED, APP_REFRESH).
* ``MARKETING_PROJECT_ID`` and ``INVENTORY_PROJECT_ID``: short runs for fan-out examples,
  inputs ``region`` (string) and ``horizon_days`` (number) respectively.
  ``DEMO_PROJECT_IDS`` holds these three.
* ``ERRORING_PROJECT_ID``: every run ends ERRORED after 3 s.
* ``SLOW_PROJECT_ID``: runs 60 s (for cancel and timeout examples).
* ``NO_KERNEL_PROJECT_ID``: every run ends UNABLE_TO_ALLOCATE_KERNEL after 1 s.
* ``FLAKY_PROJECT_ID``: the first run ERRORS, later runs complete (retry examples).
* ``UNPUBLISHED_PROJECT_ID``: never published; RunProject answers 422.
* ``ARCHIVED_PROJECT_ID``: archived, status "Deprecated" (hidden unless includeArchived).

The demo project's draft has SQL, code, markdown and section cells, and two chart cells
whose images runs and the draft serve: ``REVENUE_CHART_STATIC_ID`` ("revenue_chart") and
``REGION_CHART_STATIC_ID`` ("region_chart").

The erroring, slow, no-kernel and flaky projects accept any input parameters.
"""

from __future__ import annotations

import uuid

from .catalog import SemanticProject
from .models import Cell, Guide, Run, RunScript
from .state import DEFAULT_STATUSES, TOKEN_USER_ID, Workspace

DEMO_PROJECT_ID = "5a8591dd-4039-49df-9202-96385ba3eff8"
MARKETING_PROJECT_ID = "ae8905c8-8c2e-4f2a-9241-ef56d43de8da"
INVENTORY_PROJECT_ID = "f90ac3c5-d6cd-45e9-beef-8a08c61789a1"
DEMO_PROJECT_IDS = (DEMO_PROJECT_ID, MARKETING_PROJECT_ID, INVENTORY_PROJECT_ID)
ERRORING_PROJECT_ID = "8599de03-cb7c-455f-813f-2e55898d2e06"
SLOW_PROJECT_ID = "d0ae4ed1-efef-4eb7-9829-1ff7a1a39cec"
NO_KERNEL_PROJECT_ID = "7bbce186-de08-4d00-8a99-765095f3c99c"
FLAKY_PROJECT_ID = "f9222216-3471-4d49-a164-afef51353b49"
UNPUBLISHED_PROJECT_ID = "5a04fef9-c5a2-4f8d-a5cd-de888c287e0f"
ARCHIVED_PROJECT_ID = "e72037d9-8c1c-4427-9f6a-e498a27a976a"
DEMO_INPUT_PARAMS = {"region": "string", "days": "number", "include_returns": "boolean"}

ANALYST_USER_ID = "5bb5804d-913c-48a0-89b3-12138da87cf9"
FINANCE_USER_ID = "fdb5b5d6-a915-497f-bd2a-58a091244d2d"
VIEWER_USER_ID = "03622a00-985c-411f-be8a-d5407e94eb56"
DEACTIVATED_USER_ID = "35f9c833-29b4-435b-96e9-799c201ad915"
ANALYSTS_GROUP_ID = "d88cf4c0-73ed-4d77-9c23-98f4768519be"
FINANCE_GROUP_ID = "812f39bb-0ca4-475d-bc83-db3e7a60acb6"
SALES_COLLECTION_ID = "d7721419-d7e8-4e08-a697-32d9a6dcd22a"
SNOWFLAKE_CONNECTION_ID = "04ca4a56-3118-4a14-a171-f911c7ea3f73"
POSTGRES_CONNECTION_ID = "e2ab9846-0346-4d9d-9dad-25641d7fc3fc"
#: Tables of the Snowflake connection's schema (databases and schemas follow from them).
SNOWFLAKE_TABLES = (
    "ANALYTICS.PUBLIC.ORDERS",
    "ANALYTICS.PUBLIC.CUSTOMERS",
    "ANALYTICS.STAGING.RAW_ORDERS",
)
SEMANTIC_PROJECT_ID = "3b0c7d1e-6f2a-4e59-8c41-9d2e7a5b6c10"

INTRO_CELL_ID = "548d37a1-5c2f-4464-b14b-f9feada08c56"
ORDERS_CELL_ID = "95ce0b43-2a78-4161-b12a-e715474d967d"
ORDERS_CELL_LABEL = "orders_query"
SUMMARY_CELL_ID = "63e12af8-1cfd-46d2-860d-95606666795b"
SUMMARY_CELL_LABEL = "summarise"
DUPLICATE_CELL_LABEL = "chart_data"
DUPLICATE_LABEL_CELL_IDS = (
    "cd56474c-396b-46de-b927-14d64af5c8d8",
    "68e292bd-29c5-4daf-9504-3b043586607e",
)
SECTION_CELL_ID = "cc136b22-cb8f-4661-b3fa-7b4d20344074"
NOTES_CELL_ID = "f7f95ac9-0e19-4a9b-ad25-6ba10e0c9e63"
REVENUE_CHART_CELL_ID = "73128d8c-e4b9-443e-8d1b-eebf11ab097a"
REVENUE_CHART_STATIC_ID = "710878c6-96c5-4e98-b670-5b4afb9f531e"
REGION_CHART_CELL_ID = "df9fadf7-734c-44aa-ab33-e7ccf52b200e"
REGION_CHART_STATIC_ID = "084b5eb0-afa8-429a-b18f-dea4a8f4627c"

STYLE_GUIDE_ID = "216ba1a0-10f6-4816-b159-15b1860882ae"
DRAFT_GUIDE_ID = "f688f6c0-40ca-4b43-809b-64d2495451ae"
WORKSPACE_STATUSES = DEFAULT_STATUSES
__all__ = [
    "ANALYSTS_GROUP_ID",
    "ANALYST_USER_ID",
    "ARCHIVED_PROJECT_ID",
    "DEACTIVATED_USER_ID",
    "DEMO_INPUT_PARAMS",
    "DEMO_PROJECT_ID",
    "DEMO_PROJECT_IDS",
    "DRAFT_GUIDE_ID",
    "DUPLICATE_CELL_LABEL",
    "DUPLICATE_LABEL_CELL_IDS",
    "ERRORING_PROJECT_ID",
    "FINANCE_GROUP_ID",
    "FINANCE_USER_ID",
    "FLAKY_PROJECT_ID",
    "INTRO_CELL_ID",
    "INVENTORY_PROJECT_ID",
    "MARKETING_PROJECT_ID",
    "NOTES_CELL_ID",
    "NO_KERNEL_PROJECT_ID",
    "ORDERS_CELL_ID",
    "ORDERS_CELL_LABEL",
    "POSTGRES_CONNECTION_ID",
    "REGION_CHART_CELL_ID",
    "REGION_CHART_STATIC_ID",
    "REVENUE_CHART_CELL_ID",
    "REVENUE_CHART_STATIC_ID",
    "SALES_COLLECTION_ID",
    "SECTION_CELL_ID",
    "SEMANTIC_PROJECT_ID",
    "SLOW_PROJECT_ID",
    "SNOWFLAKE_CONNECTION_ID",
    "SNOWFLAKE_TABLES",
    "STYLE_GUIDE_ID",
    "SUMMARY_CELL_ID",
    "SUMMARY_CELL_LABEL",
    "TOKEN_USER_ID",
    "UNPUBLISHED_PROJECT_ID",
    "VIEWER_USER_ID",
    "WORKSPACE_STATUSES",
    "seed",
]


def _static(cell_id: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"hex-simulator/cell/{cell_id}"))


def _seed_people(ws: Workspace) -> None:
    ws.add_user("Ada Analyst", "ada@example.com", "EDITOR", user_id=ANALYST_USER_ID)
    ws.add_user("Felix Finance", "felix@example.com", "EXPLORER", user_id=FINANCE_USER_ID)
    ws.add_user("Vera Viewer", "vera@example.com", "MEMBER", user_id=VIEWER_USER_ID)
    ws.add_user(
        "Dan Departed", "dan@example.com", "EDITOR", user_id=DEACTIVATED_USER_ID, deactivated=True
    )
    ws.add_group("Analysts", [TOKEN_USER_ID, ANALYST_USER_ID], group_id=ANALYSTS_GROUP_ID)
    ws.add_group("Finance", [FINANCE_USER_ID], group_id=FINANCE_GROUP_ID)
    sales = ws.add_collection(
        "Sales reporting", "Dashboards for the sales team", collection_id=SALES_COLLECTION_ID
    )
    sales.groups[ANALYSTS_GROUP_ID] = "MEMBER"
    sales.workspace_members = "MEMBER"
    snowflake = {
        "accountName": "acme-prod",
        "warehouse": "REPORTING_WH",
        "database": "ANALYTICS",
        "schema": "PUBLIC",
        "username": "HEX_READER",
        "role": "REPORTER",
    }
    ws.add_data_connection(
        "Snowflake (prod)", "snowflake", snowflake, connection_id=SNOWFLAKE_CONNECTION_ID
    )
    postgres = {
        "hostname": "db.example.com",
        "port": 5432,
        "database": "analytics",
        "username": "hex",
    }
    ws.add_data_connection(
        "Postgres (analytics)", "postgres", postgres, connection_id=POSTGRES_CONNECTION_ID
    )


def _seed_projects(ws: Workspace) -> None:
    demo = ws.add_project(
        "Daily sales report",
        DEMO_PROJECT_ID,
        scripts=[RunScript(1.0, 4.0)],
        input_params=DEMO_INPUT_PARAMS,
        description="Orders and revenue by region for the last N days.",
        status="Endorsed",
        categories=["Sales"],
    )
    demo.version = 3
    demo.sharing.groups[ANALYSTS_GROUP_ID] = "CAN_EDIT"
    demo.sharing.collections[SALES_COLLECTION_ID] = "CAN_VIEW"
    marketing = ws.add_project(
        "Weekly marketing funnel",
        MARKETING_PROJECT_ID,
        scripts=[RunScript(1.0, 3.0)],
        input_params={"region": "string"},
    )
    marketing.sharing.collections[SALES_COLLECTION_ID] = "CAN_VIEW"
    ws.add_project(
        "Inventory forecast",
        INVENTORY_PROJECT_ID,
        scripts=[RunScript(1.0, 6.0)],
        input_params={"horizon_days": "number"},
        categories=["Finance"],
    )
    ws.add_project(
        "Broken ETL check", ERRORING_PROJECT_ID, scripts=[RunScript(1.0, 2.0, "ERRORED")]
    )
    ws.add_project("Quarterly model retrain", SLOW_PROJECT_ID, scripts=[RunScript(2.0, 60.0)])
    ws.add_project(
        "Kernel-starved notebook",
        NO_KERNEL_PROJECT_ID,
        scripts=[RunScript(1.0, 0.0, "UNABLE_TO_ALLOCATE_KERNEL")],
    )
    ws.add_project(
        "Flaky warehouse sync",
        FLAKY_PROJECT_ID,
        scripts=[RunScript(1.0, 2.0, "ERRORED"), RunScript(1.0, 2.0)],
    )
    ws.add_project(
        "Draft: churn analysis", UNPUBLISHED_PROJECT_ID, published=False, input_params={}
    )
    ws.add_project(
        "Old KPI dashboard",
        ARCHIVED_PROJECT_ID,
        archived=True,
        status="Deprecated",
        input_params={},
    )
    now = ws.now()
    for days_ago, trigger in ((1, "SCHEDULED"), (2, "APP_REFRESH")):
        run_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"hex-simulator/run/{trigger}"))
        ws.runs[run_id] = Run(
            run_id, DEMO_PROJECT_ID, 3, RunScript(1.0, 4.0), now - days_ago * 86400, trigger
        )


def _seed_cells(ws: Workspace) -> None:
    p = DEMO_PROJECT_ID
    cells = [
        Cell(INTRO_CELL_ID, _static(INTRO_CELL_ID), p, "MARKDOWN", "# Daily sales report"),
        Cell(
            ORDERS_CELL_ID,
            _static(ORDERS_CELL_ID),
            p,
            "SQL",
            "select * from orders where region = {{ region }}",
            ORDERS_CELL_LABEL,
            SNOWFLAKE_CONNECTION_ID,
            "orders",
        ),
        Cell(
            SUMMARY_CELL_ID,
            _static(SUMMARY_CELL_ID),
            p,
            "CODE",
            "summary = orders.groupby('day').sum()",
            SUMMARY_CELL_LABEL,
        ),
        Cell(
            DUPLICATE_LABEL_CELL_IDS[0],
            _static(DUPLICATE_LABEL_CELL_IDS[0]),
            p,
            "CODE",
            "chart = summary",
            DUPLICATE_CELL_LABEL,
        ),
        Cell(
            DUPLICATE_LABEL_CELL_IDS[1],
            _static(DUPLICATE_LABEL_CELL_IDS[1]),
            p,
            "SQL",
            "select day, revenue from daily_revenue",
            DUPLICATE_CELL_LABEL,
            POSTGRES_CONNECTION_ID,
            "chart_rows",
        ),
        Cell(SECTION_CELL_ID, _static(SECTION_CELL_ID), p, "COLLAPSIBLE", None, "Appendix"),
        Cell(
            NOTES_CELL_ID,
            _static(NOTES_CELL_ID),
            p,
            "MARKDOWN",
            "Notes for reviewers.",
            parent_id=SECTION_CELL_ID,
        ),
        Cell(
            REVENUE_CHART_CELL_ID,
            REVENUE_CHART_STATIC_ID,
            p,
            "VEGA_CHART",
            None,
            "revenue_chart",
        ),
        Cell(REGION_CHART_CELL_ID, REGION_CHART_STATIC_ID, p, "CHART", None, "region_chart"),
    ]
    for cell in cells:
        ws.add_cell(cell)


def _seed_catalog(ws: Workspace) -> None:
    schema = ws.catalog.schema(SNOWFLAKE_CONNECTION_ID)
    for table in SNOWFLAKE_TABLES:
        schema.add_table(table)
    ws.catalog.queried_tables[DEMO_PROJECT_ID] = [(SNOWFLAKE_CONNECTION_ID, SNOWFLAKE_TABLES[0])]
    ws.catalog.semantic_projects[SEMANTIC_PROJECT_ID] = SemanticProject(
        SEMANTIC_PROJECT_ID, "Sales semantic model", datasets={"orders": None}
    )


def seed(ws: Workspace) -> None:
    """Fill ``ws`` with the demo users, groups, collection, connections, projects, cells, guides."""
    _seed_people(ws)
    _seed_projects(ws)
    _seed_cells(ws)
    _seed_catalog(ws)
    ws.guides[STYLE_GUIDE_ID] = Guide(
        STYLE_GUIDE_ID, "style-guide.md", None, "# House style\nUse ISO dates."
    )
    github = {
        "source": "github",
        "owner": "acme",
        "repo": "guides",
        "branch": "main",
        "commitHash": "0" * 40,
        "path": "metrics/revenue.md",
    }
    ws.guides[DRAFT_GUIDE_ID] = Guide(
        DRAFT_GUIDE_ID, "metrics/revenue.md", "Revenue is net of refunds.", external_source=github
    )
