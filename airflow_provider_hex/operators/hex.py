"""Run Hex projects from Airflow tasks, and cancel runs.

``HexRunProjectOperator`` (:mod:`~airflow_provider_hex.operators.run_project`) starts a run of
a project's published version and waits for it in the worker or, deferrable, in the
triggerer; ``HexCancelRunOperator`` (:mod:`~airflow_provider_hex.operators.cancel_run`)
cancels a run. Both are importable from here, as they always were.
"""

from __future__ import annotations

from airflow_provider_hex.operators.cancel_run import HexCancelRunOperator
from airflow_provider_hex.operators.run_project import IF_ACTIVE_CHOICES, HexRunProjectOperator

__all__ = ["IF_ACTIVE_CHOICES", "HexCancelRunOperator", "HexRunProjectOperator"]
