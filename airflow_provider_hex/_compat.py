"""Every name that moved between Airflow 3 minor versions, resolved once for the package.

* ``BaseHook``: ``airflow.sdk`` on 3.1+, ``airflow.hooks.base`` on 3.0.
* :func:`aget_connection` and :func:`aget_extra`: Airflow's own async reads from 3.3.2, which
  mask secrets without a blocking supervisor call; before it, the synchronous reads in a
  worker thread (on the event loop they fail on 3.0 and skip the masking on 3.1 and 3.2).
* The task-facing exceptions: Airflow 3.2+ moved them to ``airflow.sdk.exceptions`` and warns
  on the old ``airflow.exceptions`` names; 3.0 and 3.1 only have the old ones.
* ``ResumableJobMixin`` (Airflow 3.3+): the run operator writes the run it started to the task
  state store, so that a retry after a worker crash waits for that run instead of starting a
  second one. Airflow 3.0-3.2 have no task state store; the stand-in keeps the same methods
  and starts a new run on every try (:data:`CAN_REATTACH` says which one is in use).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow.sdk import BaseHook as BaseHook
    from airflow.sdk.bases.resumablejobmixin import ResumableJobMixin as ResumableJobMixin
    from airflow.sdk.exceptions import (
        AirflowFailException as AirflowFailException,
    )
    from airflow.sdk.exceptions import (
        AirflowSensorTimeout as AirflowSensorTimeout,
    )
    from airflow.sdk.exceptions import (
        AirflowSkipException as AirflowSkipException,
    )
else:
    try:  # Airflow 3.1+
        from airflow.sdk import BaseHook
    except ImportError:  # Airflow 3.0
        from airflow.hooks.base import BaseHook

    try:  # Airflow 3.2+
        from airflow.sdk.exceptions import (
            AirflowFailException,
            AirflowSensorTimeout,
            AirflowSkipException,
        )
    except ImportError:  # Airflow 3.0, 3.1
        from airflow.exceptions import (
            AirflowFailException,
            AirflowSensorTimeout,
            AirflowSkipException,
        )

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


try:
    from airflow.exceptions import (
        AirflowProviderDeprecationWarning as ProviderDeprecationWarning,
    )
except ImportError:  # pragma: no cover - every Airflow 3 has it; keep the import safe anyway
    ProviderDeprecationWarning = DeprecationWarning  # type: ignore[assignment,misc]

#: Whether a retry can find the run an earlier try started (Airflow 3.3+).
CAN_REATTACH = getattr(ResumableJobMixin, "__module__", "").startswith("airflow.")

__all__ = [
    "CAN_REATTACH",
    "AirflowFailException",
    "AirflowSensorTimeout",
    "AirflowSkipException",
    "BaseHook",
    "ProviderDeprecationWarning",
    "ResumableJobMixin",
    "aget_connection",
    "aget_extra",
]


def _masks_asynchronously() -> bool:
    """Whether this Airflow masks a connection's secrets without a blocking supervisor call.

    ``Connection.aextra_dejson`` came with that in Airflow 3.3.2. Before it, reading a
    connection (``aget_connection``, 3.1+) or its extra (``extra_dejson``) on the event loop
    asks the supervisor synchronously: on 3.0 that raises "You cannot use AsyncToSync in the
    same thread as an async event loop" and fails the trigger, on 3.1 and 3.2 the supervisor
    is silently never told which values to mask.
    """
    try:
        from airflow.sdk.definitions.connection import Connection
    except ImportError:  # pragma: no cover - every Airflow 3 has it
        return False
    return hasattr(Connection, "aextra_dejson")


async def aget_connection(conn_id: str) -> Any:
    """Fetch an Airflow connection without blocking the event loop.

    On Airflow 3.3.2+ through ``BaseHook.aget_connection``; before it, the synchronous
    ``get_connection`` runs in a worker thread, where its call to the supervisor may block.
    """
    if _masks_asynchronously():
        return await BaseHook.aget_connection(conn_id)
    from asgiref.sync import sync_to_async

    return await sync_to_async(BaseHook.get_connection)(conn_id)


async def aget_extra(conn: Any) -> dict[str, Any]:
    """A connection's extra as a dict (secrets masked), without blocking the event loop.

    ``Connection.aextra_dejson`` on Airflow 3.3.2+; before it, ``extra_dejson`` in a worker
    thread, for the same reason as :func:`aget_connection`.
    """
    if hasattr(conn, "aextra_dejson"):
        return dict(await conn.aextra_dejson() or {})
    if not hasattr(type(conn), "extra_dejson"):  # on the class: the property masks when read
        return {}
    from asgiref.sync import sync_to_async

    return dict(await sync_to_async(lambda: conn.extra_dejson)() or {})
