"""Projects, cursor pagination, project status, sharing and cells."""

from __future__ import annotations

import requests

from airflow_provider_hex.testing import HexSimulator
from airflow_provider_hex.testing.demo import (
    ANALYST_USER_ID,
    ANALYSTS_GROUP_ID,
    ARCHIVED_PROJECT_ID,
    DEACTIVATED_USER_ID,
    DEMO_PROJECT_ID,
    DUPLICATE_CELL_LABEL,
    FINANCE_GROUP_ID,
    ORDERS_CELL_ID,
    ORDERS_CELL_LABEL,
    POSTGRES_CONNECTION_ID,
    SALES_COLLECTION_ID,
    SECTION_CELL_ID,
    SNOWFLAKE_CONNECTION_ID,
)

MISSING_ID = "497f6eca-6276-4993-bfeb-53cbbbba6f08"


def test_list_projects_walks_cursor_pages_to_a_null_after(http: requests.Session, api: str) -> None:
    ids: list[str] = []
    params: dict[str, str | int] = {"limit": 3}
    pages = 0
    while True:
        body = http.get(f"{api}/projects", params=params).json()
        ids += [project["id"] for project in body["values"]]
        pages += 1
        if body["pagination"]["after"] is None:
            break
        params["after"] = body["pagination"]["after"]
    assert pages == 3
    assert len(ids) == len(set(ids)) == 8
    assert ARCHIVED_PROJECT_ID not in ids
    back = http.get(f"{api}/projects", params={"limit": 3, "before": body["pagination"]["before"]})
    assert len(back.json()["values"]) == 3


def test_list_projects_filters(http: requests.Session, api: str) -> None:
    def titles(**params: str) -> list[str]:
        values = http.get(f"{api}/projects", params=params).json()["values"]
        return [project["title"] for project in values]

    assert "Old KPI dashboard" in titles(includeArchived="true")
    assert titles(statuses="Endorsed") == ["Daily sales report"]
    assert sorted(titles(collectionId=SALES_COLLECTION_ID)) == [
        "Daily sales report",
        "Weekly marketing funnel",
    ]
    newest_last = titles(sortDirection="ASC")
    assert newest_last == list(reversed(titles()))


def test_bad_list_parameters_answer_400(http: requests.Session, api: str) -> None:
    assert http.get(f"{api}/projects", params={"limit": 0}).status_code == 400
    assert http.get(f"{api}/projects", params={"after": "garbage!"}).status_code == 400
    assert http.get(f"{api}/projects", params={"sortBy": "TITLE"}).status_code == 400


def test_create_project_is_unpublished(http: requests.Session, api: str) -> None:
    response = http.post(f"{api}/projects", json={"title": "Fresh"})
    assert response.status_code == 201
    project = response.json()
    assert project["lastPublishedAt"] is None
    assert http.post(f"{api}/projects/{project['id']}/runs").status_code == 422
    assert http.post(f"{api}/projects", json={}).status_code == 400


def test_update_project_sets_and_clears_a_workspace_status(
    http: requests.Session, api: str
) -> None:
    url = f"{api}/projects/{DEMO_PROJECT_ID}"
    assert http.patch(url, json={"status": "In review"}).json()["status"] == {"name": "In review"}
    assert http.patch(url, json={"status": None}).json()["status"] is None
    unknown = http.patch(url, json={"status": "Shiny"})
    assert unknown.status_code == 400
    assert unknown.json()["code"] == "BAD_REQUEST"


def test_unknown_project_is_404_and_malformed_id_400(http: requests.Session, api: str) -> None:
    assert http.get(f"{api}/projects/{MISSING_ID}").status_code == 404
    assert http.get(f"{api}/projects/nope").status_code == 400


def test_sharing_users_reports_unknown_and_deactivated_users_in_errors(
    http: requests.Session, api: str
) -> None:
    body = {
        "sharing": {
            "upsert": {
                "users": [
                    {"user": {"id": ANALYST_USER_ID}, "access": "CAN_EDIT"},
                    {"user": {"id": MISSING_ID}, "access": "CAN_VIEW"},
                    {"user": {"id": DEACTIVATED_USER_ID}, "access": "CAN_VIEW"},
                ]
            }
        }
    }
    response = http.patch(f"{api}/projects/{DEMO_PROJECT_ID}/sharing/users", json=body)
    assert response.status_code == 200
    answer = response.json()
    assert {tuple(error["userIds"]) for error in answer["errors"]} == {
        (MISSING_ID,),
        (DEACTIVATED_USER_ID,),
    }
    users = answer["project"]["sharing"]["users"]
    assert {"user": {"email": "ada@example.com"}, "access": "CAN_EDIT"} in users


