"""The data, semantic and project-admin hook methods send the requests Hex documents."""

from __future__ import annotations

from collections.abc import Callable
from email import policy
from email.parser import BytesParser
from typing import Any

import pytest
from hook_support import API, PROJECT, Case, check_case
from zip_support import zip_of

from airflow_provider_hex.exceptions import (
    HexConnectionError,
    HexInvalidArgumentError,
    HexNotFoundError,
    HexPermissionError,
)
from airflow_provider_hex.hooks.hex import HexHook

CONN = "04ca4a56-3118-4a14-a171-f911c7ea3f73"
SEMANTIC = "3b0c7d1e-6f2a-4e59-8c41-9d2e7a5b6c10"
PROJECT_OBJ = {"id": PROJECT, "title": "Backfill"}
CONN_OBJ = {
    "id": CONN,
    "name": "Warehouse",
    "type": "postgres",
    "connectionDetails": {"postgres": {"hostname": "db", "port": 5432}},
}
TABLES_PAGE = {
    "values": [{"dataConnectionId": CONN, "dataConnectionName": "W", "tableName": "a.b.c"}],
    "pagination": {"after": None, "before": None},
    "traceId": "t",
}
UPDATES = [
    {"type": "TABLE", "name": "analytics.public.orders", "status": "Endorsed"},
    {"type": "SCHEMA", "name": "analytics.staging", "status": None},
]
SCHEMA_ANSWER = {
    "updated": {
        "databases": [],
        "schemas": [{"name": "analytics.staging", "status": None}],
        "tables": [{"name": "analytics.public.orders", "status": "Endorsed"}],
    }
}
SEMANTIC_ANSWER = {"updated": {"datasets": [{"name": "orders", "status": "Endorsed"}], "views": []}}
PG = {"hostname": "db", "port": 5432, "database": "a", "username": "u", "password": "pw-123456"}


CASES: dict[str, Case] = {
    "create_project": Case(
        lambda h: h.create_project("Backfill", description="made by Airflow"),
        "POST",
        "/projects",
        body={"title": "Backfill", "description": "made by Airflow"},
        status=201,
        answer=PROJECT_OBJ,
        result=PROJECT_OBJ,
    ),
    "export_project-draft": Case(
        lambda h: h.export_project(PROJECT),
        "POST",
        "/projects/export",
        body={"projectId": PROJECT, "version": "draft"},
        answer={"filename": "b.hex.yaml", "content": "title: B\n"},
        result={"filename": "b.hex.yaml", "content": "title: B\n"},
    ),
    "export_project-version": Case(
        lambda h: h.export_project(PROJECT, version=3),
        "POST",
        "/projects/export",
        body={"projectId": PROJECT, "version": 3},
        answer={"filename": "b.hex.yaml", "content": ""},
        result={"filename": "b.hex.yaml", "content": ""},
    ),
    "get_queried_tables": Case(
        lambda h: h.get_queried_tables(PROJECT, limit=50).all(),
        "GET",
        f"/projects/{PROJECT}/queriedTables",
        query={"limit": ["50"]},
        answer=TABLES_PAGE,
        result=TABLES_PAGE["values"],
    ),
    "get_data_connection": Case(
        lambda h: h.get_data_connection(CONN),
        "GET",
        f"/data-connections/{CONN}",
        answer=CONN_OBJ,
        result=CONN_OBJ,
    ),
    "create_data_connection": Case(
        lambda h: h.create_data_connection(
            "Warehouse", "postgres", PG, description="prod", include_magic=True
        ),
        "POST",
        "/data-connections",
        body={
            "name": "Warehouse",
            "type": "postgres",
            "connectionDetails": {"postgres": PG},
            "description": "prod",
            "includeMagic": True,
        },
        status=201,
        answer=CONN_OBJ,
        result=CONN_OBJ,
    ),
    "edit_data_connection": Case(
        lambda h: h.edit_data_connection(
            CONN,
            name="Warehouse 2",
            connection_type="postgres",
            connection_details={"password": "rotated-9876"},
            schema_refresh_access="ADMINS",
        ),
        "PATCH",
        f"/data-connections/{CONN}",
        body={
            "name": "Warehouse 2",
            "connectionDetails": {"postgres": {"password": "rotated-9876"}},
            "schemaRefreshAccess": "ADMINS",
        },
        status=201,
        answer=CONN_OBJ,
        result=CONN_OBJ,
    ),
    "update_data_connection_schema": Case(
        lambda h: h.update_data_connection_schema(CONN, UPDATES),
        "PATCH",
        f"/data-connections/{CONN}/schema",
        body={"updates": UPDATES},
        answer=SCHEMA_ANSWER,
        result=SCHEMA_ANSWER,
    ),
    "update_semantic_project": Case(
        lambda h: h.update_semantic_project(
            SEMANTIC, [{"type": "DATASET", "name": "orders", "status": "Endorsed"}]
        ),
        "PATCH",
        f"/semantic-projects/{SEMANTIC}",
        body={"updates": [{"type": "DATASET", "name": "orders", "status": "Endorsed"}]},
        answer=SEMANTIC_ANSWER,
        result=SEMANTIC_ANSWER,
    ),
}


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_hook_method_sends_documented_request_and_parses_answer(
    hook: HexHook, requests_mock: Any, case: Case
) -> None:
    check_case(hook, requests_mock, case)


