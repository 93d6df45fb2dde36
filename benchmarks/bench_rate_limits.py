"""1,000 waiting Hex runs on one token, under Hex's rate limits: naive polling vs. this design.

The simulator runs in a child process with Hex's documented limits switched on (60
requests a minute per token, 30 status reads a minute, ...) and a clock ``--time-scale``
times faster than real time; its limit windows shrink the same way. It holds ``--runs``
runs spread over ``--projects`` projects, all started at once, each PENDING a few seconds
and then RUNNING for 1 to 30 minutes (uniformly at random, seeded).

The runs are made directly in the simulator's state, not through RunProject: Hex would
start at most 20 a minute, 60 an hour and 25 at a time. This measures the *waiting*.

This process then waits for every run with one asyncio task per run on a single event
loop, as a triggerer holds one trigger per deferred task (Airflow's triggerer itself is
not involved), in two modes:

* ``naive``: each task calls ``aget_run_status`` every ``--poll-interval`` seconds, with no
  shared budget (connection extra ``rate_budget: false``); the hook still retries 429s
  (``Retry-After``) up to ``max_retries`` times.
* ``design``: each task reads through ``get_status_reader(...).read`` (one GetProjectRuns
  call answers for all waiting runs of a project), sleeps ``next_poll_interval`` (growing
  from ``--poll-interval`` with the run's age), and every request draws from the token's
  shared budget.

Time scale: the budget is created first with ``time_scale`` equal to the simulator's, so its
per-minute rates, hourly windows and recovery follow the simulated clock; ``Retry-After``
arrives in real seconds and is read as such. The connection's retry waits are divided by
the scale too. All durations printed are in simulated seconds.

A task *fails* when a read raises an error it cannot ride out (such as ``HexRateLimitError``
after the hook's retries) or when its run is not noticed within 15 simulated minutes after
the longest run ends. *Notice delay* is the simulated time between a run's end and its task
reading a terminal status.

Run: ``python benchmarks/bench_rate_limits.py`` (about 3 minutes with the defaults).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import multiprocessing
import os
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

CONN_ID = "hex_bench"
PENDING_SECONDS = 5.0
GRACE_SECONDS = 15 * 60.0


# ------------------------------------------------------------------ simulator side
def make_waiting_runs(sim: Any, rng: random.Random, total: int, args: Any) -> list[dict[str, Any]]:
    """Start ``total`` runs over ``args.projects`` projects, directly in the simulator's
    state, each PENDING a few seconds then RUNNING ``args.min_minutes`` to ``max_minutes``;
    return ``{"project_id", "run_id", "ends"}`` for each (``ends`` on the simulated clock)."""
    from airflow_provider_hex.testing import RunScript

    runs: list[dict[str, Any]] = []
    with sim.lock:
        now = sim.clock.now()
        for index in range(args.projects):
            count = total // args.projects + (index < total % args.projects)
            scripts = [
                RunScript(PENDING_SECONDS, rng.uniform(args.min_minutes, args.max_minutes) * 60)
                for _ in range(count)
            ]
            project_id = sim.add_project(f"Benchmark {index}", scripts=scripts)
            project = sim.state.projects[project_id]
            for _ in scripts:
                run = sim.state.start_run(project, {}, created_at=now)
                ended = now + run.script.pending_seconds + run.script.running_seconds
                runs.append({"project_id": project_id, "run_id": run.id, "ends": ended})
    return runs


def serve_simulator(pipe: Connection, args: argparse.Namespace) -> None:
    """Child process: a rate-limited simulator holding the benchmark's runs."""
    from airflow_provider_hex.testing import HexSimulator

    sim = HexSimulator(seed_demo=False, rate_limits=True, time_scale=args.time_scale).start()
    runs = make_waiting_runs(sim, random.Random(args.seed), args.runs, args)
    clock = sim.clock
    pipe.send(
        {
            "url": sim.url,
            "token": sim.token,
            "runs": runs,
            "clock": (clock.now(), time.monotonic(), clock.time_scale),
        }
    )
    pipe.recv()  # "stats"
    stats = dict(sim.stats)
    stats["GetRunStatus"] = sim.count("GET", r"/runs/[^/]+$")
    stats["GetProjectRuns"] = sim.count("GET", r"/runs$")
    pipe.send(stats)
    pipe.recv()  # "stop"
    sim.stop()


