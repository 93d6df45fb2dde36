"""Requests a minute: 100 run watchers over 20 projects on one token, against 100 sensors.

The job: notice each run that Hex's scheduler finishes in any of ``--projects`` projects.
The simulator runs in a child process; a thread there plays Hex's scheduler, starting a
``SCHEDULED`` run (0.5 s long) of every project every ``--run-every`` seconds. This process
then does the job for ``--duration`` seconds in each mode, every reader polling every
``--interval`` seconds, and counts the requests the simulator answered:

* ``watchers, shared streams (Airflow 3.3)``: ``--watchers`` ``HexProjectRunEventTrigger``
  spread evenly over the projects (their ``run_triggers`` and ``statuses`` differ), run
  through Airflow's own ``SharedStreamManager`` as the 3.3 triggerer runs them;
* ``watchers, standalone (Airflow 3.0-3.2)``: the same watchers, each running its own
  ``run()`` in one event loop, as an older triggerer runs them (they share the process's
  status reader);
* ``sensors, poke mode``: ``--watchers`` ``HexRunSensor`` (latest-run mode,
  ``run_trigger="SCHEDULED"``), each poking from its own thread as from its own worker slot.

The connection's request budget is off and the simulator's rate limits are off, so the
figures are what each mode *asks* of Hex; with the budget on, the provider would pace the
sensors to Hex's limits and they would fall behind. Requests scale as 1 / interval in every
mode; the table also gives the figure at the default 60 s interval.

Run: ``python benchmarks/bench_watchers.py`` (about 100 s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from types import SimpleNamespace
from typing import Any

CONN_ID = "hex_bench"


# ------------------------------------------------------------------ simulator side
def serve_simulator(pipe: Connection, args: argparse.Namespace) -> None:
    """Child process: the simulator, and Hex's scheduler starting runs of every project."""
    from airflow_provider_hex.testing import HexSimulator, RunScript

    sim = HexSimulator(seed_demo=False).start()
    projects = [
        sim.add_project(f"Scheduled {n}", scripts=[RunScript(0, 0.5)]) for n in range(args.projects)
    ]
    stop = threading.Event()

    def hex_scheduler() -> None:
        while not stop.wait(args.run_every):
            with sim.lock:
                for project_id in projects:
                    sim.state.start_run(sim.state.projects[project_id], {}, trigger="SCHEDULED")

    threading.Thread(target=hex_scheduler, daemon=True).start()
    pipe.send({"url": sim.url, "token": sim.token, "projects": projects})
    while (message := pipe.recv()) != "stop":
        if message == "count":
            pipe.send(sim.count("GET", r"/runs$"))
    stop.set()
    sim.stop()


