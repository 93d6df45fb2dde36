"""The simulator's data-connection, queried-table, semantic-project and export routes, over
raw HTTP: shapes, state, error cases and the public API tests declare state with."""

from __future__ import annotations

import pytest
import requests
from zip_support import zip_of

from airflow_provider_hex.testing import HexSimulator, RateLimits
from airflow_provider_hex.testing.demo import (
    DEMO_PROJECT_ID,
    SEMANTIC_PROJECT_ID,
    SNOWFLAKE_CONNECTION_ID,
)

PG = {"hostname": "db", "port": 5432, "database": "a", "username": "u", "password": "pw-1"}


MODELS = zip_of({"m.yml": "datasets:\n  - name: orders\nviews:\n  - name: revenue\n"})


def test_queried_tables_answer_the_documented_shape(
    frozen_demo_sim: HexSimulator, http: requests.Session, api: str
) -> None:
    conn = frozen_demo_sim.add_data_connection("Lake", "postgres", tables=["public.orders"])
    frozen_demo_sim.set_queried_tables(DEMO_PROJECT_ID, [(conn, "public.orders")])

    answer = http.get(f"{api}/projects/{DEMO_PROJECT_ID}/queriedTables").json()

    assert answer["values"] == [
        {"dataConnectionId": conn, "dataConnectionName": "Lake", "tableName": "public.orders"}
    ]
    assert answer["pagination"] == {"after": None, "before": None}
    assert answer["traceId"]


def test_queried_tables_need_known_connections(frozen_demo_sim: HexSimulator) -> None:
    with pytest.raises(ValueError, match="unknown data connection"):
        frozen_demo_sim.set_queried_tables(
            DEMO_PROJECT_ID, [("0f4a1e9c-5b7d-4c3a-8e2f-000000000000", "t")]
        )


def test_create_data_connection_checks_required_details_and_hides_secrets(
    frozen_demo_sim: HexSimulator, http: requests.Session, api: str
) -> None:
    missing = http.post(
        f"{api}/data-connections",
        json={"name": "W", "type": "postgres", "connectionDetails": {"postgres": {"port": 1}}},
    )
    made = http.post(
        f"{api}/data-connections",
        json={"name": "W", "type": "postgres", "connectionDetails": {"postgres": PG}},
    )

    assert missing.status_code == 400
    assert "password" in missing.json()["reason"]
    assert made.status_code == 201
    body = made.json()
    assert body["connectionDetails"] == {
        "postgres": {k: v for k, v in PG.items() if k != "password"}
    }
    assert {"connectViaSsh", "includeMagic", "allowWritebackCells", "schemaRefreshAccess"} <= set(
        body
    )
    assert frozen_demo_sim.state.catalog.connection_secrets[body["id"]] == {"password": "pw-1"}


def test_edit_data_connection_refuses_another_warehouses_details(
    frozen_demo_sim: HexSimulator, http: requests.Session, api: str
) -> None:
    answer = http.patch(
        f"{api}/data-connections/{SNOWFLAKE_CONNECTION_ID}",
        json={"connectionDetails": {"postgres": PG}},
    )
    assert answer.status_code == 400
    assert (
        frozen_demo_sim.state.data_connections[SNOWFLAKE_CONNECTION_ID].details.get("password")
        is None
    )


def test_schema_update_of_an_unknown_connection_is_404(http: requests.Session, api: str) -> None:
    answer = http.patch(
        f"{api}/data-connections/0f4a1e9c-5b7d-4c3a-8e2f-000000000000/schema",
        json={"updates": []},
    )
    assert answer.status_code == 404
    assert "reason" in answer.json()


def test_ingest_answers_415_to_a_json_body_and_accepts_the_models_path(
    frozen_demo_sim: HexSimulator, http: requests.Session, api: str
) -> None:
    as_json = http.post(f"{api}/semantic-projects/{SEMANTIC_PROJECT_ID}/ingest", json={})
    as_form = http.post(
        f"{api}/semantic-models/{SEMANTIC_PROJECT_ID}/ingest",
        files={"file": ("p.zip", MODELS, "application/zip")},
        data={"verbose": "false"},
    )

    assert as_json.status_code == 415
    assert as_form.status_code == 201
    assert as_form.json()["contents"] == []  # verbose=false
    project = frozen_demo_sim.state.catalog.semantic_projects[SEMANTIC_PROJECT_ID]
    assert (list(project.datasets), list(project.views)) == (["orders"], ["revenue"])


def test_a_non_zip_upload_is_a_fatal_problem(http: requests.Session, api: str) -> None:
    answer = http.post(
        f"{api}/semantic-projects/{SEMANTIC_PROJECT_ID}/ingest",
        files={"file": ("p.zip", b"plain text", "application/zip")},
    )
    assert answer.status_code == 400
    assert answer.json()["problems"][0]["severity"] == "fatal"


def test_ingest_is_limited_to_three_a_minute(
    frozen_demo_sim: HexSimulator, http: requests.Session, api: str
) -> None:
    frozen_demo_sim.rate_limits = RateLimits()
    url = f"{api}/semantic-projects/{SEMANTIC_PROJECT_ID}/ingest"
    statuses = [
        http.post(url, files={"file": ("p.zip", MODELS, "application/zip")}).status_code
        for _ in range(4)
    ]
    assert statuses == [201, 201, 201, 429]
    frozen_demo_sim.advance(60)
    assert http.post(url, files={"file": ("p.zip", MODELS, "application/zip")}).status_code == 201


def test_semantic_update_is_all_or_nothing(
    frozen_demo_sim: HexSimulator, http: requests.Session, api: str
) -> None:
    project = frozen_demo_sim.add_semantic_project("Models", datasets=["orders"], views=["revenue"])
    refused = http.patch(
        f"{api}/semantic-projects/{project}",
        json={
            "updates": [
                {"type": "DATASET", "name": "orders", "status": "Endorsed"},
                {"type": "VIEW", "name": "margin", "status": "Endorsed"},
            ]
        },
    )
    assert refused.status_code == 400
    assert refused.json()["details"] == [{"name": "margin", "type": "VIEW", "reason": "not_found"}]
    assert frozen_demo_sim.state.catalog.semantic_projects[project].datasets == {"orders": None}


@pytest.mark.parametrize(
    ("version", "status"),
    [("draft", 200), ("latest", 200), (1, 200), (99, 404), ("v1", 400)],
    ids=["draft", "latest", "number", "unknown-number", "bad"],
)
def test_export_versions(http: requests.Session, api: str, version: object, status: int) -> None:
    answer = http.post(
        f"{api}/projects/export", json={"projectId": DEMO_PROJECT_ID, "version": version}
    )
    assert answer.status_code == status


def test_disabled_operations_answer_403_until_enabled_again(
    frozen_demo_sim: HexSimulator, http: requests.Session, api: str
) -> None:
    frozen_demo_sim.disable_operation("ExportProject")
    body = {"projectId": DEMO_PROJECT_ID}
    assert http.post(f"{api}/projects/export", json=body).status_code == 403
    frozen_demo_sim.enable_operation("ExportProject")
    assert http.post(f"{api}/projects/export", json=body).status_code == 200
