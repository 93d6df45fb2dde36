"""ExportProject: a project as ``.hex.yaml`` text.

Simulator choices where Hex documents no behaviour: the YAML holds the project's id,
title, description, version and draft cells (every scalar JSON-quoted, which YAML reads);
``"latest"`` on a never-published project and a version number above the project's are
404s; a workspace without export (``HexSimulator.disable_operation("ExportProject")``)
answers 403. CreateProject lives with the other project routes.
"""

from __future__ import annotations

import json
import re

from airflow_provider_hex.testing.errors import ApiError, ErrorStyle
from airflow_provider_hex.testing.limits import HEX_API
from airflow_provider_hex.testing.models import Project
from airflow_provider_hex.testing.params import bad, body_object, reject_unknown_keys
from airflow_provider_hex.testing.router import Request, Response, Route
from airflow_provider_hex.testing.routes.data import require_enabled
from airflow_provider_hex.testing.state import Workspace


def _version(project: Project, raw: object) -> str:
    if raw in (None, "draft"):
        return "draft"
    if raw == "latest":
        if not project.published:
            raise ApiError(404, f"Project {project.id} has no published version")
        return str(project.version)
    if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 1:
        if raw > project.version:
            raise ApiError(404, f"Project {project.id} has no version {raw}")
        return str(raw)
    raise bad("version must be 'draft', 'latest' or an integer >= 1")


def project_yaml(ws: Workspace, project: Project, version: str) -> str:
    """The project as ``.hex.yaml`` text."""
    q = json.dumps
    lines = [
        "# Hex project export (simulated)",
        f"projectId: {q(project.id)}",
        f"title: {q(project.title)}",
        f"description: {q(project.description)}",
        f"version: {q(version)}",
        "cells:" if project.cell_order else "cells: []",
    ]
    for cell_id in project.cell_order:
        cell = ws.cells[cell_id]
        lines += [
            f"  - id: {q(cell.static_id)}",
            f"    type: {q(cell.cell_type)}",
            f"    label: {q(cell.label)}",
            f"    source: {q(cell.source)}",
        ]
    return "\n".join(lines) + "\n"


def file_name(project: Project) -> str:
    """A file name from the project's title: ``daily-sales-report.hex.yaml``."""
    slug = re.sub(r"[^a-z0-9]+", "-", project.title.lower()).strip("-") or project.id
    return f"{slug}.hex.yaml"


def export_project(ws: Workspace, req: Request) -> Response:
    """POST /v1/projects/export: ``{filename, content}``."""
    require_enabled(ws, "ExportProject")
    body = body_object(req.body)
    reject_unknown_keys(body, ("projectId", "version"))
    project = ws.project(body.get("projectId") or "")
    version = _version(project, body.get("version"))
    return Response(
        200, {"filename": file_name(project), "content": project_yaml(ws, project, version)}
    )


ROUTES = [
    Route(
        "POST",
        "/api/v1/projects/export",
        export_project,
        "ExportProject",
        ErrorStyle.CODE,
        (HEX_API,),
    ),
]
