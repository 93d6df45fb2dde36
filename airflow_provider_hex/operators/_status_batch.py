"""What the two status-batch operators share: checking a batch in full, sending it, and
reporting what Hex changed.

Hex sets statuses on a data connection's databases, schemas and tables, and on a semantic
project's datasets and views, the same way: one batch of ``{type, name, status}``
applied all or nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_hex.operators._common import HexBaseOperator, check_static
from airflow_provider_hex.validation import require_status_updates, require_uuid

if TYPE_CHECKING:
    from airflow.sdk import Context


class StatusBatchOperator(HexBaseOperator):
    """Base of the operators that send one batch of status changes to one Hex object.

    Subclasses name the object's id argument (``target_argument``), the object types a
    batch may name, and the hook call that sends it (:meth:`send`).
    """

    #: The name of the id argument (and attribute) of the object the batch changes.
    target_argument: ClassVar[str]
    #: The object types the batch may name.
    object_types: ClassVar[type[StrEnum]]

    def __init__(self, *, updates: Sequence[Mapping[str, Any]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.updates = updates

    def check_batch(self, argument: str, value: Any) -> list[dict[str, Any]]:
        """Check a batch of status changes for this operator's object types."""
        return require_status_updates(argument, value, self.object_types)

    def check_literals(self) -> None:
        """Check the id and the batch now, unless they are templates or XComArgs."""
        check_static(require_uuid, self.target_argument, getattr(self, self.target_argument))
        check_static(self.check_batch, "updates", self.updates)

    def send(self, target_id: str, batch: list[dict[str, Any]]) -> Mapping[str, Any]:
        """Send ``batch`` for the object ``target_id``; return Hex's answer."""
        raise NotImplementedError

    def execute(self, context: Context) -> dict[str, Any]:
        """Check the batch, send it, and report what Hex changed."""
        target = require_uuid(self.target_argument, getattr(self, self.target_argument))
        batch = self.check_batch("updates", self.updates)
        updated = dict(self.send(target, batch).get("updated") or {})
        for kind, entries in updated.items():
            for entry in entries or []:
                self.log.info("%s %s: status now %r", kind, entry["name"], entry["status"])
        return {self.target_argument: target, "updated": updated}