# --------------------------------------------------------------------- reading side
def watchers(projects: list[str], count: int, interval: float) -> list[Any]:
    from airflow_provider_hex.triggers.project_runs import HexProjectRunEventTrigger

    filters = [
        {"run_triggers": "SCHEDULED"},
        {"run_triggers": "SCHEDULED", "statuses": ["ERRORED", "KILLED"]},
        {"run_triggers": ["SCHEDULED", "APP_REFRESH"]},
        {"run_triggers": "API"},
        {"run_triggers": "SCHEDULED", "since": "2026-01-01T00:00:00Z"},
    ]
    made = []
    for n in range(count):
        trigger = HexProjectRunEventTrigger(
            projects[n % len(projects)],
            hex_conn_id=CONN_ID,
            poll_interval=interval,
            **filters[(n // len(projects)) % len(filters)],
        )
        trigger._store = MemoryStore()
        made.append(trigger)
    return made


class MemoryStore:
    """A watermark store in memory (the benchmark has no Airflow supervisor)."""

    def __init__(self) -> None:
        self.state: dict[str, Any] | None = None

    async def load(self) -> dict[str, Any] | None:
        return self.state

    async def save(self, state: dict[str, Any]) -> None:
        self.state = state


async def run_shared(triggers: list[Any], duration: float) -> int:
    from airflow.triggers.shared_stream import SharedStreamManager

    manager = SharedStreamManager()
    events = 0

    async def consume(index: int, trigger: Any) -> None:
        nonlocal events
        key = trigger.shared_stream_key()
        stream = manager.subscribe(trigger_id=index, trigger=trigger, key=key)
        try:
            async for _ in trigger.filter_shared_stream(stream):
                events += 1
                manager.bind_pending_event(trigger_id=index, key=key)
        finally:
            await manager.unsubscribe(index, key)

    tasks = [asyncio.ensure_future(consume(i, t)) for i, t in enumerate(triggers)]
    await asyncio.sleep(duration)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await manager.stop_all()
    return events


async def run_standalone(triggers: list[Any], duration: float) -> int:
    events = 0

    async def consume(trigger: Any) -> None:
        nonlocal events
        async for _ in trigger.run():
            events += 1

    tasks = [asyncio.ensure_future(consume(t)) for t in triggers]
    await asyncio.sleep(duration)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return events


def run_sensors(projects: list[str], count: int, interval: float, duration: float) -> int:
    from airflow_provider_hex.sensors.hex import HexRunSensor

    sensors = [
        HexRunSensor(
            task_id=f"wait_{n}",
            project_id=projects[n % len(projects)],
            run_trigger="SCHEDULED",
            hex_conn_id=CONN_ID,
            mode="poke",
            poke_interval=interval,
        )
        for n in range(count)
    ]
    context: Any = {"ti": SimpleNamespace(xcom_push=lambda **_: None)}
    passes = 0
    lock = threading.Lock()
    end = time.monotonic() + duration

    def slot(sensor: HexRunSensor) -> None:
        nonlocal passes
        while time.monotonic() < end:
            if sensor.poke(context):  # a pass ends this sensor; the next DAG run's pokes on
                with lock:
                    passes += 1
            time.sleep(max(0.0, min(interval, end - time.monotonic())))

    with ThreadPoolExecutor(max_workers=count) as pool:
        list(pool.map(slot, sensors))
    return passes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--watchers", type=int, default=100)
    parser.add_argument("--projects", type=int, default=20)
    parser.add_argument("--interval", type=float, default=2.0, help="poll/poke interval (s)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per mode")
    parser.add_argument("--run-every", type=float, default=5.0, help="s between scheduled runs")
    args = parser.parse_args()

    parent, child = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(
        target=serve_simulator, args=(child, args), daemon=True
    )
    server.start()
    sim = parent.recv()
    os.environ[f"AIRFLOW_CONN_{CONN_ID.upper()}"] = json.dumps(
        {
            "conn_type": "hex",
            "host": sim["url"],
            "password": sim["token"],
            "extra": {"rate_budget": False},
        }
    )
    import structlog

    import airflow_provider_hex.sensors.hex  # noqa: F401 - configures Airflow's logging first
    from airflow_provider_hex.triggers.polling import reset_status_readers

    logging.disable(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))

    def count() -> int:
        parent.send("count")
        return int(parent.recv())

    modes: list[tuple[str, Any]] = []
    try:
        import airflow.triggers.shared_stream  # noqa: F401

        modes.append(
            (
                "watchers, shared streams (Airflow 3.3)",
                lambda: asyncio.run(
                    run_shared(
                        watchers(sim["projects"], args.watchers, args.interval), args.duration
                    )
                ),
            )
        )
    except ImportError:
        pass
    modes.append(
        (
            "watchers, standalone (Airflow 3.0-3.2)",
            lambda: asyncio.run(
                run_standalone(
                    watchers(sim["projects"], args.watchers, args.interval), args.duration
                )
            ),
        )
    )
    modes.append(
        (
            "sensors, poke mode",
            lambda: run_sensors(sim["projects"], args.watchers, args.interval, args.duration),
        )
    )

    print(
        f"{args.watchers} readers over {args.projects} projects, one token, every "
        f"{args.interval:g} s for {args.duration:g} s; a scheduled run of every project every "
        f"{args.run_every:g} s"
    )
    print(f"| mode | requests | requests/min at {args.interval:g} s | at 60 s | events/passes |")
    print("| --- | ---: | ---: | ---: | ---: |")
    try:
        for name, run in modes:
            reset_status_readers()
            before = count()
            started = time.monotonic()
            noticed = run()
            elapsed = time.monotonic() - started
            made = count() - before
            per_minute = made / elapsed * 60
            at_60 = per_minute * args.interval / 60
            print(f"| {name} | {made:,} | {per_minute:,.0f} | {at_60:,.1f} | {noticed:,} |")
    finally:
        parent.send("stop")
        server.join(timeout=10)


if __name__ == "__main__":
    main()
