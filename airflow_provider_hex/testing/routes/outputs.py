"""What projects produced: GetChartImageFromRun, GetChartImageFromLogic, GetCellOutput and
CreatePresignedUrl."""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from typing import Any

from airflow_provider_hex.testing.errors import ApiError, ErrorStyle
from airflow_provider_hex.testing.limits import CHART_IMAGE, HEX_API
from airflow_provider_hex.testing.models import Cell, Project
from airflow_provider_hex.testing.params import (
    bad,
    body_object,
    get_bool,
    query_bool,
    query_int,
    query_value,
    require_uuid,
)
from airflow_provider_hex.testing.png import bar_chart_png
from airflow_provider_hex.testing.router import Request, Response, Route
from airflow_provider_hex.testing.state import Workspace

#: Cell types the simulator renders as charts.
CHART_CELL_TYPES = frozenset({"CHART", "VEGA_CHART"})
#: Size of a chart image when the request gives none (Hex does not document its default).
DEFAULT_IMAGE_SIZE = (800, 500)
_EMBED_KEYS = frozenset(
    {"hexUserAttributes", "scope", "inputParameters", "expiresIn", "displayOptions", "testMode"}
)
_EMBED_SCOPES = frozenset({"EXPORT_PDF", "EXPORT_CSV"})


def _size(req: Request) -> tuple[int, int]:
    width = query_int(req.query, "width", 0, 100, 2000) if query_value(req.query, "width") else 0
    height = query_int(req.query, "height", 0, 100, 2000) if query_value(req.query, "height") else 0
    return (width, height) if width and height else DEFAULT_IMAGE_SIZE


def _values(key: str) -> list[float]:
    """Bar heights derived from ``key``: the same chart always draws the same bars."""
    digest = hashlib.sha256(key.encode()).digest()
    return [float(1 + byte % 9) for byte in digest[:6]]


def _image(req: Request, key: str) -> dict[str, Any]:
    width, height = _size(req)
    png = bar_chart_png(width, height, _values(key), title=query_bool(req.query, "includeTitle"))
    return {"imageBase64": base64.b64encode(png).decode(), "mimeType": "image/png"}


def _find_cell(ws: Workspace, cell_id: str, project: Project | None = None) -> Cell:
    """A cell by id or static id (within ``project`` when given); 400/404 as Hex."""
    key = require_uuid(cell_id, "cellId")
    for cell in ws.cells.values():
        if (cell.id == key or cell.static_id == key) and (
            project is None or cell.project_id == project.id
        ):
            return cell
    raise ApiError(404, f"Cell {cell_id} not found")


def _chart(cell: Cell) -> Cell:
    if cell.cell_type not in CHART_CELL_TYPES:
        raise bad(f"Only chart-type cells are supported; cell {cell.id} is {cell.cell_type}")
    return cell


def chart_image_from_run(ws: Workspace, req: Request) -> Response:
    """GET /v1/projects/{projectId}/runs/{runId}/cells/{staticId}/image: a completed run's chart."""
    run = ws.run(req.params["projectId"], req.params["runId"])
    project = ws.projects[run.project_id]
    static_id = require_uuid(req.params["staticId"], "staticId")
    cell = next(
        (c for c in ws.cells.values() if c.project_id == project.id and c.static_id == static_id),
        None,
    )
    if cell is None:
        raise ApiError(404, f"No cell with staticId {static_id} in project {project.id}")
    _chart(cell)
    status = run.status(ws.now())
    if status != "COMPLETED":
        raise bad(f"Run {run.id} is {status}: the cell must have been executed without error")
    body = {"projectId": project.id, "runId": run.id, "staticId": static_id}
    body.update(_image(req, f"{run.id}/{static_id}"))
    return Response(200, body)


def chart_image_from_logic(ws: Workspace, req: Request) -> Response:
    """GET /v1/cells/{cellId}/image: a chart of the draft session (id or static id)."""
    cell = _chart(_find_cell(ws, req.params["cellId"]))
    body = {"cellId": cell.id}
    body.update(_image(req, f"draft/{cell.id}/{cell.source}"))
    return Response(200, body)


