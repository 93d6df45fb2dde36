"""What the Hex content operators share: the lazy hook, template-aware checks, cell lookup.

Kept light on purpose: importing an operator module at DAG-parse time must not import the
HTTP client, so the hook is imported the first time a task needs it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from airflow_provider_hex.exceptions import HexInvalidArgumentError
from airflow_provider_hex.validation import is_templated, require_text, require_uuid

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_hex.hooks.hex import HexHook
    from airflow_provider_hex.types import Cell

#: One argument check, as in :mod:`airflow_provider_hex.validation`: (argument, value) -> value.
Check = Callable[[str, Any], Any]

#: How many labels a "no cell has this label" error lists, to keep it readable.
_LABELS_SHOWN = 20


def check_arguments(checks: Iterable[tuple[Check, str, Any]], *, static: bool) -> None:
    """Run each ``(check, argument, value)`` on the values given (None: not given).

    Operators check in ``__init__`` (``static``: templates and XComArgs are left alone) so a
    wrong literal argument fails when the DAG is parsed, and in ``execute`` after rendering.
    """
    for check, argument, value in checks:
        if value is not None and not (static and is_templated(value)):
            check(argument, value)


def check_static(check: Check, argument: str, value: Any) -> None:
    """Run ``check(argument, value)`` now unless the value is a template or an XComArg."""
    check_arguments([(check, argument, value)], static=True)


def require_source(argument: str, value: Any) -> str:
    """Check a cell's source: a string, possibly empty."""
    return require_text(argument, value, allow_empty=True)


def require_cell_reference(
    cell_id: Any, project_id: Any, cell_label: Any, *, static: bool = False
) -> None:
    """Check a cell is named either by ``cell_id`` or by ``project_id`` + ``cell_label``."""
    if (cell_id is None) == (cell_label is None):
        raise HexInvalidArgumentError(
            "cell_id", cell_id, "name the cell by cell_id, or by project_id and cell_label"
        )
    if cell_label is not None and project_id is None:
        raise HexInvalidArgumentError(
            "project_id", None, "a cell_label is looked up within a project: give project_id"
        )
    check_arguments(
        [
            (require_uuid, "cell_id", cell_id),
            (require_uuid, "project_id", project_id),
            (require_text, "cell_label", cell_label),
        ],
        static=static,
    )


def find_cell_by_label(hook: HexHook, project_id: str, label: str) -> Cell:
    """Return the one cell of the project's draft with this label, reading every page.

    :raises HexInvalidArgumentError: when no cell, or more than one, has the label.
    """
    cells = list(hook.list_cells(project_id))
    matches = [cell for cell in cells if cell.get("label") == label]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        labels = sorted({str(c["label"]) for c in cells if c.get("label")})
        shown = ", ".join(repr(x) for x in labels[:_LABELS_SHOWN])
        more = f" and {len(labels) - _LABELS_SHOWN} more" if len(labels) > _LABELS_SHOWN else ""
        raise HexInvalidArgumentError(
            "cell_label",
            label,
            f"no cell of project {project_id} has this label "
            f"({len(cells)} cells; labels: {shown or 'none'}{more})",
        )
    ids = ", ".join(str(c["id"]) for c in matches)
    raise HexInvalidArgumentError(
        "cell_label",
        label,
        f"{len(matches)} cells of project {project_id} have this label ({ids}); "
        "name the cell by cell_id instead",
    )


class HexBaseOperator(BaseOperator):
    """Base of the operators that change Hex content: a connection id and a lazy hook.

    Every one returns a JSON dict. The keys named in ``output_keys`` are also pushed as
    XComs of their own, so ``op.output["id"]`` hands one value to the next task. (Not
    ``multiple_outputs``: Airflow 3.0 cannot store an XCom whose value is None.)

    :param hex_conn_id: the Airflow connection of type ``hex`` to use.
    """

    ui_color = "#f5c0c0"
    #: Keys of the result that are also pushed as XComs of their own (when not None).
    output_keys: tuple[str, ...] = ()

    def __init__(self, *, hex_conn_id: str = "hex_default", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hex_conn_id = hex_conn_id

    def push_outputs(self, context: Context, result: dict[str, Any]) -> dict[str, Any]:
        """Push the ``output_keys`` of ``result`` as XComs of their own; return ``result``."""
        ti = context.get("ti")
        if ti is not None and self.do_xcom_push:
            for key in self.output_keys:
                if result.get(key) is not None:
                    ti.xcom_push(key=key, value=result[key])
        return result

    @cached_property
    def hook(self) -> HexHook:
        """The Hex hook, made (and its module imported) when a task first needs it."""
        from airflow_provider_hex.hooks.hex import HexHook

        return HexHook(hex_conn_id=self.hex_conn_id)
