"""Several Airflow processes on one Hex token: per-process budgets, fixed shares, or Redis.

A production Airflow runs several triggerers and workers. Here, against one simulator with
Hex's documented limits on (60 requests a minute per token, 30 status reads a minute, 20
run starts a minute and 60 an hour) and its clock ``--time-scale`` times faster than real
time, five processes use the same token at once:

* three *triggerers*, each holding ``--runs-per-triggerer`` waiting runs spread over
  ``--projects`` projects, waited for as ``bench_rate_limits.py``'s ``design`` mode does
  (one asyncio task per run, shared batched status reads, growing poll interval);
* two *workers*, each starting ``--starts-per-worker`` runs (RunProject) from a pool of
  ``--worker-threads`` threads, as Celery task slots would, and waiting for its run in its
  thread with GetRunStatus.

The triggerers' runs are made directly in the simulator's state, already running (1 to
30 simulated minutes long): they stand for runs that workers started before. So that those
900 runs do not take all of Hex's 25 kernels, the simulator's kernel limit is raised: this
measures request rates, not kernels. The workers' runs last 1 to 3 minutes.

Three modes, each against a fresh simulator:

* ``process``: every process has its own budget paced to the whole of Hex's limits (today's
  default without Redis);
* ``share``: every process has ``rate_budget_share`` = 1/5 (five processes);
* ``redis``: every process has ``rate_budget_url`` pointing at one ``redis-server`` this
  script starts on loopback (Debian's package), with ``rate_budget_share`` = 1/5 for the
  fallback.

Printed per mode: 429s Hex answered, tasks failed (a task fails when a call raises after
the hook's retries, or its run is not noticed within 15 simulated minutes of its end), total
requests, run starts, and the delay between a run finishing and its task noticing (p50,
p95, simulated seconds) for triggerer and worker tasks.

Run: ``python benchmarks/bench_shared_budget.py`` (about 4 minutes with the defaults; needs
the ``redis`` extra and ``redis-server``).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import os
import random
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.connection import Connection
from typing import Any

from bench_rate_limits import (
    CONN_ID,
    PENDING_SECONDS,
    Outcome,
    SimTime,
    add_workload_args,
    make_budget,
    make_waiting_runs,
    percentile,
    run_all,
    set_connection,
    simulator_stats,
    stop_simulator,
    wait_all,
)

TRIGGERERS = 3
WORKERS = 2
SHARE = 1 / (TRIGGERERS + WORKERS)


# ------------------------------------------------------------------ simulator side
def serve_simulator(pipe: Connection, args: argparse.Namespace) -> None:
    """Child process: a rate-limited simulator holding the triggerers' runs."""
    from airflow_provider_hex.testing import HexSimulator, RunScript

    sim = HexSimulator(
        seed_demo=False, rate_limits=True, time_scale=args.time_scale, max_active_runs=10_000
    ).start()
    pipe.send({"url": sim.url, "token": sim.token})
    pipe.recv()  # "create": every process is ready; the runs start now
    rng = random.Random(args.seed)
    runs = make_waiting_runs(sim, rng, TRIGGERERS * args.runs_per_triggerer, args)
    rng.shuffle(runs)
    starts = WORKERS * args.starts_per_worker
    worker_project = sim.add_project(
        "Started by workers",
        scripts=[RunScript(PENDING_SECONDS, rng.uniform(60, 180)) for _ in range(starts)],
    )
    clock = sim.clock
    pipe.send(
        {
            "runs": runs,
            "worker_project": worker_project,
            "clock": (clock.now(), time.monotonic(), clock.time_scale),
        }
    )
    pipe.recv()  # "stats"
    stats = dict(sim.stats)
    stats["RunProject"] = sim.count("POST", r"/runs$")
    stats["RunProject 429"] = sum(
        1
        for r in sim.requests
        if r.method == "POST" and r.path.endswith("/runs") and r.status == 429
    )
    pipe.send(stats)
    pipe.recv()  # "stop"
    sim.stop()


