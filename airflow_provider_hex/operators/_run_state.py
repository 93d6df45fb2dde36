"""Reattaching to a started run on retry: Airflow 3.3's ``ResumableJobMixin``, or a stand-in.

On Airflow 3.3+ the run operator is a ``ResumableJobMixin``: the run is written to the task
state store right after it starts, so a retry after a worker crash finds it and waits for it
instead of starting a second run. Airflow 3.0-3.2 have no task state store; the stand-in here
keeps the same methods and starts a new run on every try.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow.sdk.bases.resumablejobmixin import ResumableJobMixin as ResumableJobMixin
else:
    try:  # Airflow 3.3+
        from airflow.sdk.bases.resumablejobmixin import ResumableJobMixin
    except ImportError:  # Airflow 3.0-3.2

        class ResumableJobMixin:
            """Stand-in without a task state store: every try starts a new run."""

            external_id_key = "remote_job_id"

            def __init__(self, *, durable: bool = True, **kwargs: Any) -> None:
                super().__init__(**kwargs)
                self.durable = False

            def execute_resumable(self, context: Any) -> Any:
                external_id = self.submit_job(context)
                self.poll_until_complete(external_id, context)
                return self.get_job_result(external_id, context)


#: Whether a retry can find the run an earlier try started.
CAN_REATTACH = getattr(ResumableJobMixin, "__module__", "").startswith("airflow.")


def forget_run(context: Mapping[str, Any], key: str) -> None:
    """Drop the stored run once the task has its result, so that clearing the task later
    starts a fresh run instead of finding this finished one."""
    store = context.get("task_state_store")
    if store is not None:
        store.delete(key)


__all__ = ["CAN_REATTACH", "ResumableJobMixin", "forget_run"]
