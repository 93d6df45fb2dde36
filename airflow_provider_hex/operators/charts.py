"""Save a Hex run's chart images to object storage (``HexRunProjectOperator(save_charts=...)``).

The run operator calls three functions of this module and nothing else:

* :func:`check_charts_arguments` when the task is built (literal values only) and again when
  it runs (rendered values): which charts, into which folder;
* :func:`prepare_charts_folder` before the run starts: the folder exists and is writable;
* :func:`with_saved_charts` once the run has completed: each chart's image of that run
  (GetChartImageFromRun) is written to ``<folder>/<name>.png`` and the paths are added to the
  task's result under ``charts``.

Charts are named by their cells' static ids, which stay the same across project versions
(a cell's ``staticId`` in :meth:`~airflow_provider_hex.hooks.hex.HexHook.list_cells`):
either a list of static ids (the files are named after them) or ``{file name: static id}``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from airflow_provider_hex.exceptions import HexError, HexInvalidArgumentError
from airflow_provider_hex.operators._storage import writable_folder
from airflow_provider_hex.validation import is_templated, require_uuid

if TYPE_CHECKING:
    from airflow.sdk import ObjectStoragePath

    from airflow_provider_hex.hooks.hex import HexHook

log = logging.getLogger(__name__)

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
#: Most charts one task saves (Hex renders 20 chart images a minute).
MAX_CHARTS = 100


class HexChartError(HexError):
    """A chart of a completed run could not be read; the message names it."""


def chart_targets(save_charts: Any) -> dict[str, str]:
    """Read ``save_charts`` as ``{file name: static id}``.

    :raises HexInvalidArgumentError: for anything but a non-empty list of static ids or a
        mapping of file names to static ids.
    """
    if isinstance(save_charts, Mapping):
        pairs = [(str(name), sid) for name, sid in save_charts.items()]
        for name, _sid in pairs:
            if not _NAME.match(name):
                raise HexInvalidArgumentError(
                    "save_charts",
                    name,
                    "a chart's file name may hold letters, digits, '_', '-' and '.' only",
                )
    elif isinstance(save_charts, Sequence) and not isinstance(save_charts, str | bytes):
        pairs = [(str(sid), sid) for sid in save_charts]
    else:
        raise HexInvalidArgumentError(
            "save_charts",
            save_charts,
            "expected a list of chart cells' static ids, or {file name: static id}",
        )
    if not pairs:
        raise HexInvalidArgumentError("save_charts", save_charts, "names no chart")
    if len(pairs) > MAX_CHARTS:
        raise HexInvalidArgumentError(
            "save_charts", f"{len(pairs)} charts", f"at most {MAX_CHARTS} charts per task"
        )
    targets: dict[str, str] = {}
    for name, sid in pairs:
        static_id = require_uuid(f"save_charts[{name!r}]", sid)
        if name in targets:
            raise HexInvalidArgumentError("save_charts", name, "names the same file twice")
        targets[name] = static_id
    return targets


def check_charts_arguments(
    save_charts: Any,
    charts_folder: Any,
    *,
    static: bool,
    wait_for_completion: bool = True,
    dry_run: bool | None = None,
) -> None:
    """Check ``save_charts`` and ``charts_folder`` (skip templates and XComArgs if ``static``).

    Both or neither must be given; charts need a run that is waited for and really runs.
    """
    if save_charts is None and charts_folder is None:
        return
    if save_charts is None or charts_folder is None:
        given, missing = (
            ("save_charts", "charts_folder")
            if charts_folder is None
            else ("charts_folder", "save_charts")
        )
        raise HexInvalidArgumentError(missing, None, f"give it together with {given}")
    if not wait_for_completion:
        raise HexInvalidArgumentError(
            "save_charts", save_charts, "charts are saved after the run: wait_for_completion=True"
        )
    if dry_run:
        raise HexInvalidArgumentError("save_charts", save_charts, "a dry run draws no charts")
    if not (static and is_templated(save_charts)):
        chart_targets(save_charts)


def prepare_charts_folder(charts_folder: Any) -> ObjectStoragePath | None:
    """Create ``charts_folder`` and prove it writable; None when no charts are to be saved."""
    return None if charts_folder is None else writable_folder("charts_folder", charts_folder)


def save_run_charts(
    hook: HexHook,
    project_id: str,
    run_id: str,
    targets: Mapping[str, str],
    folder: ObjectStoragePath,
) -> list[str]:
    """Write each chart of the run to ``folder/<name>.png``; return the paths, in order."""
    saved: list[str] = []
    for name, static_id in targets.items():
        try:
            image = hook.get_chart_image_from_run(project_id, run_id, static_id)
        except HexError as err:
            done = f"; saved before it: {saved}" if saved else ""
            raise HexChartError(
                f"Could not read chart {name!r} (static id {static_id}) of Hex run {run_id}: "
                f"{err}{done}"
            ) from err
        path = folder / f"{name}.png"
        path.write_bytes(image["image"])
        saved.append(str(path))
        log.info("Saved chart %r of Hex run %s to %s", name, run_id, path)
    return saved


def with_saved_charts(
    hook: HexHook, summary: Mapping[str, Any], save_charts: Any, charts_folder: Any
) -> Any:
    """Return the run's summary, with ``charts`` (the saved files' paths) when charts were
    asked for and the run completed."""
    if save_charts is None or charts_folder is None or summary.get("status") != "COMPLETED":
        return summary
    folder = writable_folder("charts_folder", charts_folder)
    paths = save_run_charts(
        hook, str(summary["project_id"]), str(summary["run_id"]), chart_targets(save_charts), folder
    )
    return cast(Any, {**summary, "charts": paths})


__all__ = [
    "MAX_CHARTS",
    "HexChartError",
    "chart_targets",
    "check_charts_arguments",
    "prepare_charts_folder",
    "save_run_charts",
    "with_saved_charts",
]
