"""How often, and through which calls, waiting triggers read run status.

:func:`next_poll_interval` stretches the wait between polls as a run gets older, so a
six-hour run costs far fewer requests than 6 hours / poll_interval.

:class:`RunStatusReader` is shared by every trigger of one Hex connection in a process
(see :func:`get_status_reader`); triggers ask it for a run's status instead of calling the
hook themselves, so that answers can be shared.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airflow_provider_hex.types import ProjectRun

#: Default growth of the poll interval per minute of run time.
DEFAULT_GROWTH = 0.1
#: Default longest wait between two polls, in seconds.
DEFAULT_MAX_POLL_INTERVAL = 60.0


def next_poll_interval(
    elapsed: float,
    base: float,
    *,
    max_interval: float = DEFAULT_MAX_POLL_INTERVAL,
    growth: float = DEFAULT_GROWTH,
) -> float:
    """Seconds to wait before the next poll of a run that has waited ``elapsed`` seconds.

    Starts at ``base`` and grows by ``growth`` x ``base`` per minute of waiting, never above
    ``max(base, max_interval)``.
    """
    interval = base * (1.0 + growth * max(0.0, elapsed) / 60.0)
    return min(max(base, max_interval), interval)


class RunStatusReader:
    """Reads run statuses for the triggers of one Hex connection in this process."""

    def __init__(self, hex_conn_id: str) -> None:
        self.hex_conn_id = hex_conn_id

    async def read(self, project_id: str, run_id: str, run_url: str | None = None) -> ProjectRun:
        """Return the current status of a run."""
        from airflow_provider_hex.hooks.hex import HexHook

        return await HexHook(self.hex_conn_id).aget_run_status(project_id, run_id, run_url=run_url)


_READERS: dict[str, RunStatusReader] = {}
_LOCK = threading.Lock()


def get_status_reader(hex_conn_id: str) -> RunStatusReader:
    """The process-wide reader for a connection id."""
    with _LOCK:
        reader = _READERS.get(hex_conn_id)
        if reader is None:
            reader = _READERS[hex_conn_id] = RunStatusReader(hex_conn_id)
        return reader
