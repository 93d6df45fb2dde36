"""Data connections (get, create, edit, schema statuses) and the tables a project queries.

Data-connection bodies carry warehouse secrets (passwords, private keys, access tokens).
The hook keeps them out of everything but the request itself: they are registered with
Airflow's secrets masker (so task logs and rendered templates show ``***``), cut out of any
error text Hex sends back, and replaced by ``***`` in what the methods return (so an XCom
never holds one).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypedDict, Unpack, cast

from airflow_provider_hex.exceptions import HexInvalidArgumentError
from airflow_provider_hex.hooks.access import limited_operation
from airflow_provider_hex.hooks.pagination import Pager, cursor_pager
from airflow_provider_hex.hooks.transport import HexRequest
from airflow_provider_hex.operations import STATUS_GROUP
from airflow_provider_hex.types import (
    DataConnectionDetails,
    QueriedTable,
    SchemaObjectType,
    SchemaUpdateResult,
)
from airflow_provider_hex.validation import (
    require_bool,
    require_choice,
    require_json_object,
    require_limit,
    require_status_updates,
    require_text,
    require_uuid,
)

#: Warehouse types Hex's API creates and edits data connections for.
CONNECTION_TYPES = (
    "athena",
    "bigquery",
    "clickhouse",
    "databricks",
    "postgres",
    "redshift",
    "snowflake",
    "trino",
)
#: Who may refresh a data connection's schema.
REFRESH_ACCESS = ("ADMINS", "USERS_WITH_QUERY_ACCESS")
#: Parts of a key name that mark its value as a secret (compared case-insensitively).
SECRET_KEY_PARTS = ("password", "passphrase", "privatekey", "secret", "token", "serviceaccount")
#: What a secret is replaced with in returned data.
MASK = "***"
#: Shorter values are not hunted for in error text (they would blank out ordinary words).
_MIN_SECRET_LENGTH = 4


def is_secret_key(key: str) -> bool:
    """Tell whether a connection-details key holds a secret (``password``, ``privateKey``...)."""
    folded = key.replace("_", "").lower()
    return any(part in folded for part in SECRET_KEY_PARTS)


def secret_values(value: Any) -> list[str]:
    """Every string held under a secret key anywhere in ``value``."""
    found: list[str] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str) and is_secret_key(key) and isinstance(item, str):
                found.append(item)
            else:
                found.extend(secret_values(item))
    elif isinstance(value, list | tuple):
        for item in value:
            found.extend(secret_values(item))
    return found


def mask_secrets(value: Any) -> Any:
    """Return a copy of ``value`` with every value under a secret key replaced by ``***``."""
    if isinstance(value, Mapping):
        return {
            key: MASK
            if isinstance(key, str) and is_secret_key(key) and item is not None
            else mask_secrets(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [mask_secrets(item) for item in value]
    return value


def register_secrets(values: Sequence[str]) -> tuple[str, ...]:
    """Tell Airflow's secrets masker about ``values``; return those worth redacting."""
    kept = tuple(v for v in values if len(v) >= _MIN_SECRET_LENGTH)
    try:
        from airflow.sdk.log import mask_secret
    except ImportError:  # pragma: no cover - every supported Airflow has it
        return kept
    for secret in kept:
        mask_secret(secret)
    return kept


def _details(connection_type: str, details: Any) -> dict[str, Any]:
    """Wrap the type-specific block as Hex wants it: ``{"<type>": {...}}``."""
    if not isinstance(details, Mapping):
        # Never quote the value: it may be a secret passed in the wrong place.
        raise HexInvalidArgumentError(
            "connection_details", "<hidden>", "expected a dict of the warehouse's settings"
        )
    if len(details) == 1 and connection_type in details:
        details = details[connection_type]  # already wrapped
        if not isinstance(details, Mapping):
            raise HexInvalidArgumentError(
                "connection_details", "<hidden>", "expected a dict of the warehouse's settings"
            )
    return {connection_type: dict(details)}


class ConnectionSettings(TypedDict, total=False):
    """Settings of a data connection besides its name, type and warehouse details.

    :ivar description: the connection's description.
    :ivar connect_via_ssh: connect through an SSH tunnel.
    :ivar include_magic: offer Hex Magic (AI) on it.
    :ivar allow_writeback_cells: allow writeback cells.
    :ivar schema_refresh_access: who may refresh its schema: ``ADMINS`` or
        ``USERS_WITH_QUERY_ACCESS``.
    :ivar schema_filters: Hex's ``schemaFilters`` object.
    :ivar sharing: Hex's ``sharing`` object (for an edit, with ``groups.upsert``).
    """

    description: str
    connect_via_ssh: bool
    include_magic: bool
    allow_writeback_cells: bool
    schema_refresh_access: str
    schema_filters: Mapping[str, Any]
    sharing: Mapping[str, Any]


_FLAGS = {
    "connect_via_ssh": "connectViaSsh",
    "include_magic": "includeMagic",
    "allow_writeback_cells": "allowWritebackCells",
}


def _settings(settings: ConnectionSettings) -> dict[str, Any]:
    """Check ``settings`` and return them under Hex's names."""
    unknown = sorted(set(settings) - set(ConnectionSettings.__annotations__))
    if unknown:
        raise HexInvalidArgumentError(unknown[0], "<hidden>", "is not a data-connection setting")
    body: dict[str, Any] = {}
    if (description := settings.get("description")) is not None:
        body["description"] = require_text("description", description, allow_empty=True)
    for argument, key in _FLAGS.items():
        if (flag := settings.get(argument)) is not None:
            body[key] = require_bool(argument, flag)
    if (access := settings.get("schema_refresh_access")) is not None:
        body["schemaRefreshAccess"] = require_choice(
            "schema_refresh_access", access, REFRESH_ACCESS
        )
    if (filters := settings.get("schema_filters")) is not None:
        body["schemaFilters"] = require_json_object("schema_filters", filters)
    if (sharing := settings.get("sharing")) is not None:
        body["sharing"] = require_json_object("sharing", sharing)
    return body


