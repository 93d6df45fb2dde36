"""Projects as a whole: create one, export one as code (``.hex.yaml``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from airflow_provider_hex.hooks.access import limited_operation
from airflow_provider_hex.hooks.transport import HexRequest
from airflow_provider_hex.operations import STATUS_GROUP
from airflow_provider_hex.types import Project, ProjectExport
from airflow_provider_hex.validation import require_export_version, require_text, require_uuid


class ProjectAdminAPI:
    """Hex operations that create and export whole projects."""

    if TYPE_CHECKING:

        def _call(self, request: HexRequest) -> Any: ...

    def create_project(self, title: str, *, description: str | None = None) -> Project:
        """Create an empty project (CreateProject).

        Not repeated after an ambiguous failure, since Hex would make a second project with
        the same title: list the projects before creating it again.
        """
        body: dict[str, Any] = {"title": require_text("title", title)}
        if description is not None:
            body["description"] = require_text("description", description, allow_empty=True)
        request = HexRequest(
            "POST",
            "/projects",
            body=body,
            rate_group=STATUS_GROUP,
            if_lost="a project may have been created; list the projects (titles need not be "
            "unique) before creating it again",
        )
        return cast(Project, self._call(request))

    def export_project(self, project_id: str, *, version: int | str = "draft") -> ProjectExport:
        """Export a project as ``.hex.yaml`` text (ExportProject).

        :param version: ``"draft"`` (the notebook as it is now), ``"latest"`` (the latest
            published app) or a published version number.
        :return: ``filename`` and ``content`` (the YAML).

        Hex makes this operation available per workspace, on request to Hex support; a 403
        or 404 says that this is the likely cause. Exporting only reads, so a request that
        got no answer is sent again.
        """
        require_uuid("project_id", project_id)
        body = {"projectId": project_id, "version": require_export_version("version", version)}
        request = HexRequest("POST", "/projects/export", body=body, rate_group=STATUS_GROUP)
        with limited_operation("ExportProject", "workspaces Hex support has enabled it for"):
            return cast(ProjectExport, self._call(request))


__all__ = ["ProjectAdminAPI"]