# ----------------------------------------------------------------- the five processes
@dataclass
class Report(Outcome):
    """What one process measured (``mode`` is its role), and its budget at the end."""

    budget: str = ""

    @property
    def role(self) -> str:
        """``"triggerer"`` or ``"worker"``."""
        return self.mode


def prepare(info: dict[str, Any], args: argparse.Namespace, extra: dict[str, Any]) -> Any:
    """Point the connection at the simulator with the mode's extras; make the budget."""
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="hex-bench-"))
    logging.getLogger("airflow_provider_hex").setLevel(logging.ERROR)
    set_connection(info["url"], info["token"], args.time_scale, budget=True, **extra)
    return make_budget(args.time_scale)


def triggerer(info: dict[str, Any], inbox: Any, args: Any, extra: Any, out: Any) -> None:
    """Wait for runs in one event loop, as a triggerer holds one trigger per task."""
    budget = prepare(info, args, extra)
    out.put("ready")
    info, runs = inbox.get()
    outcome = asyncio.run(wait_all("design", runs, SimTime(*info["clock"]), args))
    out.put(
        Report(
            "triggerer",
            failed=outcome.failed,
            errors=outcome.errors,
            delays=outcome.delays,
            budget=_state(budget),
        )
    )


def worker(info: dict[str, Any], inbox: Any, args: Any, extra: Any, out: Any) -> None:
    """Start ``starts_per_worker`` runs from a pool of task slots; wait for each in its slot."""
    from airflow_provider_hex.hooks.hex import HexHook
    from airflow_provider_hex.triggers.polling import next_poll_interval
    from airflow_provider_hex.types import TERMINAL_STATUSES

    budget = prepare(info, args, extra)
    out.put("ready")
    info, _ = inbox.get()
    clock = SimTime(*info["clock"])
    scale = args.time_scale
    report = Report("worker")
    lock = threading.Lock()

    def task(_: int) -> None:
        hook = HexHook(CONN_ID)
        try:
            started = hook.run_project(info["worker_project"])
            began = clock.now()
            while True:
                answer = hook.get_run_status(started["projectId"], started["runId"])
                if answer["status"] in TERMINAL_STATUSES:
                    ended = datetime.fromisoformat(answer["endTime"]).timestamp()
                    with lock:
                        report.delays.append(clock.now() - ended)
                    return
                interval = next_poll_interval(clock.now() - began, args.poll_interval)
                time.sleep(interval / scale)
        except Exception as err:
            with lock:
                report.failed += 1
                name = type(err).__name__
                report.errors[name] = report.errors.get(name, 0) + 1

    with ThreadPoolExecutor(args.worker_threads) as pool:
        list(pool.map(task, range(args.starts_per_worker)))
    report.budget = _state(budget)
    out.put(report)


def _state(budget: Any) -> str:
    state = budget.state()
    fallback = getattr(budget, "fallback_requests", 0)
    return f"{state.summary()}" + (f"; fallback requests {fallback}" if fallback else "")


# ------------------------------------------------------------------------ the modes
@dataclass
class ModeOutcome:
    """What one mode measured, over all five processes."""

    mode: str
    reports: list[Report] = field(default_factory=list)
    sim: dict[str, int] = field(default_factory=dict)
    wall: float = 0.0

    def of(self, role: str) -> list[Report]:
        """The reports of one role."""
        return [r for r in self.reports if r.role == role]


