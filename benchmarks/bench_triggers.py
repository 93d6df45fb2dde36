"""What 1,000 concurrent ``HexRunTrigger``s cost one event loop (one triggerer's load).

The simulator runs in a child process, so its CPU and memory stay out of the figures.
It starts ``--triggers`` runs of one project at once (each PENDING ``--pending`` s, then
RUNNING until ``--run-seconds``); this process then drives one ``HexRunTrigger`` per run
on a single asyncio loop, as a triggerer would, until every trigger has yielded its event.

Printed: peak memory (tracemalloc peak of Python allocations; RSS before and at peak),
CPU seconds (``time.process_time``), event-loop lag (a ticker that sleeps ``--tick`` s and
records how much longer it actually slept: p50/p99/max) and HTTP requests per run.

tracemalloc slows Python down, so the loop runs twice: once plain (CPU, lag, RSS,
requests) and once traced (Python heap peak only).

The connection sets ``rate_budget: false`` and the simulator's rate limits are off: this
measures what the triggers cost, not how long Hex's limits make them wait (with the budget
on, 1,000 runs share one token's 30 status reads a minute).

Run: ``python benchmarks/bench_triggers.py`` (about 1.5 minutes with the defaults).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import multiprocessing
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

import psutil


# ------------------------------------------------------------------ simulator side
def serve_simulator(
    pipe: Connection, runs: int, projects: int, pending: float, running: float
) -> None:
    """Child process: serve a simulator and start ``runs`` runs, spread round-robin over
    ``projects`` projects, whenever asked; answer ``(project_id, run_id)`` pairs."""
    from airflow_provider_hex.testing import HexSimulator, RunScript

    sim = HexSimulator(seed_demo=False, max_active_runs=runs * 3 + 10).start()
    script = RunScript(pending, running)
    project_ids = [sim.add_project(f"Benchmark {i}", scripts=[script]) for i in range(projects)]
    pipe.send({"url": sim.url, "token": sim.token})
    while True:
        command = pipe.recv()
        if command == "start":
            sim.reset()
            with sim.lock:
                pairs = []
                for i in range(runs):
                    project = sim.state.project(project_ids[i % projects])
                    pairs.append((project.id, sim.state.start_run(project, {}).id))
            pipe.send(pairs)
        elif command == "stats":
            stats = dict(sim.stats)
            stats["run_status_reads"] = sim.count("GET", r"/runs/[^/]+$")
            stats["run_list_reads"] = sim.count("GET", r"/runs$")
            pipe.send(stats)
        else:
            sim.stop()
            pipe.send("stopped")
            return


# -------------------------------------------------------------------- trigger side
@dataclass
class Pass:
    """What one pass over all triggers measured."""

    wall: float
    cpu: float
    lags: list[float]
    rss_before: int
    rss_peak: int
    events: dict[str, int]
    traced_peak: int | None = None
    sim: dict[str, int] = field(default_factory=dict)


def percentile(values: list[float], q: float) -> float:
    """Return the q-th percentile (0-100) of ``values``."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


async def drive_all(runs: list[tuple[str, str]], poll_interval: float, tick: float) -> Pass:
    """Run one trigger per run on this loop, with a lag ticker beside them."""
    from airflow_provider_hex.triggers.hex import HexRunTrigger

    process = psutil.Process()
    started_at = time.time()
    triggers = [
        HexRunTrigger(project_id, run_id, poll_interval=poll_interval, started_at=started_at)
        for project_id, run_id in runs
    ]
    lags: list[float] = []
    rss_before = process.memory_info().rss
    rss_peak = rss_before
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal rss_peak
        while not done.is_set():
            began = time.perf_counter()
            await asyncio.sleep(tick)
            lags.append(time.perf_counter() - began - tick)
            if len(lags) % 10 == 0:
                rss_peak = max(rss_peak, process.memory_info().rss)

    async def drive(trigger: HexRunTrigger) -> str:
        async for event in trigger.run():
            return str(event.payload["status"])
        return "no event"

    cpu0, wall0 = time.process_time(), time.perf_counter()
    ticking = asyncio.create_task(ticker())
    outcomes = await asyncio.gather(*(drive(t) for t in triggers))
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    done.set()
    await ticking
    rss_peak = max(rss_peak, process.memory_info().rss)
    events: dict[str, int] = {}
    for outcome in outcomes:
        events[outcome] = events.get(outcome, 0) + 1
    return Pass(wall, cpu, lags, rss_before, rss_peak, events)


async def warm_up(project_id: str, run_id: str) -> None:
    """Import and connect once, so the measured pass does not pay one-off costs."""
    from airflow_provider_hex.hooks.hex import HexHook

    await HexHook("hex_default").aget_run_status(project_id, run_id)


