"""An operator that sets or clears a Hex project's status (endorsements included)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_hex.operators._common import HexBaseOperator, check_static
from airflow_provider_hex.validation import require_text, require_uuid

if TYPE_CHECKING:
    from airflow.sdk import Context


class HexUpdateProjectStatusOperator(HexBaseOperator):
    """Set a project's status by name, or clear it with ``status=None``.

    Status names are defined per workspace (for example ``"Endorsed"`` or ``"In review"``);
    Hex refuses a name it does not know. ``status`` has no default, so clearing a status is
    always written out.

    :param project_id: the project.
    :param status: the status name to apply, or ``None`` to remove the current one.
    :return: ``{"project_id", "title", "status"}`` with the status Hex now reports (a name or
        ``None``).
    """

    template_fields: Sequence[str] = ("project_id", "status")

    def __init__(self, *, project_id: str, status: str | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.project_id = project_id
        self.status = status
        check_static(require_uuid, "project_id", project_id)
        check_static(require_text, "status", status)

    def execute(self, context: Context) -> dict[str, Any]:
        """Send the status change and report what Hex now holds."""
        require_uuid("project_id", self.project_id)
        status = self.status if self.status is None else require_text("status", self.status)
        project = self.hook.update_project_status(self.project_id, status)
        now = (project.get("status") or {}).get("name")
        if now is None:
            self.log.info("Cleared the status of project %s", self.project_id)
        else:
            self.log.info("Set the status of project %s to %r", self.project_id, now)
        return {"project_id": self.project_id, "title": project.get("title"), "status": now}


__all__ = [
    "HexUpdateProjectStatusOperator",
]
