"""An operator that sets statuses (endorsements included) on a data connection's schema.

After an ETL run, mark what it built: endorse the new tables, deprecate the ones it
retired. Hex applies the whole batch or nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_hex.operators._common import HexBaseOperator, check_static
from airflow_provider_hex.types import SchemaObjectType
from airflow_provider_hex.validation import require_status_updates, require_uuid

if TYPE_CHECKING:
    from airflow.sdk import Context


def require_schema_updates(argument: str, value: Any) -> list[dict[str, Any]]:
    """Check a batch of schema status changes (see the operator)."""
    return require_status_updates(argument, value, SchemaObjectType)


class HexUpdateDataConnectionSchemaOperator(HexBaseOperator):
    """Add or remove statuses on databases, schemas and tables of a data connection.

    ::

        HexUpdateDataConnectionSchemaOperator(
            task_id="endorse_marts",
            data_connection_id="04ca4a56-3118-4a14-a171-f911c7ea3f73",
            updates=[
                {"type": "TABLE", "name": "ANALYTICS.MARTS.ORDERS", "status": "Endorsed"},
                {"type": "TABLE", "name": "ANALYTICS.MARTS.ORDERS_V1", "status": "Deprecated"},
                {"type": "SCHEMA", "name": "ANALYTICS.SCRATCH", "status": None},  # remove
            ],
        )

    The whole batch is checked before anything is sent (types, names, status values, no
    object twice), literal arguments already when the DAG is parsed. Hex then applies it
    atomically: if one update names an object or status Hex does not know, nothing changes
    and the task fails with every refused update listed. Setting the same statuses again
    changes nothing, so a retried task is safe.

    :param data_connection_id: the data connection.
    :param updates: ``{"type": "DATABASE"|"SCHEMA"|"TABLE", "name", "status"}`` entries;
        names are qualified for schemas and tables; ``status`` is a workspace status name
        or None to remove the status.
    :return: ``{"data_connection_id", "updated"}``, ``updated`` as Hex reports it
        (``databases``, ``schemas``, ``tables``: each a list of ``{name, status}``).
    """

    template_fields: Sequence[str] = ("data_connection_id", "updates")

    def __init__(
        self, *, data_connection_id: str, updates: Sequence[Mapping[str, Any]], **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.data_connection_id = data_connection_id
        self.updates = updates
        check_static(require_uuid, "data_connection_id", data_connection_id)
        check_static(require_schema_updates, "updates", updates)

    def execute(self, context: Context) -> dict[str, Any]:
        """Check the batch, send it, and report what Hex changed."""
        require_uuid("data_connection_id", self.data_connection_id)
        batch = require_schema_updates("updates", self.updates)
        result = self.hook.update_data_connection_schema(self.data_connection_id, batch)
        updated = result.get("updated") or {}
        for kind in ("databases", "schemas", "tables"):
            for entry in updated.get(kind) or []:
                self.log.info("%s %s: status now %r", kind[:-1], entry["name"], entry["status"])
        return {"data_connection_id": self.data_connection_id, "updated": dict(updated)}


__all__ = ["HexUpdateDataConnectionSchemaOperator", "require_schema_updates"]
