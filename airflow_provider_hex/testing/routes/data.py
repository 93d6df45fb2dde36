"""Data connections and lineage: Get/Create/EditDataConnection, UpdateDataConnectionSchema,
GetQueriedTables.

Simulator choices where Hex documents no behaviour: secrets (passwords, keys, tokens) are
kept but never answered; a schema update batch with any unknown object or status name is
refused whole with 400 and one ``details`` entry per failure (nothing changes); queried
tables of an unpublished project are a 422; an operation switched off with
``HexSimulator.disable_operation`` answers 403.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_hex.testing.catalog import SCHEMA_KINDS
from airflow_provider_hex.testing.errors import ApiError, ErrorStyle
from airflow_provider_hex.testing.limits import HEX_API
from airflow_provider_hex.testing.models import DataConnection
from airflow_provider_hex.testing.pagination import paginate
from airflow_provider_hex.testing.params import (
    bad,
    body_object,
    get_bool,
    get_obj,
    get_str,
    reject_unknown_keys,
    require_uuid,
)
from airflow_provider_hex.testing.router import Request, Response, Route
from airflow_provider_hex.testing.serialize import data_connection_json
from airflow_provider_hex.testing.state import Workspace, new_id

#: Keys of CreateConnectionDetails that hold secrets: kept, never answered.
SECRET_KEYS = frozenset(
    {
        "password",
        "passphrase",
        "privateKey",
        "secretAccessKey",
        "accessToken",
        "serviceAccountJsonConfig",
    }
)
#: Required keys of each warehouse's CreateConnectionDetails.
REQUIRED_DETAILS: dict[str, tuple[str, ...]] = {
    "athena": ("secretAccessKey", "accessKeyId", "s3OutputPath", "port", "hostname"),
    "bigquery": ("serviceAccountJsonConfig", "projectId"),
    "clickhouse": ("username", "port", "hostname"),
    "databricks": ("accessToken", "jdbcUrl"),
    "postgres": ("password", "username", "database", "port", "hostname"),
    "redshift": ("password", "username", "database", "port", "host"),
    "snowflake": ("passphrase", "privateKey", "username", "database", "warehouse", "accountName"),
    "trino": ("username", "port", "hostname"),
}
_SETTINGS = ("connectViaSsh", "includeMagic", "allowWritebackCells")
_REFRESH_ACCESS = ("ADMINS", "USERS_WITH_QUERY_ACCESS")
_FIELDS = (
    "name",
    "type",
    "description",
    "connectionDetails",
    "sharing",
    "schemaRefreshAccess",
    "schemaRefreshSchedule",
    "schemaFilters",
    *_SETTINGS,
)


def require_enabled(ws: Workspace, operation: str) -> None:
    """Answer 403 if a test switched ``operation`` off for this workspace."""
    if operation in ws.catalog.disabled_operations:
        raise ApiError(403, f"{operation} is not enabled for this workspace")


def connection(ws: Workspace, connection_id: str) -> DataConnection:
    """Return a data connection or raise 400 (malformed id) / 404 (unknown)."""
    key = require_uuid(connection_id, "dataConnectionId")
    if key not in ws.data_connections:
        raise ApiError(404, f"Data connection {connection_id} not found")
    return ws.data_connections[key]


def full_connection_json(ws: Workspace, conn: DataConnection) -> dict[str, Any]:
    """A DataConnection with the settings Create/Edit changed; never a secret."""
    body = data_connection_json(conn)
    body.update(ws.catalog.connection_settings.get(conn.id, {}))
    return body


def _split_details(
    conn_type: str, details: Any, *, create: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    if not isinstance(details, dict) or set(details) != {conn_type}:
        raise bad(f"connectionDetails must be an object with one key, {conn_type!r}")
    block = details[conn_type]
    if not isinstance(block, dict):
        raise bad(f"connectionDetails.{conn_type} must be an object")
    missing = [k for k in REQUIRED_DETAILS[conn_type] if k not in block] if create else []
    if missing:
        raise bad(f"connectionDetails.{conn_type} is missing {', '.join(missing)}")
    public = {k: v for k, v in block.items() if k not in SECRET_KEYS}
    secret = {k: v for k, v in block.items() if k in SECRET_KEYS}
    return public, secret


def _apply_settings(ws: Workspace, conn: DataConnection, body: dict[str, Any]) -> None:
    settings = ws.catalog.connection_settings.setdefault(conn.id, {})
    for key in _SETTINGS:
        if key in body:
            settings[key] = get_bool(body, key, False)
    if "schemaRefreshAccess" in body:
        if body["schemaRefreshAccess"] not in _REFRESH_ACCESS:
            raise bad(f"schemaRefreshAccess must be one of {', '.join(_REFRESH_ACCESS)}")
        settings["schemaRefreshAccess"] = body["schemaRefreshAccess"]
    for key in ("schemaFilters", "schemaRefreshSchedule", "sharing"):
        if key in body:
            settings[key] = body[key] if key != "sharing" else get_obj(body, key)
    if "description" in body:
        conn.description = get_str(body, "description", required=False)


def get_data_connection(ws: Workspace, req: Request) -> Response:
    """GET /v1/data-connections/{dataConnectionId}: the connection, without secrets."""
    return Response(200, full_connection_json(ws, connection(ws, req.params["dataConnectionId"])))


def create_data_connection(ws: Workspace, req: Request) -> Response:
    """POST /v1/data-connections: 201 with the new connection (secrets kept, not answered)."""
    body = body_object(req.body)
    reject_unknown_keys(body, _FIELDS)
    name = str(get_str(body, "name", min_length=1))
    conn_type = get_str(body, "type")
    if conn_type not in REQUIRED_DETAILS:
        raise bad(f"type must be one of {', '.join(REQUIRED_DETAILS)}")
    public, secret = _split_details(conn_type, body.get("connectionDetails"), create=True)
    conn = ws.add_data_connection(name, conn_type, public, connection_id=new_id())
    ws.catalog.connection_secrets[conn.id] = secret
    _apply_settings(ws, conn, body)
    return Response(201, full_connection_json(ws, conn))


def edit_data_connection(ws: Workspace, req: Request) -> Response:
    """PATCH /v1/data-connections/{dataConnectionId}: change what the body names (201)."""
    conn = connection(ws, req.params["dataConnectionId"])
    body = body_object(req.body)
    reject_unknown_keys(body, [f for f in _FIELDS if f != "type"])
    if "name" in body:
        conn.name = str(get_str(body, "name", min_length=1))
    if "connectionDetails" in body:
        public, secret = _split_details(conn.type, body["connectionDetails"], create=False)
        conn.details.update(public)
        ws.catalog.connection_secrets.setdefault(conn.id, {}).update(secret)
    _apply_settings(ws, conn, body)
    return Response(201, full_connection_json(ws, conn))


def status_batch(body: Any, kinds: tuple[str, ...]) -> list[tuple[str, str, str | None]]:
    """Read an ``{"updates": [{type, name, status}]}`` body; 400 for a malformed one."""
    data = body_object(body)
    reject_unknown_keys(data, ["updates"])
    updates = data.get("updates")
    if not isinstance(updates, list):
        raise bad("updates must be an array")
    batch = []
    for update in updates:
        if not isinstance(update, dict) or set(update) != {"type", "name", "status"}:
            raise bad("each update needs exactly type, name and status")
        kind, name, status = update["type"], update["name"], update["status"]
        if kind not in kinds or not isinstance(name, str):
            raise bad(f"type must be one of {', '.join(kinds)} and name a string")
        if status is not None and not isinstance(status, str):
            raise bad("status must be a string or null")
        batch.append((kind, name, status))
    return batch


def apply_status_batch(
    ws: Workspace,
    batch: list[tuple[str, str, str | None]],
    statuses: dict[tuple[str, str], str | None],
    groups: dict[str, str],
) -> dict[str, list[dict[str, Any]]]:
    """Apply a status batch all or nothing; 400 with every failure in ``details`` otherwise.

    ``statuses`` maps (kind, name) to the current status of every known object; ``groups``
    maps each kind to its key in the answer (``TABLE`` -> ``tables``).
    """
    failures = []
    for kind, name, status in batch:
        if (kind, name) not in statuses:
            failures.append({"name": name, "type": kind, "reason": "not_found"})
        elif status is not None and status not in ws.statuses:
            failures.append(
                {"name": name, "type": kind, "reason": "invalid_status", "value": status}
            )
    if failures:
        raise ApiError(
            400,
            body={
                "reason": "No updates were applied: the batch failed validation",
                "details": failures,
            },
        )
    updated: dict[str, list[dict[str, Any]]] = {key: [] for key in groups.values()}
    for kind, name, status in batch:
        statuses[(kind, name)] = status
        updated[groups[kind]].append({"name": name, "status": status})
    return updated


def update_data_connection_schema(ws: Workspace, req: Request) -> Response:
    """PATCH /v1/data-connections/{dataConnectionId}/schema: statuses, atomically."""
    conn = connection(ws, req.params["dataConnectionId"])
    batch = status_batch(req.body, SCHEMA_KINDS)
    groups = {"DATABASE": "databases", "SCHEMA": "schemas", "TABLE": "tables"}
    updated = apply_status_batch(ws, batch, ws.catalog.schema(conn.id).statuses, groups)
    return Response(200, {"updated": updated})


def get_queried_tables(ws: Workspace, req: Request) -> Response:
    """GET /v1/projects/{projectId}/queriedTables: the tables the published project queries."""
    require_enabled(ws, "GetQueriedTables")
    project = ws.project(req.params["projectId"])
    if not project.published:
        raise ApiError(422, f"Project {project.id} has not been published")
    tables = ws.catalog.queried_tables.get(project.id, [])

    def render(entry: tuple[str, str]) -> dict[str, Any]:
        conn = ws.data_connections.get(entry[0])
        name = conn.name if conn else ""
        return {"dataConnectionId": entry[0], "dataConnectionName": name, "tableName": entry[1]}

    page = paginate(tables, req.query, render)
    page["traceId"] = req.trace_id
    return Response(200, page)


_CODE, _TSOA = ErrorStyle.CODE, ErrorStyle.TSOA
_ONE = "/api/v1/data-connections/{dataConnectionId}"
ROUTES = [
    Route("GET", _ONE, get_data_connection, "GetDataConnection", _CODE, (HEX_API,)),
    Route(
        "POST", "/api/v1/data-connections", create_data_connection, "CreateDataConnection", _TSOA
    ),
    Route("PATCH", _ONE, edit_data_connection, "EditDataConnection", _TSOA),
    Route(
        "PATCH",
        _ONE + "/schema",
        update_data_connection_schema,
        "UpdateDataConnectionSchema",
        _TSOA,
    ),
    Route(
        "GET",
        "/api/v1/projects/{projectId}/queriedTables",
        get_queried_tables,
        "GetQueriedTables",
        _TSOA,
    ),
]
