"""Asking Airflow's supervisor from a trigger, safely on Airflow 3.0-3.2.

In a triggerer before the fix of apache/airflow#64620, a request to the supervisor sent from
a worker thread (``sync_to_async``) can interleave with the triggerer's own requests; the
trigger runner then reads a response out of order and dies, taking every trigger with it.
Requests sent from the event loop itself go through the channel's lock and are safe, so
this module sends them there. Airflow 3.3 needs none of it: there the trigger is told of a
user's action through ``BaseTrigger.on_kill`` and asks nothing.
"""

from __future__ import annotations

import asyncio
from typing import Any


def _async_channel() -> Any | None:
    """The supervisor channel when it can be used from the event loop, else None."""
    try:
        from airflow.sdk.execution_time import task_runner
    except ImportError:  # pragma: no cover - every Airflow 3 has it
        return None
    comms = getattr(task_runner, "SUPERVISOR_COMMS", None)
    asend = getattr(comms, "asend", None)
    return comms if asend is not None and asyncio.iscoroutinefunction(asend) else None


async def ask_supervisor(message: Any) -> Any:
    """Send ``message`` to the supervisor and return its answer, without blocking the loop.

    From the event loop when the channel allows it (the triggerer); otherwise (``dag.test``
    runs triggers in process) through a worker thread, where no other request competes.
    """
    channel = _async_channel()
    if channel is not None:
        return await channel.asend(message)
    from airflow.sdk.execution_time import task_runner
    from asgiref.sync import sync_to_async

    return await sync_to_async(task_runner.SUPERVISOR_COMMS.send)(message)
