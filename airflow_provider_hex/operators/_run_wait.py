"""Waiting in the worker: polling a run, and waiting out a refused start.

The poll loop shares its bookkeeping with the trigger (:class:`RunWatch`) and ends with the
same event, so the operator decides the task's outcome in one place whichever way it waited.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from airflow_provider_hex.exceptions import HexAPIError, HexError
from airflow_provider_hex.runs import RunEvent, with_timeline
from airflow_provider_hex.triggers.run_watch import RunWatch

if TYPE_CHECKING:
    from airflow_provider_hex.hooks.hex import HexHook


def start_retry_wait(
    err: HexAPIError, attempt: int, *, poll_interval: float, max_poll_interval: float
) -> float:
    """Seconds to wait before trying again to start a run Hex refused (429, or 503 kernels).

    Hex's ``Retry-After`` when it sent one, else doubling from ``poll_interval`` up to
    ``max_poll_interval``.
    """
    if err.retry_after is not None and err.retry_after > 0:
        return float(err.retry_after)
    ceiling = max(poll_interval, max_poll_interval)
    return float(min(ceiling, poll_interval * 2.0 ** min(attempt, 30)))


def wait_in_worker(
    hook: HexHook, watch: RunWatch, *, sleep: Callable[[float], None] = time.sleep
) -> RunEvent:
    """Poll the run until it ends, the deadline passes or reading keeps failing.

    Returns the final event; a ``timeout`` event leaves cancelling to the caller.
    """
    while True:
        if watch.expired():
            return watch.event("timeout", watch.timeout_message())
        try:
            run = hook.get_run_status(watch.project_id, watch.run_id, run_url=watch.run_url)
        except HexError as err:
            event = watch.on_error(err)
        else:
            event = watch.on_status(run)
        if event is not None:
            return event
        sleep(watch.next_interval())


def add_timeline(hook: HexHook, event: RunEvent, log: Any) -> RunEvent:
    """Read a failed run once more with its state events, to explain the failure.

    Any other event is returned as it is; so is a failed one whose second read fails.
    """
    if event.get("status") != "failed":
        return event
    try:
        run = hook.get_run_status(
            event["project_id"], event["run_id"], run_url=event.get("run_url"), expanded_stats=True
        )
    except HexError as err:
        log.warning("Could not read the timeline of Hex run %s: %s", event.get("run_id"), err)
        return event
    return with_timeline(event, run)