def one_pass(pipe: Connection, args: argparse.Namespace, traced: bool) -> Pass:
    """Start fresh runs in the simulator and wait for all of them with triggers."""
    pipe.send("start")
    runs: list[tuple[str, str]] = [tuple(pair) for pair in pipe.recv()]

    async def main() -> Pass:
        await warm_up(*runs[0])
        gc.collect()
        if traced:
            tracemalloc.start()
            tracemalloc.reset_peak()
            base = tracemalloc.get_traced_memory()[0]
        result = await drive_all(runs, args.poll_interval, args.tick)
        if traced:
            result.traced_peak = tracemalloc.get_traced_memory()[1] - base
            tracemalloc.stop()
        return result

    with quiet_output(args.show_logs):
        result = asyncio.run(main())
    pipe.send("stats")
    result.sim = pipe.recv()
    return result


@contextlib.contextmanager
def quiet_output(show: bool) -> Iterator[None]:
    """Send the triggers' log lines (still formatted: that is part of their cost) to
    /dev/null unless ``show``."""
    if show:
        yield
        return
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with open(os.devnull, "w") as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            for fd, copy in ((1, saved[0]), (2, saved[1])):
                os.dup2(copy, fd)
                os.close(copy)


def report(args: argparse.Namespace, plain: Pass, traced: Pass) -> None:
    """Print the figures."""
    mib = 1024 * 1024
    n = args.triggers
    lags_ms = [lag * 1000 for lag in plain.lags]
    print(f"\n== {n} concurrent HexRunTriggers, one event loop, one process")
    print(
        f"runs: {args.pending:.0f} s PENDING + {args.run_seconds - args.pending:.0f} s RUNNING; "
        f"poll_interval={args.poll_interval} s (growing with run age); rate_budget=false; "
        "simulator rate limits off, simulator in its own process"
    )
    print(f"runs spread over {args.projects} project(s)")
    print(f"events: {plain.events} (traced pass: {traced.events})")
    print(f"wall time until the last event: {plain.wall:.1f} s")
    print(
        f"CPU: {plain.cpu:.2f} s in total, {plain.cpu / n * 1000:.2f} ms per run, "
        f"{plain.cpu / plain.wall * 100:.1f}% of one core"
    )
    print(
        f"memory: tracemalloc peak {traced.traced_peak / mib:.1f} MiB "
        f"({(traced.traced_peak or 0) / n / 1024:.1f} KiB per trigger); RSS "
        f"{plain.rss_before / mib:.0f} MiB before -> {plain.rss_peak / mib:.0f} MiB at peak "
        f"(+{(plain.rss_peak - plain.rss_before) / mib:.0f} MiB)"
    )
    print(
        f"event-loop lag ({args.tick * 1000:.0f} ms ticker, {len(lags_ms)} ticks): "
        f"p50 {percentile(lags_ms, 50):.1f} ms, p99 {percentile(lags_ms, 99):.1f} ms, "
        f"max {max(lags_ms, default=0):.1f} ms, mean {statistics.fmean(lags_ms or [0]):.1f} ms"
    )
    total = plain.sim.get("requests", 0) - 1  # minus the warm-up read
    print(
        f"HTTP: {total} requests for {n} runs = {total / n:.3f} per run "
        f"(GetRunStatus {plain.sim.get('run_status_reads', 0) - 1}, "
        f"GetProjectRuns {plain.sim.get('run_list_reads', 0)}); "
        f"{plain.sim.get('connections', 0)} TCP connections opened"
    )


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triggers", type=int, default=1000)
    parser.add_argument("--projects", type=int, default=1, help="projects the runs spread over")
    parser.add_argument("--pending", type=float, default=1.0, help="seconds PENDING")
    parser.add_argument("--run-seconds", type=float, default=30.0, help="total run length")
    parser.add_argument("--poll-interval", type=float, default=5.0)
    parser.add_argument("--tick", type=float, default=0.05, help="lag ticker period (s)")
    parser.add_argument("--show-logs", action="store_true", help="print the triggers' logs")
    return parser.parse_args()


def main() -> None:
    """Start the simulator process, run both passes, print the figures."""
    args = parse_args()
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    running = max(0.0, args.run_seconds - args.pending)
    server = ctx.Process(
        target=serve_simulator,
        args=(child, args.triggers, args.projects, args.pending, running),
        daemon=True,
    )
    server.start()
    try:
        info = parent.recv()
        os.environ["AIRFLOW_CONN_HEX_DEFAULT"] = json.dumps(
            {
                "conn_type": "hex",
                "host": info["url"],
                "password": info["token"],
                "extra": {"rate_budget": False},
            }
        )
        plain = one_pass(parent, args, traced=False)
        traced = one_pass(parent, args, traced=True)
        report(args, plain, traced)
    finally:
        parent.send("stop")
        server.join(timeout=10)
        if server.is_alive():
            server.kill()


if __name__ == "__main__":
    main()
