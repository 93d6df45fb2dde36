"""The "Hex run" button on a task: a link to the run's page in Hex."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperatorLink

if TYPE_CHECKING:
    from airflow.sdk import BaseOperator

#: The XCom key the run operator pushes the run's URL under, as soon as the run starts.
RUN_URL_XCOM_KEY = "run_url"


class HexRunLink(BaseOperatorLink):
    """Link to the Hex run a task started or watches.

    Reads the ``run_url`` XCom, which the operator pushes before it waits, so the link works
    while the task is still running or deferred. Airflow computes links on the worker when a
    task stops or defers; an operator whose ``hex_run_url`` is None has no run yet, and is
    not looked up (which would log a "not found" error in the task log).
    """

    name = "Hex run"

    def get_link(self, operator: BaseOperator, *, ti_key: Any) -> str:
        """Return the run's URL, or an empty string before a run has started."""
        from airflow.sdk.execution_time.xcom import XCom

        if getattr(operator, "hex_run_url", "") is None:
            return ""

        url = XCom.get_value(ti_key=ti_key, key=RUN_URL_XCOM_KEY)
        return url if isinstance(url, str) else ""


__all__ = [
    "HexRunLink",
]