def form_parts(body: bytes, content_type: str) -> dict[str, tuple[str | None, bytes]]:
    """Field name -> (file name, bytes) of a multipart body."""
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    return {
        str(part.get_param("name", header="content-disposition")): (
            part.get_filename(),
            part.get_payload(decode=True),
        )
        for part in message.iter_parts()
    }


def test_ingest_semantic_project_uploads_the_zip_as_a_multipart_form(
    hook: HexHook, requests_mock: Any
) -> None:
    archive = zip_of({"models/orders.yml": "semantic_models:\n  - name: orders\n"})
    answer = {"traceId": "t", "contents": ["dataset:orders"]}
    url = f"{API}/semantic-projects/{SEMANTIC}/ingest"
    requests_mock.post(url, status_code=201, json=answer)

    result = hook.ingest_semantic_project(SEMANTIC, archive, dry_run=True)

    sent = requests_mock.last_request
    content_type = sent.headers["Content-Type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    parts = form_parts(sent.body, content_type)
    assert parts["file"] == ("semantic_project.zip", archive)
    assert parts["verbose"] == (None, b"true")
    assert parts["debug"] == (None, b"false")
    assert parts["dryRun"] == (None, b"true")
    assert result == answer


def test_ingest_is_sent_again_after_no_answer_since_the_same_archive_gives_the_same_result(
    hook: HexHook, requests_mock: Any
) -> None:
    url = f"{API}/semantic-projects/{SEMANTIC}/ingest"
    requests_mock.post(
        url, [{"status_code": 502, "json": {}}, {"status_code": 201, "json": {"contents": []}}]
    )
    hook.ingest_semantic_project(SEMANTIC, zip_of({"a.yml": "x"}))
    assert requests_mock.call_count == 2


@pytest.mark.parametrize(
    "call",
    [
        lambda h: h.create_project("Backfill"),
        lambda h: h.create_data_connection("W", "postgres", PG),
    ],
    ids=["create_project", "create_data_connection"],
)
def test_create_calls_are_not_repeated_after_an_ambiguous_failure(
    hook: HexHook, requests_mock: Any, call: Callable[[HexHook], Any]
) -> None:
    requests_mock.post(f"{API}/projects", status_code=502, json={})
    requests_mock.post(f"{API}/data-connections", status_code=502, json={})
    with pytest.raises(Exception, match="502"):
        call(hook)
    assert requests_mock.call_count == 1


def test_create_project_without_answer_says_a_project_may_exist(
    hook: HexHook, requests_mock: Any
) -> None:
    import requests

    requests_mock.post(f"{API}/projects", exc=requests.exceptions.ReadTimeout)
    with pytest.raises(HexConnectionError, match="list the projects"):
        hook.create_project("Backfill")
    assert requests_mock.call_count == 1


@pytest.mark.parametrize(
    ("call", "path", "method", "status", "operation"),
    [
        (lambda h: h.export_project(PROJECT), "/projects/export", "POST", 403, "ExportProject"),
        (
            lambda h: h.get_queried_tables(PROJECT).all(),
            f"/projects/{PROJECT}/queriedTables",
            "GET",
            404,
            "GetQueriedTables",
        ),
        (
            lambda h: h.ingest_semantic_project(SEMANTIC, zip_of({"a.yml": "x"})),
            f"/semantic-projects/{SEMANTIC}/ingest",
            "POST",
            403,
            "IngestSemanticProject",
        ),
        (
            lambda h: h.update_semantic_project(
                SEMANTIC, [{"type": "VIEW", "name": "v", "status": None}]
            ),
            f"/semantic-projects/{SEMANTIC}",
            "PATCH",
            404,
            "UpdateSemanticProject",
        ),
    ],
    ids=["export", "queried-tables", "ingest", "update-semantic"],
)
def test_limited_operation_refused_says_the_workspace_may_not_have_it(
    hook: HexHook,
    requests_mock: Any,
    call: Callable[[HexHook], Any],
    path: str,
    method: str,
    status: int,
    operation: str,
) -> None:
    requests_mock.register_uri(
        method, API + path, status_code=status, json={"code": "X", "message": "nope"}
    )
    error = HexPermissionError if status == 403 else HexNotFoundError
    with pytest.raises(error) as caught:
        call(hook)
    text = str(caught.value)
    assert f"{operation} is available only to" in text
    assert "most likely means this workspace" in text
    assert f"HTTP {status}" in text


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda h: h.export_project("not-a-uuid"), "project_id"),
        (lambda h: h.export_project(PROJECT, version="published"), "version"),
        (lambda h: h.export_project(PROJECT, version=0), "version"),
        (lambda h: h.get_queried_tables("x"), "project_id"),
        (lambda h: h.get_queried_tables(PROJECT, limit=101), "limit"),
        (lambda h: h.get_data_connection("x"), "data_connection_id"),
        (lambda h: h.create_project(""), "title"),
        (lambda h: h.create_data_connection("W", "oracle", PG), "connection_type"),
        (lambda h: h.create_data_connection("W", "postgres", "pw"), "connection_details"),
        (
            lambda h: h.create_data_connection("W", "postgres", PG, include_magic="yes"),
            "include_magic",
        ),
        (lambda h: h.create_data_connection("W", "postgres", PG, colour="red"), "colour"),
        (lambda h: h.edit_data_connection(CONN), "name"),
        (lambda h: h.edit_data_connection(CONN, connection_details=PG), "connection_type"),
        (
            lambda h: h.edit_data_connection(CONN, schema_refresh_access="ALL"),
            "schema_refresh_access",
        ),
        (lambda h: h.update_data_connection_schema("x", UPDATES), "data_connection_id"),
        (lambda h: h.update_data_connection_schema(CONN, []), "updates"),
        (
            lambda h: h.update_data_connection_schema(
                CONN, [{"type": "VIEW", "name": "a", "status": None}]
            ),
            "updates[0]['type']",
        ),
        (
            lambda h: h.update_data_connection_schema(
                CONN, [{"type": "TABLE", "name": "a.b.c", "status": 1}]
            ),
            "updates[0]['status']",
        ),
        (
            lambda h: h.update_data_connection_schema(
                CONN, [{"type": "TABLE", "name": "a.b.c", "status": ""}]
            ),
            "updates[0]['status']",
        ),
        (
            lambda h: h.update_data_connection_schema(CONN, [{"type": "TABLE", "name": "a.b.c"}]),
            "updates[0]",
        ),
        (
            lambda h: h.update_data_connection_schema(CONN, [UPDATES[0], UPDATES[0]]),
            "updates[1]",
        ),
        (
            lambda h: h.update_semantic_project(
                SEMANTIC, [{"type": "TABLE", "name": "a", "status": None}]
            ),
            "updates[0]['type']",
        ),
        (lambda h: h.ingest_semantic_project("x", zip_of({"a.yml": "x"})), "semantic_project_id"),
        (lambda h: h.ingest_semantic_project(SEMANTIC, b""), "archive"),
        (lambda h: h.ingest_semantic_project(SEMANTIC, b"not a zip"), "archive"),
        (lambda h: h.ingest_semantic_project(SEMANTIC, zip_of({})), "archive"),
        (
            lambda h: h.ingest_semantic_project(
                SEMANTIC, zip_of({"a.yml": "x" * 500}), max_bytes=10
            ),
            "archive",
        ),
        (
            lambda h: h.ingest_semantic_project(SEMANTIC, zip_of({"a.yml": "x"}), filename='a"b'),
            "filename",
        ),
    ],
)
def test_bad_arguments_are_refused_before_any_request(
    hook: HexHook, requests_mock: Any, call: Callable[[HexHook], Any], argument: str
) -> None:
    with pytest.raises(HexInvalidArgumentError) as caught:
        call(hook)
    assert caught.value.argument == argument
    assert requests_mock.call_count == 0


def test_the_shared_budget_spaces_ingests_to_hexs_three_a_minute(
    set_connection: Callable[..., None],
) -> None:
    from airflow_provider_hex.hooks.transport import SEMANTIC_INGEST_GROUP

    set_connection("https://app.hex.tech", "hxtp_" + "b" * 40, rate_budget=True)
    budget = HexHook().transport.budget
    assert budget is not None

    first, second = budget.reserve(SEMANTIC_INGEST_GROUP), budget.reserve(SEMANTIC_INGEST_GROUP)

    assert first == 0
    assert 60 / 3 <= second <= 60 / 3 / 0.85  # one every 20 s, with the budget's headroom
