"""Imports and calls that differ between Airflow 3 minor versions, resolved once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow.sdk import BaseHook as BaseHook
else:
    try:  # Airflow 3.1+
        from airflow.sdk import BaseHook
    except ImportError:  # Airflow 3.0
        from airflow.hooks.base import BaseHook

__all__ = ["BaseHook", "aget_connection", "aget_extra"]


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
