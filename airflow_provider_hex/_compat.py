"""Imports that moved between Airflow 3 minor versions, resolved once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow.sdk import BaseHook as BaseHook
else:
    try:  # Airflow 3.1+
        from airflow.sdk import BaseHook
    except ImportError:  # Airflow 3.0
        from airflow.hooks.base import BaseHook

__all__ = ["BaseHook", "aget_connection"]


async def aget_connection(conn_id: str) -> Any:
    """Fetch an Airflow connection without blocking the event loop."""
    getter = getattr(BaseHook, "aget_connection", None)
    if getter is not None:  # Airflow 3.1+
        return await getter(conn_id)
    from asgiref.sync import sync_to_async

    return await sync_to_async(BaseHook.get_connection)(conn_id)
