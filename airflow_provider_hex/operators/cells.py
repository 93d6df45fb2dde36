"""Operators that create, update and delete cells of a Hex project's draft.

A cell is named by its id, or by its label within a project: the label is looked up with
ListCells (every page), and a label that no cell or several cells carry is an error.

``source`` is a templated field, and Hex SQL cells use Jinja for their own input parameters
(``{{ region }}``). Pass such source wrapped in :func:`airflow.sdk.literal` (on Airflow 3.0
import it from ``airflow.sdk.definitions.template``), or inside ``{% raw %}``, so Airflow
sends it to Hex as written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_hex.exceptions import HexInvalidArgumentError, HexNotFoundError
from airflow_provider_hex.operators._common import (
    HexBaseOperator,
    check_arguments,
    find_cell_by_label,
    require_cell_reference,
    require_source,
)
from airflow_provider_hex.types import CellType, ChildPosition
from airflow_provider_hex.validation import require_bool, require_enum, require_text, require_uuid

if TYPE_CHECKING:
    from airflow.sdk import Context


def _describe(cell: dict[str, Any]) -> str:
    label = cell.get("label")
    return f"{cell.get('id')} ({label!r})" if label else str(cell.get("id"))


class _CellOperator(HexBaseOperator):
    """Resolve the cell named by id, or by label within a project."""

    def __init__(
        self,
        *,
        cell_id: str | None = None,
        project_id: str | None = None,
        cell_label: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        require_cell_reference(cell_id, project_id, cell_label, static=True)
        self.cell_id = cell_id
        self.project_id = project_id
        self.cell_label = cell_label

    def _check_reference(self) -> None:
        require_cell_reference(self.cell_id, self.project_id, self.cell_label)

    def _lookup(self) -> dict[str, Any]:
        assert self.project_id is not None
        assert self.cell_label is not None
        cell = find_cell_by_label(self.hook, self.project_id, self.cell_label)
        self.log.info(
            "Cell labelled %r in project %s is %s", self.cell_label, self.project_id, cell["id"]
        )
        return dict(cell)


class HexCreateCellOperator(HexBaseOperator):
    """Add a CODE, SQL or MARKDOWN cell to a Hex project's draft; return the new cell.

    Creating is not idempotent: each successful try adds a cell (the hook never repeats a
    create after an ambiguous failure, but an Airflow retry would).

    :param project_id: the project to add the cell to.
    :param cell_type: ``CODE``, ``SQL`` or ``MARKDOWN``.
    :param source: the cell's source (templated; see the module notes on Hex's own Jinja).
    :param cell_label: the new cell's label, to find it again by label.
    :param data_connection_id: a SQL cell's data connection.
    :param is_dataframe_sql: a SQL cell that queries other cells' dataframes (not with
        ``data_connection_id``).
    :param output_dataframe: a SQL cell's output dataframe name (Hex picks one if omitted).
    :param insert_after_cell_id: place the cell after this cell.
    :param insert_after_cell_label: place the cell after the cell with this label.
    :param parent_cell_id: place the cell inside this section cell.
    :param child_position: ``FIRST`` or ``LAST`` (default) inside ``parent_cell_id``.
    :return: the new cell as Hex returns it (``id``, ``staticId``, ``label``, ``cellType``…);
        ``id`` is also pushed as an XCom of its own (``op.output["id"]``).
    """

    output_keys = ("id",)

    template_fields: Sequence[str] = (
        "project_id",
        "source",
        "cell_label",
        "data_connection_id",
        "output_dataframe",
        "insert_after_cell_id",
        "insert_after_cell_label",
        "parent_cell_id",
    )
    template_ext: Sequence[str] = (".sql",)

    def __init__(
        self,
        *,
        project_id: str,
        cell_type: CellType | str,
        source: str,
        cell_label: str | None = None,
        data_connection_id: str | None = None,
        is_dataframe_sql: bool | None = None,
        output_dataframe: str | None = None,
        insert_after_cell_id: str | None = None,
        insert_after_cell_label: str | None = None,
        parent_cell_id: str | None = None,
        child_position: ChildPosition | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.cell_type = require_enum("cell_type", cell_type, CellType)
        self.child_position = (
            None
            if child_position is None
            else require_enum("child_position", child_position, ChildPosition)
        )
        self.is_dataframe_sql = is_dataframe_sql
        self.project_id = project_id
        self.source = source
        self.cell_label = cell_label
        self.data_connection_id = data_connection_id
        self.output_dataframe = output_dataframe
        self.insert_after_cell_id = insert_after_cell_id
        self.insert_after_cell_label = insert_after_cell_label
        self.parent_cell_id = parent_cell_id
        self._check(static=True)

    def _check(self, *, static: bool) -> None:
        check_arguments(
            [
                (require_uuid, "project_id", self.project_id),
                (require_source, "source", self.source),
                (require_text, "cell_label", self.cell_label),
                (require_uuid, "data_connection_id", self.data_connection_id),
                (require_text, "output_dataframe", self.output_dataframe),
                (require_uuid, "insert_after_cell_id", self.insert_after_cell_id),
                (require_text, "insert_after_cell_label", self.insert_after_cell_label),
                (require_uuid, "parent_cell_id", self.parent_cell_id),
                (require_bool, "is_dataframe_sql", self.is_dataframe_sql),
            ],
            static=static,
        )
        sql_only = {
            "data_connection_id": self.data_connection_id,
            "is_dataframe_sql": self.is_dataframe_sql,
            "output_dataframe": self.output_dataframe,
        }
        for name, value in sql_only.items():
            if value is not None and self.cell_type is not CellType.SQL:
                raise HexInvalidArgumentError(name, value, "only SQL cells take it")
        if self.data_connection_id is not None and self.is_dataframe_sql:
            raise HexInvalidArgumentError(
                "is_dataframe_sql", True, "Hex refuses it together with data_connection_id"
            )
        if self.insert_after_cell_id is not None and self.insert_after_cell_label is not None:
            raise HexInvalidArgumentError(
                "insert_after_cell_label",
                self.insert_after_cell_label,
                "give insert_after_cell_id or insert_after_cell_label, not both",
            )

    def execute(self, context: Context) -> dict[str, Any]:
        """Create the cell, after looking up ``insert_after_cell_label`` if given."""
        self._check(static=False)
        after = self.insert_after_cell_id
        if self.insert_after_cell_label is not None:
            after = find_cell_by_label(self.hook, self.project_id, self.insert_after_cell_label)[
                "id"
            ]
        cell = self.hook.create_cell(
            self.project_id,
            self.cell_type,
            self.source,
            label=self.cell_label,
            data_connection_id=self.data_connection_id,
            is_dataframe_sql=self.is_dataframe_sql,
            output_dataframe=self.output_dataframe,
            insert_after_cell_id=after,
            parent_cell_id=self.parent_cell_id,
            child_position=self.child_position,
        )
        self.log.info(
            "Created %s cell %s in project %s (%d characters of source)",
            self.cell_type.value,
            _describe(dict(cell)),
            self.project_id,
            len(self.source),
        )
        return self.push_outputs(context, dict(cell))


class HexUpdateCellOperator(_CellOperator):
    """Change a cell's source and/or data connection; return the updated cell.

    Name the cell by ``cell_id``, or by ``project_id`` and ``cell_label``. Hex needs the
    cell's type with a new source: it comes from the label lookup, from ``cell_type``, or
    else from one GetCell request.

    :param source: the new source (templated; see the module notes on Hex's own Jinja).
    :param data_connection_id: attach this data connection (SQL cells).
    :param detach_data_connection: detach the SQL cell's data connection.
    :param output_dataframe: a SQL cell's new output dataframe name (with ``source``).
    :param cell_type: the cell's type, when known, to save the GetCell request.
    :return: the updated cell as Hex returns it; ``id`` is also pushed as an XCom of its own.
    """

    output_keys = ("id",)

    template_fields: Sequence[str] = (
        "cell_id",
        "project_id",
        "cell_label",
        "source",
        "data_connection_id",
        "output_dataframe",
    )
    template_ext: Sequence[str] = (".sql",)

    def __init__(
        self,
        *,
        source: str | None = None,
        data_connection_id: str | None = None,
        detach_data_connection: bool = False,
        output_dataframe: str | None = None,
        cell_type: CellType | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.source = source
        self.data_connection_id = data_connection_id
        self.detach_data_connection = require_bool("detach_data_connection", detach_data_connection)
        self.output_dataframe = output_dataframe
        self.cell_type = (
            None if cell_type is None else require_enum("cell_type", cell_type, CellType)
        )
        self._check_changes(static=True)

    def _check_changes(self, *, static: bool) -> None:
        check_arguments(
            [
                (require_source, "source", self.source),
                (require_uuid, "data_connection_id", self.data_connection_id),
                (require_text, "output_dataframe", self.output_dataframe),
            ],
            static=static,
        )
        nothing = self.source is None and self.data_connection_id is None
        if nothing and not self.detach_data_connection:
            raise HexInvalidArgumentError(
                "source", None, "nothing to update: give source and/or data_connection_id"
            )
        if self.detach_data_connection and self.data_connection_id is not None:
            raise HexInvalidArgumentError(
                "detach_data_connection", True, "give data_connection_id or detach, not both"
            )
        if self.output_dataframe is not None and self.source is None:
            raise HexInvalidArgumentError(
                "output_dataframe", self.output_dataframe, "Hex needs the source with it"
            )

    def execute(self, context: Context) -> dict[str, Any]:
        """Find the cell if named by label, then send one UpdateCell request."""
        self._check_reference()
        self._check_changes(static=False)
        cell_type: CellType | str | None = self.cell_type
        if self.cell_label is not None:
            found = self._lookup()
            cell_id, cell_type = str(found["id"]), cell_type or found.get("cellType")
        else:
            assert self.cell_id is not None
            cell_id = self.cell_id
            if self.source is not None and cell_type is None:
                cell_type = self.hook.get_cell(cell_id)["cellType"]
        changes: dict[str, Any] = {}
        if self.source is not None:
            changes.update(cell_type=cell_type, source=self.source)
            changes["output_dataframe"] = self.output_dataframe
        if self.detach_data_connection:
            changes["data_connection_id"] = None
        elif self.data_connection_id is not None:
            changes["data_connection_id"] = self.data_connection_id
        cell = dict(self.hook.update_cell(cell_id, **changes))
        what = []
        if self.source is not None:
            what.append(f"source ({len(self.source)} characters)")
        if self.output_dataframe is not None:
            what.append(f"output dataframe {self.output_dataframe!r}")
        if "data_connection_id" in changes:
            what.append(f"data connection -> {changes['data_connection_id'] or 'none'}")
        self.log.info("Updated cell %s: %s", _describe(cell), ", ".join(what))
        return self.push_outputs(context, cell)


class HexDeleteCellOperator(_CellOperator):
    """Delete a cell from a project's draft; a cell already gone counts as success.

    Name the cell by ``cell_id``, or by ``project_id`` and ``cell_label`` (a label that no
    cell carries is an error, like everywhere else).

    :return: ``{"cell_id": ..., "deleted": True}``, or ``"deleted": False`` when Hex
        answered 404 (the cell was already deleted).
    """

    template_fields: Sequence[str] = ("cell_id", "project_id", "cell_label")

    def execute(self, context: Context) -> dict[str, Any]:
        """Find the cell if named by label, then delete it."""
        self._check_reference()
        cell_id = str(self._lookup()["id"]) if self.cell_label is not None else self.cell_id
        assert cell_id is not None
        try:
            self.hook.delete_cell(cell_id)
        except HexNotFoundError:
            self.log.info("Cell %s was already deleted: nothing to do", cell_id)
            return {"cell_id": cell_id, "deleted": False}
        self.log.info("Deleted cell %s", cell_id)
        return {"cell_id": cell_id, "deleted": True}


__all__ = [
    "HexCreateCellOperator",
    "HexDeleteCellOperator",
    "HexUpdateCellOperator",
]