class RedisServer:
    """A throw-away ``redis-server`` on a free loopback port."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise SystemExit("redis-server is not installed (tests/ratelimit/setup_redis.sh)")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.dir = tempfile.mkdtemp(prefix="hex-bench-redis-")
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--dir",
                self.dir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"redis://127.0.0.1:{self.port}/0"
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        """Stop the server and remove its folder."""
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


def run_mode(mode: str, args: argparse.Namespace) -> ModeOutcome:
    """Start a fresh simulator (and Redis), run the five processes, collect the figures."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    server = ctx.Process(target=serve_simulator, args=(child, args), daemon=True)
    server.start()
    store = RedisServer() if mode == "redis" else None
    extra: dict[str, Any] = {}
    if mode in ("share", "redis"):
        extra["rate_budget_share"] = SHARE
    if store is not None:
        extra["rate_budget_url"] = store.url
    outcome = ModeOutcome(mode)
    try:
        info = parent.recv()
        out = ctx.Queue()
        inboxes = [ctx.Queue() for _ in range(TRIGGERERS + WORKERS)]
        roles = [triggerer] * TRIGGERERS + [worker] * WORKERS
        processes = [
            ctx.Process(target=role, args=(info, inbox, args, extra, out))
            for role, inbox in zip(roles, inboxes, strict=True)
        ]
        for process in processes:
            process.start()
        for _ in processes:  # imports done, budgets made: the clock starts for all at once
            assert out.get(timeout=120) == "ready"
        parent.send("create")
        info.update(parent.recv())
        runs = info.pop("runs")
        started = time.monotonic()
        for index, inbox in enumerate(inboxes):
            inbox.put((info, runs[index::TRIGGERERS] if index < TRIGGERERS else []))
        for _ in processes:
            outcome.reports.append(out.get(timeout=args.timeout))
        outcome.wall = time.monotonic() - started
        for process in processes:
            process.join(timeout=30)
        outcome.sim = simulator_stats(parent)
    finally:
        stop_simulator(parent, server)
        if store is not None:
            store.stop()
    return outcome


def report(args: argparse.Namespace, outcomes: list[ModeOutcome]) -> None:
    """Print one row per mode, then each process's budget at the end."""
    print(
        f"\n{TRIGGERERS} triggerers x {args.runs_per_triggerer} waiting runs over "
        f"{args.projects} projects, {WORKERS} workers x {args.starts_per_worker} run starts "
        f"({args.worker_threads} slots each); one token, Hex's limits on; poll interval "
        f"{args.poll_interval:g} s; simulator clock x{args.time_scale:g}; seed {args.seed}"
    )
    header = (
        f"{'mode':<8}{'429s':>7}{'starts 429':>11}{'failed':>8}{'requests':>10}"
        f"{'trig p50':>10}{'trig p95':>10}{'work p50':>10}{'work p95':>10}{'wall':>7}"
    )
    print(header)
    print("-" * len(header))
    pct: Callable[[list[float], float], float] = percentile
    for out in outcomes:
        trig = [d for r in out.of("triggerer") for d in r.delays]
        work = [d for r in out.of("worker") for d in r.delays]
        print(
            f"{out.mode:<8}{out.sim.get('rate_limited', 0):>7}"
            f"{out.sim.get('RunProject 429', 0):>11}"
            f"{sum(r.failed for r in out.reports):>8}{out.sim.get('requests', 0):>10}"
            f"{pct(trig, 50):>9.1f}s{pct(trig, 95):>9.1f}s{pct(work, 50):>9.1f}s"
            f"{pct(work, 95):>9.1f}s{out.wall:>6.0f}s"
        )
    for out in outcomes:
        errors: dict[str, int] = {}
        for r in out.reports:
            for name, count in r.errors.items():
                errors[name] = errors.get(name, 0) + count
        print(
            f"\n{out.mode}: errors {errors or 'none'}; noticed: "
            f"{sum(len(r.delays) for r in out.of('triggerer'))} triggerer tasks, "
            f"{sum(len(r.delays) for r in out.of('worker'))} worker tasks"
        )
        for r in out.reports:
            print(f"  {r.role}: {r.budget}")
    print(
        "(429s: every 429 Hex answered; starts 429: those of RunProject; delays in simulated "
        "seconds over the tasks that did not fail; wall time in real seconds)"
    )


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs-per-triggerer", type=int, default=300)
    parser.add_argument("--starts-per-worker", type=int, default=30)
    parser.add_argument("--worker-threads", type=int, default=10)
    add_workload_args(parser, time_scale=120.0)
    parser.add_argument("--timeout", type=float, default=600.0, help="real seconds per mode")
    parser.add_argument("--modes", default="process,share,redis", help="comma-separated")
    return parser.parse_args()


def main() -> None:
    """Run each mode against a fresh simulator and print the table."""
    run_all(parse_args(), run_mode, report)


if __name__ == "__main__":
    main()
