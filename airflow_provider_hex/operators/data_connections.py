"""An operator that sets statuses (endorsements included) on a data connection's schema.

After an ETL run, mark what it built: endorse the new tables, deprecate the ones it
retired. Hex applies the whole batch or nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from airflow_provider_hex.operators._status_batch import StatusBatchOperator
from airflow_provider_hex.types import SchemaObjectType


class HexUpdateDataConnectionSchemaOperator(StatusBatchOperator):
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
    target_argument = "data_connection_id"
    object_types = SchemaObjectType

    def __init__(
        self, *, data_connection_id: str, updates: Sequence[Mapping[str, Any]], **kwargs: Any
    ) -> None:
        super().__init__(updates=updates, **kwargs)
        self.data_connection_id = data_connection_id
        self.check_literals()

    def send(self, target_id: str, batch: list[dict[str, Any]]) -> Mapping[str, Any]:
        """Send the batch with UpdateDataConnectionSchema."""
        return self.hook.update_data_connection_schema(target_id, batch)


__all__ = ["HexUpdateDataConnectionSchemaOperator"]
