"""What the spawned processes of the shared-budget tests run (importable by a child process).

Each function builds the token's budget as a worker or triggerer would (``get_budget`` with
the same key, limits and store), does its part and reports through a queue.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

KEY = ("https://app.hex.tech", "0123456789abcdef")
LIMITS: dict[str, Any] = {"hex-api": 30.0, "hex-run-kernel": 20.0}


def budget(store_url: str | None, time_scale: float, share: float = 1.0) -> Any:
    """The token's budget in this process, as the transport makes it."""
    from airflow_provider_hex.hooks.budget import get_budget

    return get_budget(
        KEY,
        requests_per_minute=60.0,
        group_limits=LIMITS,
        share=share,
        store_url=store_url,
        time_scale=time_scale,
    )


def reserve_many(
    store_url: str | None,
    time_scale: float,
    groups: list[str | None],
    start_at: float,
    use_async: bool,
    out: Any,
) -> None:
    """Reserve a slot for each of ``groups`` in turn, sleeping until each; report the send
    times (wall clock, shared by every process on the machine) as ``(group, time)``."""
    pacer = budget(store_url, time_scale)
    time.sleep(max(0.0, start_at - time.time()))
    sent: list[tuple[str | None, float]] = []

    def planned(before: float, wait: float) -> float:
        # The script reads the server's clock between ``before`` and now.
        return (before + time.time()) / 2 + wait

    async def in_loop() -> None:
        for group in groups:
            before = time.time()
            wait = await pacer.areserve(group)
            sent.append((group, planned(before, wait)))
            await asyncio.sleep(wait)

    if use_async:
        asyncio.run(in_loop())
    else:
        for group in groups:
            before = time.time()
            wait = pacer.reserve(group)
            sent.append((group, planned(before, wait)))
            time.sleep(wait)
    out.put(sent)


def report_429(store_url: str, time_scale: float, retry_after: float, out: Any) -> None:
    """Record one 429 the way a triggerer does: from inside its event loop."""
    pacer = budget(store_url, time_scale)

    async def in_loop() -> None:
        pacer.penalize(retry_after)  # the transport's call; the store is told by a task
        while pacer._pending:  # let the task reach the store before the loop ends
            await asyncio.sleep(0.01)

    asyncio.run(in_loop())
    out.put(pacer.read_store())
