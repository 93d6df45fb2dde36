"""Operators of the Hex provider.

Each operator lives in a module of its own subject (``operators.run_project``,
``operators.cancel_run`` -- both also importable from ``operators.hex`` --,
``operators.cells``, ...). The ETL hand-off operators can also be imported from here; they
are loaded on first use, so importing one operator module does not import the others::

    from airflow_provider_hex.operators import HexIngestSemanticProjectOperator
"""

from __future__ import annotations

import importlib
from typing import Any

#: Operator name -> the module that defines it.
_LAZY = {
    "HexCreateProjectOperator": "project_admin",
    "HexExportProjectOperator": "project_admin",
    "HexIngestSemanticProjectOperator": "semantic",
    "HexUpdateDataConnectionSchemaOperator": "data_connections",
    "HexUpdateSemanticProjectOperator": "semantic",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = sorted(_LAZY)
