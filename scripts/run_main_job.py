"""The main job: the first example DAG in a real Airflow against the Hex simulator.

Starts the simulator (in this process, so its request log and run state can be read), then
a throw-away Airflow (scheduler, triggerer, DAG processor, API server; see
``airflow_stack.py``) whose ``hex_default`` connection points at it. Triggers
``example_hex_run_project`` through the REST API, samples every task instance's state
while it runs, and prints what happened: the task states, the Hex run's status
transitions and URL, the requests Hex received, and how long a worker was held compared
with how long the Hex run took.

Worker-held time is the time the Hex task's code occupied a worker: the task log's worker
stints (each from "Pre Execute" to its last line), which exclude the deferred wait in the
triggerer. The sampled time in state ``running`` is printed beside it as a cross-check.

Run it with ``bash scripts/run_main_job.sh`` (which also makes the virtualenv).
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

from airflow_provider_hex.testing import HexSimulator  # noqa: TID251 - a demo, not the provider

sys.path.insert(0, str(Path(__file__).resolve().parent))

from airflow_stack import AirflowStack

REPO = Path(__file__).resolve().parent.parent
DAG_FILE = REPO / "example_dags" / "example_hex_run_project.py"
DAG_ID = "example_hex_run_project"
HEX_TASK = "run_sales_report"


@dataclass
class StateLog:
    """State changes of every task instance of one DAG run, as sampled."""

    started: float = field(default_factory=time.monotonic)
    changes: dict[str, list[tuple[float, str]]] = field(default_factory=dict)

    def record(self, task_id: str, state: str | None) -> None:
        """Note ``task_id``'s state now, if it changed."""
        history = self.changes.setdefault(task_id, [])
        label = state or "none"
        if not history or history[-1][1] != label:
            history.append((time.monotonic() - self.started, label))

    def time_in(self, task_id: str, state: str, until: float) -> float:
        """Seconds ``task_id`` spent in ``state`` (the last state runs until ``until``)."""
        history = self.changes.get(task_id, [])
        ends = [at for at, _ in history[1:]] + [until]
        return sum(
            end - at for (at, label), end in zip(history, ends, strict=True) if label == state
        )


@contextmanager
def watching(stack: AirflowStack, run_id: str, every: float) -> Iterator[StateLog]:
    """Sample the DAG run's task instance states in a thread while the block runs."""
    log = StateLog()
    stop = threading.Event()

    def sample() -> None:
        path = f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances"
        while not stop.is_set():
            try:
                for ti in stack.api("GET", path)["task_instances"]:
                    log.record(ti["task_id"], ti["state"])
            except (requests.RequestException, RuntimeError):
                pass  # a missed sample only blurs the timeline
            stop.wait(every)

    thread = threading.Thread(target=sample, name="ti-sampler", daemon=True)
    thread.start()
    try:
        yield log
    finally:
        stop.set()
        thread.join(timeout=10)


def print_task_timeline(log: StateLog) -> None:
    """Print each task's state changes, in seconds after the trigger."""
    print("\nTask instance states (sampled; seconds after the DAG run was triggered):")
    for task_id, history in log.changes.items():
        steps = " -> ".join(f"{label} {at:.1f}" for at, label in history)
        print(f"  {task_id:17} {steps}")


def print_hex_run(sim: HexSimulator, hex_run_id: str, run_url: str, zero: float) -> float:
    """Print the Hex run's status transitions and the requests Hex received, in seconds
    after ``zero`` (the simulator's clock when the DAG run was triggered); return the run's
    length in seconds."""
    with sim.lock:
        transitions = sim.state.runs[hex_run_id].transitions(sim.clock.now())
    print(f"\nHex run {hex_run_id}")
    print(f"  run URL: {run_url}")
    print("  status transitions (seconds after the DAG run was triggered):")
    for status, at in transitions:
        print(f"    {at - zero:5.1f}  {status}")
    print("  requests the simulated Hex API received:")
    for request in sim.requests:
        when = request.at - zero
        print(f"    {when:5.1f}  {request.method:6} {request.path}  -> {request.status}")
    return transitions[-1][1] - transitions[0][1]


def main() -> int:
    """Run the main job and print its report; exit 0 when the DAG run succeeded."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=float, default=0.1, help="state sampling period (s)")
    parser.add_argument("--timeout", type=float, default=150, help="max seconds for the run")
    parser.add_argument("--keep", type=Path, help="keep AIRFLOW_HOME (logs, DB) in this folder")
    args = parser.parse_args()

    began = time.monotonic()
    with HexSimulator() as sim:  # real time: simulated seconds are wall-clock seconds
        print(f"Hex simulator listening on {sim.url}/api/v1")
        env = {"AIRFLOW_CONN_HEX_DEFAULT": sim.airflow_connection_json()}
        print("Starting Airflow: scheduler, triggerer, DAG processor, API server ...", flush=True)
        with AirflowStack([DAG_FILE], env, home=args.keep) as stack:
            print(f"Airflow is up at {stack.base_url} after {time.monotonic() - began:.0f}s")
            stack.wait_for_dag(DAG_ID)
            stack.unpause(DAG_ID)
            zero = sim.clock.now()
            run_id = stack.trigger(DAG_ID)
            print(f"Triggered {DAG_ID}: {run_id}", flush=True)
            with watching(stack, run_id, args.sample) as log:
                state = stack.wait_for_run(DAG_ID, run_id, timeout=args.timeout)
            finished = time.monotonic() - log.started
            summary = stack.xcom(DAG_ID, run_id, HEX_TASK)
            message = stack.xcom(DAG_ID, run_id, "share_report") if state == "success" else ""
            stints = stack.worker_stints(DAG_ID, run_id, HEX_TASK)
            print_task_timeline(log)
            hex_length = print_hex_run(sim, summary["run_id"], summary["run_url"], zero)

    held = sum((last - first).total_seconds() for first, last in stints)
    print(f"\nDAG run {run_id}: {state}")
    print(f"  {HEX_TASK} returned: {summary}")
    if message:
        print(f"  share_report said: {message}")
    print(f"\nWorker time of {HEX_TASK} (from its task log):")
    for number, (first, last) in enumerate(stints, 1):
        span = (last - first).total_seconds()
        window = (
            f"{first.time().isoformat('milliseconds')} -> {last.time().isoformat('milliseconds')}"
        )
        print(f"  stint {number}: {window}  {span:.2f}s")
    print(
        f"  worker held: {held:.2f}s in {len(stints)} stint(s) "
        f"(sampled state 'running': {log.time_in(HEX_TASK, 'running', finished):.1f}s)"
    )
    print(f"  deferred to the triggerer: {log.time_in(HEX_TASK, 'deferred', finished):.1f}s")
    print(f"  Hex run length: {hex_length:.1f}s, ended {summary.get('status')}")
    print(
        f"  => a worker was held {held:.2f}s for a {hex_length:.1f}s Hex run "
        f"(waiting on a worker would have held it for at least {hex_length:.1f}s)"
    )
    print(f"\nMain job finished in {time.monotonic() - began:.0f}s")
    return 0 if state == "success" else 1


if __name__ == "__main__":
    sys.exit(main())