# -------------------------------------------------------------------- waiting side
@dataclass
class Outcome:
    """What one mode measured."""

    mode: str
    failed: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    delays: list[float] = field(default_factory=list)
    wall: float = 0.0
    sim: dict[str, int] = field(default_factory=dict)
    reader: dict[str, int] = field(default_factory=dict)
    penalties: int = 0


class SimTime:
    """The simulator's clock, rebuilt in this process from its origin and scale."""

    def __init__(self, origin: float, mono0: float, scale: float) -> None:
        self.origin, self.mono0, self.scale = origin, mono0, scale

    def now(self) -> float:
        """Simulated epoch seconds now (monotonic clocks are system-wide on Linux)."""
        return self.origin + (time.monotonic() - self.mono0) * self.scale


def set_connection(url: str, token: str, scale: float, *, budget: bool, **more: Any) -> None:
    """Point ``hex_bench`` at the simulator; retry waits follow the simulated clock.

    ``more`` adds connection extras (such as ``rate_budget_url``)."""
    extra = {"rate_budget": budget, "retry_backoff": 1.0 / scale, "max_retry_wait": 120 / scale}
    extra.update(more)
    conn = {"conn_type": "hex", "host": url, "password": token, "extra": extra}
    os.environ[f"AIRFLOW_CONN_{CONN_ID.upper()}"] = json.dumps(conn)


def make_budget(scale: float) -> Any:
    """Create the token's shared budget on the simulated clock before any hook does."""
    from airflow_provider_hex.hooks.budget import get_budget
    from airflow_provider_hex.hooks.hex import HexHook
    from airflow_provider_hex.hooks.transport import CONTENT_GROUP, RUN_START_GROUP, STATUS_GROUP

    settings = HexHook(CONN_ID).settings
    return get_budget(
        settings.budget_key,
        requests_per_minute=settings.requests_per_minute,
        share=settings.rate_budget_share,
        store_url=settings.rate_budget_url or None,
        group_limits={
            STATUS_GROUP: settings.status_reads_per_minute,
            CONTENT_GROUP: 30.0,
            RUN_START_GROUP: settings.run_starts_per_minute,
        },
        time_scale=scale,
    )


async def wait_all(mode: str, runs: list[dict[str, Any]], clock: SimTime, args: Any) -> Outcome:
    """Wait for every run with one task each; return failures and notice delays."""
    from airflow_provider_hex.hooks.hex import HexHook
    from airflow_provider_hex.triggers.polling import get_status_reader, next_poll_interval
    from airflow_provider_hex.types import TERMINAL_STATUSES

    scale = args.time_scale
    outcome = Outcome(mode)
    hook = HexHook(CONN_ID)
    reader = get_status_reader(CONN_ID)
    reader.cache_ttl = 5.0 / scale
    reader.rate_limit_patience = 900.0 / scale
    give_up = max(run["ends"] for run in runs) + GRACE_SECONDS

    async def wait(run: dict[str, Any]) -> None:
        began = clock.now()
        while True:
            try:
                if mode == "naive":
                    answer = await hook.aget_run_status(run["project_id"], run["run_id"])
                else:
                    answer = await reader.read(run["project_id"], run["run_id"])
            except Exception as err:
                outcome.failed += 1
                name = type(err).__name__
                outcome.errors[name] = outcome.errors.get(name, 0) + 1
                return
            now = clock.now()
            if answer["status"] in TERMINAL_STATUSES:
                outcome.delays.append(now - run["ends"])
                return
            if now > give_up:
                outcome.failed += 1
                outcome.errors["never noticed"] = outcome.errors.get("never noticed", 0) + 1
                return
            interval = args.poll_interval
            if mode == "design":
                interval = next_poll_interval(now - began, args.poll_interval)
            await asyncio.sleep(interval / scale)

    started = time.monotonic()
    await asyncio.gather(*(wait(run) for run in runs))
    outcome.wall = time.monotonic() - started
    outcome.reader = vars(reader.stats).copy()
    return outcome


