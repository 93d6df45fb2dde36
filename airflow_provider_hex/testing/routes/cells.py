"""Draft cells: ListCells, GetCell, CreateCell, UpdateCell and DeleteCell."""

from __future__ import annotations

from typing import Any

from airflow_provider_hex.testing.errors import ErrorStyle
from airflow_provider_hex.testing.limits import HEX_API_30RPM
from airflow_provider_hex.testing.models import SECTION_CELL_TYPES, Cell
from airflow_provider_hex.testing.pagination import paginate
from airflow_provider_hex.testing.params import (
    bad,
    body_object,
    get_obj,
    get_str,
    query_value,
    require_uuid,
)
from airflow_provider_hex.testing.router import Request, Response, Route
from airflow_provider_hex.testing.serialize import cell_json
from airflow_provider_hex.testing.state import Workspace, new_id

VARIANTS = {"CODE": "codeCell", "SQL": "sqlCell", "MARKDOWN": "markdownCell"}


def _source(variant: dict[str, Any], where: str) -> str:
    source = variant.get("source")
    if not isinstance(source, str):
        raise bad(f"{where}.source must be a string")
    return source


def _connection(ws: Workspace, value: Any) -> str:
    key = require_uuid(value, "dataConnectionId")
    if key not in ws.data_connections:
        raise bad(f"Data connection {value} not found")
    return key


def _placement(
    ws: Workspace, project_id: str, location: dict[str, Any]
) -> tuple[str | None, str | None]:
    """Resolve ``location`` into (insert after cell id, parent section id)."""
    order = ws.projects[project_id].cell_order
    after, parent = location.get("insertAfterCellId"), location.get("parentCellId")
    position = location.get("childPosition", "LAST")
    if position not in ("FIRST", "LAST"):
        raise bad("location.childPosition must be FIRST or LAST")
    parent_id = None
    if parent is not None:
        parent_id = require_uuid(parent, "location.parentCellId")
        section = ws.cells.get(parent_id)
        if (
            section is None
            or section.project_id != project_id
            or section.cell_type not in SECTION_CELL_TYPES
        ):
            raise bad("location.parentCellId must be a section cell of the project")
    if after is not None:
        after_id = require_uuid(after, "location.insertAfterCellId")
        if after_id not in order:
            raise bad("location.insertAfterCellId must be a cell of the project")
        if parent_id is not None and ws.cells[after_id].parent_id != parent_id:
            raise bad("location.insertAfterCellId must be a child of location.parentCellId")
        return after_id, ws.cells[after_id].parent_id
    if parent_id is None:
        return None, None
    children = [cid for cid in order if ws.cells[cid].parent_id == parent_id]
    if position == "FIRST" or not children:
        return parent_id, parent_id
    return children[-1], parent_id


def list_cells(ws: Workspace, req: Request) -> Response:
    """GET /v1/cells?projectId=: cells of the draft, in notebook order."""
    project_id = query_value(req.query, "projectId")
    if not project_id:
        raise bad("projectId is required")
    project = ws.project(project_id)
    cells = [ws.cells[cid] for cid in project.cell_order]
    return Response(200, paginate(cells, req.query, cell_json))


def get_cell(ws: Workspace, req: Request) -> Response:
    """GET /v1/cells/{cellId}."""
    return Response(200, cell_json(ws.cell(req.params["cellId"])))


def create_cell(ws: Workspace, req: Request) -> Response:
    """POST /v1/cells: add a CODE, SQL or MARKDOWN cell (200, not 201)."""
    body = body_object(req.body)
    project_id = get_str(body, "projectId")
    cell_type = body.get("cellType")
    if cell_type not in VARIANTS:
        raise bad("cellType must be one of CODE, SQL, MARKDOWN")
    label = get_str(body, "label", required=False)
    contents = get_obj(body, "contents", required=True)
    wanted = VARIANTS[cell_type]
    if set(contents) != {wanted} or not isinstance(contents[wanted], dict):
        raise bad(f"contents must hold exactly the {wanted} variant for a {cell_type} cell")
    project = ws.project(str(project_id))
    variant = contents[wanted]
    cell = Cell(new_id(), new_id(), project.id, cell_type, _source(variant, wanted), label)
    if cell_type == "SQL":
        if variant.get("dataConnectionId") is not None and variant.get("isDataframeSql"):
            raise bad("dataConnectionId and isDataframeSql are mutually exclusive")
        if variant.get("dataConnectionId") is not None:
            cell.data_connection_id = _connection(ws, variant["dataConnectionId"])
        output = variant.get("outputDataframe")
        cell.output_dataframe = (
            output if isinstance(output, str) else f"dataframe_{len(ws.cells) + 1}"
        )
    after, parent = _placement(ws, project.id, get_obj(body, "location"))
    cell.parent_id = parent
    ws.add_cell(cell, after)
    project.last_edited_at = ws.now()
    return Response(200, cell_json(cell))


def update_cell(ws: Workspace, req: Request) -> Response:
    """PATCH /v1/cells/{cellId}: change the source, SQL output name or data connection."""
    cell = ws.cell(req.params["cellId"])
    body = body_object(req.body)
    contents = get_obj(body, "contents")
    if cell.cell_type not in VARIANTS and (contents or "dataConnectionId" in body):
        raise bad(f"{cell.cell_type} cells cannot be edited through the API")
    if contents:
        wanted = VARIANTS[cell.cell_type]
        if set(contents) != {wanted} or not isinstance(contents[wanted], dict):
            raise bad(f"contents must hold only the {wanted} variant for a {cell.cell_type} cell")
        cell.source = _source(contents[wanted], wanted)
        output = contents[wanted].get("outputDataframe")
        if output is not None:
            if cell.cell_type != "SQL" or not isinstance(output, str):
                raise bad("outputDataframe is only valid for SQL cells")
            cell.output_dataframe = output
    if "dataConnectionId" in body:
        if cell.cell_type != "SQL":
            raise bad("only SQL cells have a data connection")
        value = body["dataConnectionId"]
        cell.data_connection_id = None if value is None else _connection(ws, value)
    ws.projects[cell.project_id].last_edited_at = ws.now()
    return Response(200, cell_json(cell))


def delete_cell(ws: Workspace, req: Request) -> Response:
    """DELETE /v1/cells/{cellId}: answers 200 ``{"cellId"}`` (not 204)."""
    cell = ws.cell(req.params["cellId"])
    project = ws.projects[cell.project_id]
    project.cell_order.remove(cell.id)
    del ws.cells[cell.id]
    for other in ws.cells.values():
        if other.parent_id == cell.id:
            other.parent_id = None
    project.last_edited_at = ws.now()
    return Response(200, {"cellId": cell.id})


_G = (HEX_API_30RPM,)
_CODE = ErrorStyle.CODE
ROUTES = [
    Route("GET", "/api/v1/cells", list_cells, "ListCells", _CODE, _G),
    Route("POST", "/api/v1/cells", create_cell, "CreateCell", _CODE, _G),
    Route("GET", "/api/v1/cells/{cellId}", get_cell, "GetCell", _CODE, _G),
    Route("PATCH", "/api/v1/cells/{cellId}", update_cell, "UpdateCell", _CODE, _G),
    Route("DELETE", "/api/v1/cells/{cellId}", delete_cell, "DeleteCell", _CODE, _G),
]