def test_sharing_none_removes_a_group_and_other_edits_validate(
    http: requests.Session, api: str
) -> None:
    url = f"{api}/projects/{DEMO_PROJECT_ID}/sharing/groups"
    upsert = [
        {"group": {"id": ANALYSTS_GROUP_ID}, "access": "NONE"},
        {"group": {"id": FINANCE_GROUP_ID}, "access": "APP_ONLY"},
    ]
    body = http.patch(url, json={"sharing": {"upsert": {"groups": upsert}}}).json()
    assert body["project"]["sharing"]["groups"] == [
        {"group": {"name": "Finance"}, "access": "APP_ONLY"}
    ]
    assert "errors" not in body
    bad_access = [{"group": {"id": FINANCE_GROUP_ID}, "access": "OWNER"}]
    assert http.patch(url, json={"sharing": {"upsert": {"groups": bad_access}}}).status_code == 400
    too_many = [{"group": {"id": FINANCE_GROUP_ID}, "access": "CAN_VIEW"}] * 26
    assert http.patch(url, json={"sharing": {"upsert": {"groups": too_many}}}).status_code == 400
    sharing = http.get(f"{api}/projects/{DEMO_PROJECT_ID}", params={"includeSharing": "true"})
    assert sharing.json()["sharing"]["groups"] == [
        {"group": {"name": "Finance"}, "access": "APP_ONLY"}
    ]


def test_sharing_collections_uses_tsoa_errors_and_reports_unknown_ids(
    http: requests.Session, api: str
) -> None:
    url = f"{api}/projects/{DEMO_PROJECT_ID}/sharing/collections"
    upsert = [{"collection": {"id": MISSING_ID}, "access": "CAN_VIEW"}]
    body = http.patch(url, json={"sharing": {"upsert": {"collections": upsert}}}).json()
    assert body["errors"][0]["collectionIds"] == [MISSING_ID]
    malformed = http.patch(url, json={"sharing": {}})
    assert malformed.status_code == 400
    assert "reason" in malformed.json()


def test_workspace_and_public_sharing_leaves_omitted_fields_alone(
    http: requests.Session, api: str
) -> None:
    url = f"{api}/projects/{DEMO_PROJECT_ID}/sharing/workspaceAndPublic"
    body = http.patch(url, json={"sharing": {"publicWeb": "APP_ONLY"}}).json()
    sharing = body["project"]["sharing"]
    assert sharing["publicWeb"] == {"access": "APP_ONLY"}
    assert sharing["workspace"] == {"access": "CAN_VIEW"}
    refused = http.patch(url, json={"sharing": {"publicWeb": "FULL_ACCESS"}}).json()
    assert refused["errors"][0]["type"] == "publicWeb"


def test_cells_are_listed_in_notebook_order_across_pages(http: requests.Session, api: str) -> None:
    first = http.get(f"{api}/cells", params={"projectId": DEMO_PROJECT_ID, "limit": 5}).json()
    second = http.get(
        f"{api}/cells",
        params={"projectId": DEMO_PROJECT_ID, "limit": 5, "after": first["pagination"]["after"]},
    ).json()
    cells = first["values"] + second["values"]
    assert second["pagination"]["after"] is None
    assert cells[1]["id"] == ORDERS_CELL_ID
    assert cells[1]["label"] == ORDERS_CELL_LABEL
    assert cells[1]["dataConnectionId"] == SNOWFLAKE_CONNECTION_ID
    assert [c["label"] for c in cells].count(DUPLICATE_CELL_LABEL) == 2
    assert http.get(f"{api}/cells").status_code == 400
    assert http.get(f"{api}/cells", params={"projectId": MISSING_ID}).status_code == 404


def test_cell_create_update_delete(
    frozen_demo_sim: HexSimulator, http: requests.Session, api: str
) -> None:
    created = http.post(
        f"{api}/cells",
        json={
            "projectId": DEMO_PROJECT_ID,
            "cellType": "SQL",
            "label": "new_query",
            "contents": {
                "sqlCell": {"source": "select 1", "dataConnectionId": POSTGRES_CONNECTION_ID}
            },
            "location": {"insertAfterCellId": ORDERS_CELL_ID},
        },
    )
    assert created.status_code == 200
    cell = created.json()
    assert cell["contents"]["sqlCell"]["outputDataframe"]
    order = frozen_demo_sim.state.projects[DEMO_PROJECT_ID].cell_order
    assert order[order.index(ORDERS_CELL_ID) + 1] == cell["id"]

    url = f"{api}/cells/{cell['id']}"
    updated = http.patch(url, json={"contents": {"sqlCell": {"source": "select 2"}}}).json()
    assert updated["contents"]["sqlCell"]["source"] == "select 2"
    detached = http.patch(url, json={"dataConnectionId": None}).json()
    assert detached["dataConnectionId"] is None
    wrong_variant = http.patch(url, json={"contents": {"codeCell": {"source": "x = 1"}}})
    assert wrong_variant.status_code == 400

    deleted = http.delete(url)
    assert deleted.status_code == 200
    assert deleted.json() == {"cellId": cell["id"]}
    assert http.get(url).status_code == 404


def test_cell_create_validates_type_variant_and_location(http: requests.Session, api: str) -> None:
    def create(**body: object) -> requests.Response:
        payload = {
            "projectId": DEMO_PROJECT_ID,
            "cellType": "CODE",
            "contents": {"codeCell": {"source": "1"}},
        }
        payload.update(body)
        return http.post(f"{api}/cells", json=payload)

    assert create(cellType="CHART").status_code == 400
    assert create(contents={"sqlCell": {"source": "select 1"}}).status_code == 400
    assert create(location={"insertAfterCellId": MISSING_ID}).status_code == 400
    child = create(location={"parentCellId": SECTION_CELL_ID, "childPosition": "FIRST"})
    assert child.status_code == 200
    markdown = create(cellType="MARKDOWN", contents={"markdownCell": {"source": "# hi"}})
    assert markdown.json()["contents"]["markdownCell"] == {"source": "# hi"}