class DataAPI:
    """Hex operations on data connections and on the tables projects query."""

    if TYPE_CHECKING:

        def _call(self, request: HexRequest) -> Any: ...

    def get_queried_tables(self, project_id: str, *, limit: int = 100) -> Pager[QueriedTable]:
        """List the warehouse tables a published project queries (GetQueriedTables), lazily.

        Hex offers this on Enterprise workspaces only, and answers 422 for a project that
        was never published; a 403 or 404 says the workspace may not have it.
        """
        require_uuid("project_id", project_id)
        require_limit("limit", limit, 100)

        def call(request: HexRequest) -> Any:
            with limited_operation("GetQueriedTables", "Enterprise workspaces"):
                return self._call(request)

        return cursor_pager(call, f"/projects/{project_id}/queriedTables", {}, limit=limit)

    def get_data_connection(self, data_connection_id: str) -> DataConnectionDetails:
        """Return one data connection in full (GetDataConnection); no secret is included."""
        require_uuid("data_connection_id", data_connection_id)
        request = HexRequest(
            "GET", f"/data-connections/{data_connection_id}", rate_group=STATUS_GROUP
        )
        return cast(DataConnectionDetails, mask_secrets(self._call(request)))

    def create_data_connection(
        self,
        name: str,
        connection_type: str,
        connection_details: Mapping[str, Any],
        **settings: Unpack[ConnectionSettings],
    ) -> DataConnectionDetails:
        """Create a data connection (CreateDataConnection).

        :param connection_type: ``snowflake``, ``postgres``, ``bigquery``...
        :param connection_details: the warehouse's settings as Hex names them
            (``{"hostname": ..., "port": 5432, "username": ..., "password": ...}``).
            Secrets in it never reach a log, an error or the returned dict.
        :param settings: the connection's other settings (:class:`ConnectionSettings`:
            ``description``, ``include_magic``, ``schema_filters``, ``sharing``...).

        Not repeated after an ambiguous failure: a second connection could be made. List
        the data connections before creating it again.
        """
        kind = str(require_choice("connection_type", connection_type, CONNECTION_TYPES))
        body: dict[str, Any] = {
            "name": require_text("name", name),
            "type": kind,
            "connectionDetails": _details(kind, connection_details),
        }
        body.update(_settings(settings))
        request = HexRequest(
            "POST",
            "/data-connections",
            body=body,
            if_lost="a data connection may have been created; list the data connections "
            "before creating it again",
            secrets=register_secrets(secret_values(body)),
        )
        return cast(DataConnectionDetails, mask_secrets(self._call(request)))

    def edit_data_connection(
        self,
        data_connection_id: str,
        *,
        name: str | None = None,
        connection_type: str | None = None,
        connection_details: Mapping[str, Any] | None = None,
        **settings: Unpack[ConnectionSettings],
    ) -> DataConnectionDetails:
        """Change a data connection (EditDataConnection); arguments left None are unchanged.

        ``connection_details`` (for example a rotated password) needs ``connection_type``,
        since Hex keys the settings by warehouse type. ``settings`` are those of
        :class:`ConnectionSettings`; ``sharing`` takes Hex's edit shape
        (``{"groups": {"upsert": [...]}, "workspace": {...}}``).
        """
        require_uuid("data_connection_id", data_connection_id)
        body: dict[str, Any] = {}
        if name is not None:
            body["name"] = require_text("name", name)
        if connection_details is not None:
            if connection_type is None:
                raise HexInvalidArgumentError(
                    "connection_type", None, "give the warehouse type with connection_details"
                )
            kind = require_choice("connection_type", connection_type, CONNECTION_TYPES)
            body["connectionDetails"] = _details(str(kind), connection_details)
        body.update(_settings(settings))
        if not body:
            raise HexInvalidArgumentError("name", None, "nothing to edit")
        request = HexRequest(
            "PATCH",
            f"/data-connections/{data_connection_id}",
            body=body,
            secrets=register_secrets(secret_values(body)),
        )
        return cast(DataConnectionDetails, mask_secrets(self._call(request)))

    def update_data_connection_schema(
        self, data_connection_id: str, updates: Sequence[Mapping[str, Any]]
    ) -> SchemaUpdateResult:
        """Set or remove statuses (endorsements included) on databases, schemas and tables.

        ``updates`` is a batch of ``{"type": "DATABASE"|"SCHEMA"|"TABLE", "name": ...,
        "status": "Endorsed" | None}``; names are qualified for schemas and tables
        (``"analytics.public.orders"``). Hex applies the batch atomically: if one update is
        refused (unknown object or status name), nothing changes and the error lists why.
        The batch is checked here before it is sent.
        """
        require_uuid("data_connection_id", data_connection_id)
        batch = require_status_updates("updates", updates, SchemaObjectType)
        request = HexRequest(
            "PATCH", f"/data-connections/{data_connection_id}/schema", body={"updates": batch}
        )
        return cast(SchemaUpdateResult, self._call(request))


__all__ = [
    "CONNECTION_TYPES",
    "ConnectionSettings",
    "DataAPI",
    "is_secret_key",
    "mask_secrets",
    "secret_values",
]
