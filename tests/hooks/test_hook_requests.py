"""Every HexHook method sends the request Hex documents and returns the parsed answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hook_support import (
    API,
    CELL,
    COLLECTION,
    GROUP,
    GUIDE,
    PROJECT,
    PROJECT_RUN,
    RUN,
    RUN_STARTED,
    USER,
    USER2,
    Case,
    check_case,
)

from airflow_provider_hex.hooks.hex import HexHook
from airflow_provider_hex.types import AccessLevel, CellType, RunStatus

PROJECT_OBJ = {"id": PROJECT, "title": "Nightly"}
CELL_OBJ = {"id": CELL, "cellType": "SQL", "projectId": PROJECT}
GROUP_OBJ = {"id": GROUP, "name": "Analysts"}
COLLECTION_OBJ = {"id": COLLECTION, "name": "Sales", "sharing": {}}
USER_OBJ = {"id": USER, "email": "a@example.com"}
PAGE = {"values": [{"id": "x"}], "pagination": {"after": "c2", "before": None}}
PAGE_RESULT = {"values": [{"id": "x"}], "after": "c2", "before": None}
SHARING = {"project": PROJECT_OBJ, "errors": []}


CASES: dict[str, Case] = {
    "run_project-minimal": Case(
        lambda h: h.run_project(PROJECT),
        "POST",
        f"/projects/{PROJECT}/runs",
        body={},
        status=201,
        answer=RUN_STARTED,
        result=RUN_STARTED,
    ),
    "run_project-every-option": Case(
        lambda h: h.run_project(
            PROJECT,
            {"region": "EU", "days": 3},
            dry_run=True,
            update_cache=False,
            use_cached_sql_results=False,
            notifications=[{"type": "FAILURE", "userIds": [USER], "subject": "Oops"}],
        ),
        "POST",
        f"/projects/{PROJECT}/runs",
        body={
            "inputParams": {"region": "EU", "days": 3},
            "dryRun": True,
            "updateCache": False,
            "useCachedSqlResults": False,
            "notifications": [
                {
                    "type": "FAILURE",
                    "userIds": [USER],
                    "subject": "Oops",
                    "includeSuccessScreenshot": False,
                }
            ],
        },
        status=201,
        answer=RUN_STARTED,
        result=RUN_STARTED,
    ),
    "run_project-view-and-publish": Case(
        lambda h: h.run_project(PROJECT, view_id="view-1", update_published_results=True),
        "POST",
        f"/projects/{PROJECT}/runs",
        body={"viewId": "view-1", "updatePublishedResults": True},
        status=201,
        answer=RUN_STARTED,
        result=RUN_STARTED,
    ),
    "get_run_status": Case(
        lambda h: h.get_run_status(PROJECT, RUN),
        "GET",
        f"/projects/{PROJECT}/runs/{RUN}",
        answer=PROJECT_RUN,
        result=PROJECT_RUN,
    ),
    "get_project_runs-page": Case(
        lambda h: h.get_project_runs(PROJECT).page(),
        "GET",
        f"/projects/{PROJECT}/runs",
        query={"limit": ["25"], "offset": ["0"]},
        answer={"runs": [PROJECT_RUN], "nextPage": None, "previousPage": None, "traceId": "t"},
        result={"values": [PROJECT_RUN], "after": None, "before": None},
    ),
    "get_project_runs-filters": Case(
        lambda h: h.get_project_runs(
            PROJECT, status=RunStatus.ERRORED, run_trigger="SCHEDULED", limit=10
        ).page(after="20"),
        "GET",
        f"/projects/{PROJECT}/runs",
        query={
            "limit": ["10"],
            "offset": ["20"],
            "statusFilter": ["ERRORED"],
            "runTriggerFilter": ["SCHEDULED"],
        },
        answer={"runs": [], "nextPage": None, "previousPage": None, "traceId": "t"},
        result={"values": [], "after": None, "before": None},
    ),
    "cancel_run": Case(
        lambda h: h.cancel_run(PROJECT, RUN),
        "DELETE",
        f"/projects/{PROJECT}/runs/{RUN}",
        status=204,
    ),
    "get_project": Case(
        lambda h: h.get_project(PROJECT),
        "GET",
        f"/projects/{PROJECT}",
        answer=PROJECT_OBJ,
        result=PROJECT_OBJ,
    ),
    "get_project-with-sharing": Case(
        lambda h: h.get_project(PROJECT, include_sharing=True),
        "GET",
        f"/projects/{PROJECT}",
        query={"includeSharing": ["true"]},
        answer=PROJECT_OBJ,
        result=PROJECT_OBJ,
    ),
    "list_projects-defaults": Case(
        lambda h: h.list_projects().page(),
        "GET",
        "/projects",
        query={"limit": ["100"]},
        answer=PAGE,
        result=PAGE_RESULT,
    ),
    "list_projects-filters": Case(
        lambda h: h.list_projects(
            include_archived=True,
            include_components=True,
            include_trashed=True,
            include_sharing=True,
            statuses=["Approved", "In review"],
            categories=["Finance"],
            creator_email="c@example.com",
            owner_email="o@example.com",
            collection_id=COLLECTION,
            sort_by="LAST_EDITED_AT",
            sort_direction="ASC",
            limit=5,
        ).page(after="c1"),
        "GET",
        "/projects",
        query={
            "includeArchived": ["true"],
            "includeComponents": ["true"],
            "includeTrashed": ["true"],
            "includeSharing": ["true"],
            "statuses": ["Approved", "In review"],
            "categories": ["Finance"],
            "creatorEmail": ["c@example.com"],
            "ownerEmail": ["o@example.com"],
            "collectionId": [COLLECTION],
            "sortBy": ["LAST_EDITED_AT"],
            "sortDirection": ["ASC"],
            "limit": ["5"],
            "after": ["c1"],
        },
        answer=PAGE,
        result=PAGE_RESULT,
    ),
    "update_project_status-set": Case(
        lambda h: h.update_project_status(PROJECT, "Approved"),
        "PATCH",
        f"/projects/{PROJECT}",
        body={"status": "Approved"},
        answer=PROJECT_OBJ,
        result=PROJECT_OBJ,
    ),
    "update_project_status-clear": Case(
        lambda h: h.update_project_status(PROJECT, None),
        "PATCH",
        f"/projects/{PROJECT}",
        body={"status": None},
        answer=PROJECT_OBJ,
        result=PROJECT_OBJ,
    ),
    "edit_project_sharing_users": Case(
        lambda h: h.edit_project_sharing_users(
            PROJECT, {USER: AccessLevel.CAN_VIEW, USER2: "NONE"}
        ),
        "PATCH",
        f"/projects/{PROJECT}/sharing/users",
        body={
            "sharing": {
                "upsert": {
                    "users": [
                        {"user": {"id": USER}, "access": "CAN_VIEW"},
                        {"user": {"id": USER2}, "access": "NONE"},
                    ]
                }
            }
        },
        answer=SHARING,
        result=SHARING,
    ),
    "edit_project_sharing_groups": Case(
        lambda h: h.edit_project_sharing_groups(PROJECT, {GROUP: "CAN_EDIT"}),
        "PATCH",
        f"/projects/{PROJECT}/sharing/groups",
        body={"sharing": {"upsert": {"groups": [{"group": {"id": GROUP}, "access": "CAN_EDIT"}]}}},
        answer=SHARING,
        result=SHARING,
    ),
    "edit_project_sharing_collections": Case(
        lambda h: h.edit_project_sharing_collections(PROJECT, {COLLECTION: "APP_ONLY"}),
        "PATCH",
        f"/projects/{PROJECT}/sharing/collections",
        body={
            "sharing": {
                "upsert": {
                    "collections": [{"collection": {"id": COLLECTION}, "access": "APP_ONLY"}]
                }
            }
        },
        answer={"project": PROJECT_OBJ},
        result=SHARING,
    ),
    "edit_project_sharing_org_and_public": Case(
        lambda h: h.edit_project_sharing_org_and_public(
            PROJECT, workspace="CAN_VIEW", public_web=AccessLevel.NONE
        ),
        "PATCH",
        f"/projects/{PROJECT}/sharing/workspaceAndPublic",
        body={"sharing": {"workspace": "CAN_VIEW", "publicWeb": "NONE"}},
        answer={"project": PROJECT_OBJ, "errors": [{"type": "publicWeb", "reason": "off"}]},
        result={"project": PROJECT_OBJ, "errors": [{"type": "publicWeb", "reason": "off"}]},
    ),
    "create_cell-sql-everything": Case(
        lambda h: h.create_cell(
            PROJECT,
            CellType.SQL,
            "select 1",
            label="orders",
            data_connection_id=GROUP,
            output_dataframe="orders_df",
            insert_after_cell_id=CELL,
            child_position="FIRST",
        ),
        "POST",
        "/cells",
        body={
            "projectId": PROJECT,
            "cellType": "SQL",
            "contents": {
                "sqlCell": {
                    "source": "select 1",
                    "dataConnectionId": GROUP,
                    "outputDataframe": "orders_df",
                }
            },
            "label": "orders",
            "location": {"insertAfterCellId": CELL, "childPosition": "FIRST"},
        },
        answer=CELL_OBJ,
        result=CELL_OBJ,
    ),
    "create_cell-dataframe-sql": Case(
        lambda h: h.create_cell(PROJECT, "SQL", "select * from df", is_dataframe_sql=True),
        "POST",
        "/cells",
        body={
            "projectId": PROJECT,
            "cellType": "SQL",
            "contents": {"sqlCell": {"source": "select * from df", "isDataframeSql": True}},
        },
        answer=CELL_OBJ,
        result=CELL_OBJ,
    ),
    "create_cell-markdown-in-section": Case(
        lambda h: h.create_cell(PROJECT, "MARKDOWN", "# Hi", parent_cell_id=CELL),
        "POST",
        "/cells",
        body={
            "projectId": PROJECT,
            "cellType": "MARKDOWN",
            "contents": {"markdownCell": {"source": "# Hi"}},
            "location": {"parentCellId": CELL},
        },
        answer=CELL_OBJ,
        result=CELL_OBJ,
    ),
    "create_cell-code": Case(
        lambda h: h.create_cell(PROJECT, "CODE", "print(1)"),
        "POST",
        "/cells",
        body={
            "projectId": PROJECT,
            "cellType": "CODE",
            "contents": {"codeCell": {"source": "print(1)"}},
        },
        answer=CELL_OBJ,
        result=CELL_OBJ,
    ),
    "get_cell": Case(
        lambda h: h.get_cell(CELL), "GET", f"/cells/{CELL}", answer=CELL_OBJ, result=CELL_OBJ
    ),
    "list_cells": Case(
        lambda h: h.list_cells(PROJECT, limit=50).page(),
        "GET",
        "/cells",
        query={"projectId": [PROJECT], "limit": ["50"]},
        answer=PAGE,
        result=PAGE_RESULT,
    ),
    "update_cell-sql-source": Case(
        lambda h: h.update_cell(CELL, cell_type="SQL", source="select 2", output_dataframe="df"),
        "PATCH",
        f"/cells/{CELL}",
        body={"contents": {"sqlCell": {"source": "select 2", "outputDataframe": "df"}}},
        answer=CELL_OBJ,
        result=CELL_OBJ,
    ),
    "update_cell-detach-connection": Case(
        lambda h: h.update_cell(CELL, data_connection_id=None),
        "PATCH",
        f"/cells/{CELL}",
        body={"dataConnectionId": None},
        answer=CELL_OBJ,
        result=CELL_OBJ,
    ),
    "update_cell-code-and-connection": Case(
        lambda h: h.update_cell(CELL, cell_type="CODE", source="x = 1", data_connection_id=GROUP),
        "PATCH",
        f"/cells/{CELL}",
        body={"contents": {"codeCell": {"source": "x = 1"}}, "dataConnectionId": GROUP},
        answer=CELL_OBJ,
        result=CELL_OBJ,
    ),
    "delete_cell": Case(
        lambda h: h.delete_cell(CELL),
        "DELETE",
        f"/cells/{CELL}",
        answer={"cellId": CELL},
        result=CELL,
    ),
    "create_collection": Case(
        lambda h: h.create_collection(
            "Sales",
            description="Sales work",
            users={USER: "MEMBER"},
            groups={GROUP: "MANAGER"},
            workspace_members="MEMBER",
        ),
        "POST",
        "/collections",
        body={
            "name": "Sales",
            "description": "Sales work",
            "sharing": {
                "users": [{"id": USER, "access": "MEMBER"}],
                "groups": [{"id": GROUP, "access": "MANAGER"}],
                "workspace": {"members": "MEMBER"},
            },
        },
        status=201,
        answer=COLLECTION_OBJ,
        result=COLLECTION_OBJ,
    ),
    "get_collection": Case(
        lambda h: h.get_collection(COLLECTION),
        "GET",
        f"/collections/{COLLECTION}",
        answer=COLLECTION_OBJ,
        result=COLLECTION_OBJ,
    ),
    "list_collections": Case(
        lambda h: h.list_collections(sort_by="NAME").page(),
        "GET",
        "/collections",
        query={"sortBy": ["NAME"], "limit": ["100"]},
        answer=PAGE,
        result=PAGE_RESULT,
    ),
    "edit_collection": Case(
        lambda h: h.edit_collection(
            COLLECTION, name="Sales EU", description="", users={USER: "NONE"}
        ),
        "PATCH",
        f"/collections/{COLLECTION}",
        body={
            "name": "Sales EU",
            "description": "",
            "sharing": {"upsert": {"users": [{"id": USER, "access": "NONE"}]}},
        },
        answer=COLLECTION_OBJ,
        result=COLLECTION_OBJ,
    ),
    "create_group": Case(
        lambda h: h.create_group("Analysts", user_ids=[USER, USER2]),
        "POST",
        "/groups",
        body={"name": "Analysts", "members": {"users": [{"id": USER}, {"id": USER2}]}},
        status=201,
        answer=GROUP_OBJ,
        result=GROUP_OBJ,
    ),
    "get_group": Case(
        lambda h: h.get_group(GROUP), "GET", f"/groups/{GROUP}", answer=GROUP_OBJ, result=GROUP_OBJ
    ),
    "list_groups": Case(
        lambda h: h.list_groups(sort_by="NAME", sort_direction="DESC").page(),
        "GET",
        "/groups",
        query={"sortBy": ["NAME"], "sortDirection": ["DESC"], "limit": ["500"]},
        answer=PAGE,
        result=PAGE_RESULT,
    ),
    "edit_group": Case(
        lambda h: h.edit_group(GROUP, name="BI", add_user_ids=[USER], remove_user_ids=[USER2]),
        "PATCH",
        f"/groups/{GROUP}",
        body={
            "name": "BI",
            "members": {"add": {"users": [{"id": USER}]}, "remove": {"users": [{"id": USER2}]}},
        },
        answer=GROUP_OBJ,
        result=GROUP_OBJ,
    ),
    "delete_group": Case(lambda h: h.delete_group(GROUP), "DELETE", f"/groups/{GROUP}", status=204),
    "get_current_user": Case(
        lambda h: h.get_current_user(),
        "GET",
        "/users/me",
        answer={**USER_OBJ, "org": {"id": GROUP}},
        result={**USER_OBJ, "org": {"id": GROUP}},
    ),
    "list_users": Case(
        lambda h: h.list_users(
            group_id=GROUP, user_ids=[USER, USER2], sort_by="EMAIL", limit=2
        ).page(),
        "GET",
        "/users",
        query={
            "groupId": [GROUP],
            "userIds": [f"{USER},{USER2}"],
            "sortBy": ["EMAIL"],
            "limit": ["2"],
        },
        answer=PAGE,
        result=PAGE_RESULT,
    ),
    "deactivate_user": Case(
        lambda h: h.deactivate_user(USER),
        "POST",
        f"/users/{USER}/deactivate",
        answer={"user": USER_OBJ},
        result=USER_OBJ,
    ),
    "list_data_connections": Case(
        lambda h: h.list_data_connections(sort_by="CREATED_AT", sort_direction="ASC").page(),
        "GET",
        "/data-connections",
        query={"sortBy": ["CREATED_AT"], "sortDirection": ["ASC"], "limit": ["100"]},
        answer=PAGE,
        result=PAGE_RESULT,
    ),
    "upsert_guide_draft-mapping": Case(
        lambda h: h.upsert_guide_draft({"guides/a.md": "# A"}, force_write=True),
        "PUT",
        "/guides/draft",
        body={"files": [{"filePath": "guides/a.md", "contents": "# A"}], "forceWrite": True},
        answer={"files": [{"id": GUIDE, "filePath": "guides/a.md"}], "warnings": []},
        result={"files": [{"id": GUIDE, "filePath": "guides/a.md"}], "warnings": []},
    ),
    "upsert_guide_draft-list-with-source": Case(
        lambda h: h.upsert_guide_draft(
            [{"filePath": "b.md", "contents": "", "externalSource": {"source": "unknown"}}]
        ),
        "PUT",
        "/guides/draft",
        body={
            "files": [{"filePath": "b.md", "contents": "", "externalSource": {"source": "unknown"}}]
        },
        answer={"files": [], "warnings": []},
        result={"files": [], "warnings": []},
    ),
    "publish_guide_drafts-ids": Case(
        lambda h: h.publish_guide_drafts([GUIDE]),
        "POST",
        "/guides/publish",
        body={"orgGuideFileIds": [GUIDE]},
        answer={"message": "ok", "publishedGuides": []},
        result={"message": "ok", "publishedGuides": []},
    ),
    "publish_guide_drafts-all": Case(
        lambda h: h.publish_guide_drafts(publish_all=True),
        "POST",
        "/guides/publish",
        body={"publishAllDraftGuides": True},
        answer={"message": "ok", "publishedGuides": []},
        result={"message": "ok", "publishedGuides": []},
    ),
    "delete_guide_draft": Case(
        lambda h: h.delete_guide_draft(GUIDE), "DELETE", f"/guides/draft/{GUIDE}", status=204
    ),
    "list_draft_guides": Case(
        lambda h: h.list_draft_guides(external_source={"source": "github", "repo": "g"}).page(),
        "GET",
        "/guides/draft/list",
        query={"externalSource": ['{"source":"github","repo":"g"}'], "limit": ["100"]},
        answer=PAGE,
        result=PAGE_RESULT,
    ),
}


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_hook_method_sends_documented_request_and_parses_answer(
    hook: HexHook, requests_mock: Any, case: Case
) -> None:
    check_case(hook, requests_mock, case)


@pytest.mark.parametrize(
    ("call", "path"),
    [
        (lambda h: h.get_run_status(PROJECT, RUN), f"/projects/{PROJECT}/runs/{RUN}"),
        (lambda h: h.list_cells(PROJECT).page(), "/cells"),
    ],
    ids=["run-status", "list-cells"],
)
def test_hook_sends_token_as_bearer_header(
    hook: HexHook, token: str, requests_mock: Any, call: Callable[[HexHook], Any], path: str
) -> None:
    requests_mock.get(API + path, json={**PROJECT_RUN, "values": [], "pagination": {}})
    call(hook)
    assert requests_mock.last_request.headers["Authorization"] == f"Bearer {token}"