def run_mode(mode: str, args: argparse.Namespace) -> Outcome:
    """Start a fresh simulator, wait for its runs in ``mode``, collect the figures."""
    from airflow_provider_hex.hooks.budget import reset_budgets
    from airflow_provider_hex.triggers.polling import reset_status_readers

    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    server = ctx.Process(target=serve_simulator, args=(child, args), daemon=True)
    server.start()
    try:
        info = parent.recv()
        reset_budgets()
        reset_status_readers()
        set_connection(info["url"], info["token"], args.time_scale, budget=mode == "design")
        budget = make_budget(args.time_scale) if mode == "design" else None
        outcome = asyncio.run(wait_all(mode, info["runs"], SimTime(*info["clock"]), args))
        outcome.penalties = budget.penalties if budget is not None else 0
        outcome.sim = simulator_stats(parent)
    finally:
        stop_simulator(parent, server)
    return outcome


def simulator_stats(parent: Connection) -> dict[str, int]:
    """Ask the simulator process for its request counters."""
    parent.send("stats")
    stats: dict[str, int] = parent.recv()
    return stats


def stop_simulator(parent: Connection, server: Any) -> None:
    """Stop the simulator process (killed if it does not end within 10 s)."""
    parent.send("stop")
    server.join(timeout=10)
    if server.is_alive():
        server.kill()


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) of ``values``, nearest rank; NaN when empty."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def report(args: argparse.Namespace, outcomes: list[Outcome]) -> None:
    """Print one row per mode."""
    print(
        f"\n{args.runs} waiting runs over {args.projects} projects, one token, Hex's limits on; "
        f"runs {args.min_minutes:g}-{args.max_minutes:g} min; poll interval "
        f"{args.poll_interval:g} s; simulator clock x{args.time_scale:g}; seed {args.seed}"
    )
    header = (
        f"{'mode':<7}{'failed':>8}{'429s':>8}{'requests':>10}{'GetRunStatus':>14}"
        f"{'GetProjectRuns':>16}{'notice p50':>12}{'notice p95':>12}{'wall':>8}"
    )
    print(header)
    print("-" * len(header))
    for out in outcomes:
        print(
            f"{out.mode:<7}{out.failed:>8}{out.sim.get('rate_limited', 0):>8}"
            f"{out.sim.get('requests', 0):>10}{out.sim.get('GetRunStatus', 0):>14}"
            f"{out.sim.get('GetProjectRuns', 0):>16}"
            f"{percentile(out.delays, 50):>11.1f}s{percentile(out.delays, 95):>11.1f}s"
            f"{out.wall:>7.0f}s"
        )
    for out in outcomes:
        extra = f"; reader {out.reader}; budget 429 episodes {out.penalties}"
        print(
            f"{out.mode}: errors {out.errors or 'none'}" + (extra if out.mode == "design" else "")
        )
    print(
        "(notice delays: over the tasks that did not fail, in simulated seconds; "
        "wall time in real seconds)"
    )


def add_workload_args(parser: argparse.ArgumentParser, *, time_scale: float) -> None:
    """Add the options every rate-limit benchmark shares: projects, run lengths, clock."""
    parser.add_argument("--projects", type=int, default=20)
    parser.add_argument("--min-minutes", type=float, default=1.0)
    parser.add_argument("--max-minutes", type=float, default=30.0)
    parser.add_argument("--poll-interval", type=float, default=10.0, help="simulated seconds")
    parser.add_argument("--time-scale", type=float, default=time_scale)
    parser.add_argument("--seed", type=int, default=7)


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1000)
    add_workload_args(parser, time_scale=60.0)
    parser.add_argument("--modes", default="naive,design", help="comma-separated")
    return parser.parse_args()


def run_all(
    args: argparse.Namespace,
    run: Callable[[str, argparse.Namespace], Any],
    show: Callable[[argparse.Namespace, list[Any]], None],
) -> None:
    """Run each of ``args.modes`` with ``run`` against a fresh simulator; ``show`` the rows."""
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="hex-bench-"))
    logging.getLogger("airflow_provider_hex").setLevel(logging.ERROR)
    outcomes = []
    for mode in args.modes.split(","):
        print(f"running {mode} ...", flush=True)
        outcomes.append(run(mode.strip(), args))
    show(args, outcomes)


def main() -> None:
    """Run each mode against a fresh simulator and print the table."""
    run_all(parse_args(), run_mode, report)


if __name__ == "__main__":
    main()