def _draft_run_id(project_id: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"hex-simulator/draft-session/{project_id}"))


def cell_output(ws: Workspace, req: Request) -> Response:
    """GET /v1/cells/{cellId}/output: a SQL cell's preview (a source with "error" fails)."""
    cell = _find_cell(ws, req.params["cellId"])
    if cell.cell_type != "SQL":
        raise bad(f"Only SQL cells have an output preview; cell {cell.id} is {cell.cell_type}")
    result: dict[str, Any]
    if "error" in (cell.source or "").lower():
        result = {
            "type": "cell_run_error",
            "message": "SQL compilation error: invalid identifier 'ERROR'",
            "traceback": None,
        }
    else:
        rows = [
            {"day": f"2026-01-0{day}", "revenue": str(value * 1000), "region": None}
            for day, value in enumerate(_values(cell.static_id)[:3], start=1)
        ]
        result = {
            "type": "table",
            "rowLimit": 1000,
            "rowsReturned": len(rows),
            "totalRows": len(rows),
            "totalRowsKind": "EXACT",
            "truncated": False,
            "columns": [
                {"name": "day", "type": "DATE"},
                {"name": "revenue", "type": "NUMBER"},
                {"name": "region", "type": "TEXT"},
            ],
            "rows": rows,
        }
    body = {
        "projectId": cell.project_id,
        "runId": _draft_run_id(cell.project_id),
        "cell": {"id": cell.id, "staticId": cell.static_id, "cellType": cell.cell_type},
        "result": result,
    }
    return Response(200, body)


def _check_embed_body(body: dict[str, Any]) -> None:
    for key in body:
        if key not in _EMBED_KEYS:
            raise bad(f"Unknown field {key}")
    attributes = body.get("hexUserAttributes", {})
    if not isinstance(attributes, dict) or not all(isinstance(v, str) for v in attributes.values()):
        raise bad("hexUserAttributes must map strings to strings")
    scope = body.get("scope", [])
    if not isinstance(scope, list) or not set(scope) <= _EMBED_SCOPES:
        raise bad("scope may hold EXPORT_PDF and EXPORT_CSV")
    expires = body.get("expiresIn", 15000)
    if (
        isinstance(expires, bool)
        or not isinstance(expires, int | float)
        or not 0 < expires <= 300000
    ):
        raise bad("expiresIn must be at most 300000 milliseconds")
    get_bool(body, "testMode", False)


def create_presigned_url(ws: Workspace, req: Request) -> Response:
    """POST /v1/embedding/createPresignedUrl/{projectId}: a single-use signed app URL."""
    if not ws.embedding_enabled:
        raise ApiError(403, "Embedding is not enabled for this workspace")
    project = ws.project(req.params["projectId"])
    body = body_object(req.body, required=False)
    _check_embed_body(body)
    if not project.published:
        raise ApiError(422, f"Project {project.id} has no published app to embed")
    url = f"{ws.base_url}/embed/{project.id}?signature={secrets.token_urlsafe(24)}"
    ws.embed_urls.append({"projectId": project.id, "body": body, "url": url})
    return Response(200, {"url": url})


_CODE, _TSOA = ErrorStyle.CODE, ErrorStyle.TSOA
ROUTES = [
    Route(
        "GET",
        "/api/v1/projects/{projectId}/runs/{runId}/cells/{staticId}/image",
        chart_image_from_run,
        "GetChartImageFromRun",
        _CODE,
        (CHART_IMAGE,),
    ),
    Route(
        "GET",
        "/api/v1/cells/{cellId}/image",
        chart_image_from_logic,
        "GetChartImageFromLogic",
        _CODE,
        (CHART_IMAGE,),
    ),
    Route("GET", "/api/v1/cells/{cellId}/output", cell_output, "GetCellOutput", _CODE, (HEX_API,)),
    Route(
        "POST",
        "/api/v1/embedding/createPresignedUrl/{projectId}",
        create_presigned_url,
        "CreatePresignedUrl",
        _TSOA,
    ),
]
