"""Cells of a project's draft version: create, read, list, update, delete."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from airflow_provider_hex.exceptions import HexInvalidArgumentError
from airflow_provider_hex.hooks.pagination import Pager, cursor_pager
from airflow_provider_hex.hooks.transport import HexRequest
from airflow_provider_hex.operations import CONTENT_GROUP
from airflow_provider_hex.types import Cell, CellType, ChildPosition
from airflow_provider_hex.validation import (
    require_bool,
    require_enum,
    require_limit,
    require_text,
    require_uuid,
)

_CONTENT_KEY = {
    CellType.CODE: "codeCell",
    CellType.SQL: "sqlCell",
    CellType.MARKDOWN: "markdownCell",
}

#: Marks an argument left out, where ``None`` has a meaning of its own.
UNSET: Any = type("Unset", (), {"__repr__": lambda self: "UNSET"})()


class CellsAPI:
    """Hex operations on cells."""

    if TYPE_CHECKING:

        def _call(self, request: HexRequest) -> Any: ...

    def create_cell(
        self,
        project_id: str,
        cell_type: CellType | str,
        source: str,
        *,
        label: str | None = None,
        data_connection_id: str | None = None,
        is_dataframe_sql: bool | None = None,
        output_dataframe: str | None = None,
        insert_after_cell_id: str | None = None,
        parent_cell_id: str | None = None,
        child_position: ChildPosition | str | None = None,
    ) -> Cell:
        """Create a CODE, SQL or MARKDOWN cell in the project's draft (CreateCell).

        Not retried after an ambiguous failure: a repeat would create a second cell.
        """
        require_uuid("project_id", project_id)
        kind = require_enum("cell_type", cell_type, CellType)
        require_text("source", source, allow_empty=True)
        variant: dict[str, Any] = {"source": source}
        sql_only = {
            "data_connection_id": data_connection_id,
            "is_dataframe_sql": is_dataframe_sql,
            "output_dataframe": output_dataframe,
        }
        if kind is CellType.SQL:
            if data_connection_id is not None and is_dataframe_sql:
                raise HexInvalidArgumentError(
                    "is_dataframe_sql", True, "Hex refuses it together with data_connection_id"
                )
            if data_connection_id is not None:
                variant["dataConnectionId"] = require_uuid("data_connection_id", data_connection_id)
            if is_dataframe_sql is not None:
                variant["isDataframeSql"] = require_bool("is_dataframe_sql", is_dataframe_sql)
            if output_dataframe is not None:
                variant["outputDataframe"] = require_text("output_dataframe", output_dataframe)
        else:
            for name, value in sql_only.items():
                if value is not None:
                    raise HexInvalidArgumentError(name, value, "only SQL cells take it")
        body: dict[str, Any] = {
            "projectId": project_id,
            "cellType": kind.value,
            "contents": {_CONTENT_KEY[kind]: variant},
        }
        if label is not None:
            body["label"] = require_text("label", label)
        location: dict[str, Any] = {}
        if insert_after_cell_id is not None:
            location["insertAfterCellId"] = require_text(
                "insert_after_cell_id", insert_after_cell_id
            )
        if parent_cell_id is not None:
            location["parentCellId"] = require_text("parent_cell_id", parent_cell_id)
        if child_position is not None:
            location["childPosition"] = require_enum(
                "child_position", child_position, ChildPosition
            ).value
        if location:
            body["location"] = location
        return cast(
            Cell,
            self._call(
                HexRequest(
                    "POST",
                    "/cells",
                    body=body,
                    rate_group=CONTENT_GROUP,
                    if_lost="a cell may have been created; list the project's cells before "
                    "creating it again",
                )
            ),
        )

    def get_cell(self, cell_id: str) -> Cell:
        """Return a cell (GetCell)."""
        require_uuid("cell_id", cell_id)
        return cast(
            Cell, self._call(HexRequest("GET", f"/cells/{cell_id}", rate_group=CONTENT_GROUP))
        )

    def list_cells(self, project_id: str, *, limit: int = 100) -> Pager[Cell]:
        """List every cell of the project's draft (ListCells), lazily."""
        require_uuid("project_id", project_id)
        require_limit("limit", limit, 100)
        return cursor_pager(
            self._call, "/cells", {"projectId": project_id}, limit=limit, rate_group=CONTENT_GROUP
        )

    def update_cell(
        self,
        cell_id: str,
        *,
        cell_type: CellType | str | None = None,
        source: str | None = None,
        output_dataframe: str | None = None,
        data_connection_id: str | None = UNSET,
    ) -> Cell:
        """Change a cell's source and/or data connection (UpdateCell).

        :param cell_type: the cell's type; needed with ``source`` (Hex wants the contents
            under the key of the cell's type).
        :param source: the new source.
        :param output_dataframe: a SQL cell's new output dataframe name.
        :param data_connection_id: a SQL cell's new data connection; ``None`` detaches it.
        """
        require_uuid("cell_id", cell_id)
        body: dict[str, Any] = {}
        if source is not None or output_dataframe is not None:
            if cell_type is None:
                raise HexInvalidArgumentError(
                    "cell_type",
                    None,
                    "give the cell's type (CODE, SQL or MARKDOWN) with a new source",
                )
            kind = require_enum("cell_type", cell_type, CellType)
            if source is None:
                raise HexInvalidArgumentError(
                    "source", None, "Hex needs the source with output_dataframe"
                )
            variant: dict[str, Any] = {"source": require_text("source", source, allow_empty=True)}
            if output_dataframe is not None:
                if kind is not CellType.SQL:
                    raise HexInvalidArgumentError(
                        "output_dataframe", output_dataframe, "only SQL cells take it"
                    )
                variant["outputDataframe"] = require_text("output_dataframe", output_dataframe)
            body["contents"] = {_CONTENT_KEY[kind]: variant}
        if data_connection_id is not UNSET:
            body["dataConnectionId"] = (
                None
                if data_connection_id is None
                else require_uuid("data_connection_id", data_connection_id)
            )
        if not body:
            raise HexInvalidArgumentError(
                "source", None, "nothing to update: give source and/or data_connection_id"
            )
        return cast(
            Cell,
            self._call(
                HexRequest("PATCH", f"/cells/{cell_id}", body=body, rate_group=CONTENT_GROUP)
            ),
        )

    def delete_cell(self, cell_id: str) -> str:
        """Delete a cell from the draft (DeleteCell); return its id."""
        require_uuid("cell_id", cell_id)
        answer = self._call(
            HexRequest("DELETE", f"/cells/{cell_id}", rate_group=CONTENT_GROUP, expect_object=False)
        )
        return str(answer.get("cellId", cell_id)) if isinstance(answer, dict) else cell_id
