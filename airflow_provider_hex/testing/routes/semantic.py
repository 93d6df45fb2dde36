"""Semantic projects: IngestSemanticProject (a zip upload) and UpdateSemanticProject.

Both answer under ``/v1/semantic-projects/...`` and the older ``/v1/semantic-models/...``.
Simulator choices where Hex documents no behaviour: the archive comes as the ``file`` part
of a ``multipart/form-data`` body (anything else is a 415); datasets are read from the
``name`` entries under a YAML file's top-level ``semantic_models:`` or ``datasets:`` key,
views from ``metrics:`` or ``views:``; an archive that is not a zip, or holds no dataset or
view, is a 400 with a fatal ``problems`` entry; ``dryRun`` checks without storing anything;
files that are not YAML are listed in ``warnings`` and kept.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from airflow_provider_hex.testing.catalog import SEMANTIC_KINDS, SemanticProject
from airflow_provider_hex.testing.errors import ApiError, ErrorStyle
from airflow_provider_hex.testing.limits import SEMANTIC_INGEST
from airflow_provider_hex.testing.multipart import FormData
from airflow_provider_hex.testing.params import require_uuid
from airflow_provider_hex.testing.router import Request, Response, Route
from airflow_provider_hex.testing.routes.data import (
    apply_status_batch,
    require_enabled,
    status_batch,
)
from airflow_provider_hex.testing.state import Workspace

_DATASET_KEYS = ("semantic_models", "datasets")
_VIEW_KEYS = ("metrics", "views")
_SECTION = re.compile(r"^([A-Za-z_]+):\s*$")
_ITEM = re.compile(r"^\s{0,4}-\s+name:\s*['\"]?([\w.-]+)")


def semantic_project(ws: Workspace, project_id: str) -> SemanticProject:
    """Return a semantic project or raise 400 (malformed id) / 404 (unknown)."""
    key = require_uuid(project_id, "semanticProjectId")
    if key not in ws.catalog.semantic_projects:
        raise ApiError(404, f"Semantic project {project_id} not found")
    return ws.catalog.semantic_projects[key]


def read_objects(text: str) -> tuple[list[str], list[str]]:
    """The dataset and view names a YAML file declares (see the module docs)."""
    datasets: list[str] = []
    views: list[str] = []
    section = ""
    for line in text.splitlines():
        if match := _SECTION.match(line):
            section = match.group(1)
        elif (match := _ITEM.match(line)) and section:
            if section in _DATASET_KEYS:
                datasets.append(match.group(1))
            elif section in _VIEW_KEYS:
                views.append(match.group(1))
    return datasets, views


def _problem(message: str) -> ApiError:
    problem = {
        "severity": "fatal",
        "message": message,
        "cause_paths": [],
        "impact_paths": [],
        "display": message,
    }
    return ApiError(400, body={"reason": message, "problems": [problem]})


def _flag(form: FormData, name: str, default: bool) -> bool:
    raw = form.fields.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() not in ("true", "false"):
        raise ApiError(400, f"{name} must be true or false")
    return raw.lower() == "true"


def _unzip(data: bytes) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zipped:
            return {i.filename: zipped.read(i) for i in zipped.infolist() if not i.is_dir()}
    except zipfile.BadZipFile:
        raise _problem("The uploaded file is not a zip archive") from None


def ingest_semantic_project(ws: Workspace, req: Request) -> Response:
    """POST /v1/semantic-projects/{semanticProjectId}/ingest: sync a zipped project (201)."""
    require_enabled(ws, "IngestSemanticProject")
    project = semantic_project(ws, req.params["semanticProjectId"])
    form = req.body
    if not isinstance(form, FormData) or "file" not in form.files:
        raise ApiError(415, "Send the zip archive as the 'file' part of a multipart/form-data body")
    verbose, debug = _flag(form, "verbose", True), _flag(form, "debug", False)
    dry_run = _flag(form, "dryRun", False)
    files = _unzip(form.files["file"].data)
    datasets: list[str] = []
    views: list[str] = []
    warnings = []
    for name, content in sorted(files.items()):
        if not name.endswith((".yml", ".yaml")):
            warnings.append(f"{name}: not a YAML file, ignored")
            continue
        found = read_objects(content.decode("utf-8", errors="replace"))
        datasets.extend(found[0])
        views.extend(found[1])
    if not datasets and not views:
        raise _problem("The archive declares no dataset or view")
    if not dry_run:
        project.files = files
        project.datasets = {n: project.datasets.get(n) for n in datasets}
        project.views = {n: project.views.get(n) for n in views}
        project.ingests += 1
    contents = [f"dataset:{n}" for n in datasets] + [f"view:{n}" for n in views]
    answer: dict[str, Any] = {
        "traceId": req.trace_id,
        "contents": contents if verbose else [],
        "warnings": warnings,
        "skipped": {},
        "problems": [],
    }
    if debug:
        answer["debug"] = {"metricflowModelSchemas": {}}
    return Response(201, answer)


def update_semantic_project(ws: Workspace, req: Request) -> Response:
    """PATCH /v1/semantic-projects/{semanticProjectId}: dataset and view statuses, atomically."""
    require_enabled(ws, "UpdateSemanticProject")
    project = semantic_project(ws, req.params["semanticProjectId"])
    batch = status_batch(req.body, SEMANTIC_KINDS)
    statuses = {("DATASET", n): s for n, s in project.datasets.items()}
    statuses.update({("VIEW", n): s for n, s in project.views.items()})
    updated = apply_status_batch(ws, batch, statuses, {"DATASET": "datasets", "VIEW": "views"})
    for (kind, name), status in statuses.items():
        project.objects(kind)[name] = status
    return Response(200, {"updated": updated})


_TSOA = ErrorStyle.TSOA
ROUTES = [
    route
    for kind in ("projects", "models")
    for route in (
        Route(
            "POST",
            f"/api/v1/semantic-{kind}/{{semanticProjectId}}/ingest",
            ingest_semantic_project,
            "IngestSemanticProject",
            _TSOA,
            (SEMANTIC_INGEST,),
        ),
        Route(
            "PATCH",
            f"/api/v1/semantic-{kind}/{{semanticProjectId}}",
            update_semantic_project,
            "UpdateSemanticProject",
            _TSOA,
        ),
    )
]
