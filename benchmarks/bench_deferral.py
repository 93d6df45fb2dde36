"""Worker seconds one 60 s Hex run costs: waiting on a worker vs deferring to the triggerer.

Starts the simulator (in this process) and a real Airflow (scheduler, triggerer, DAG
processor, API server; ``scripts/airflow_stack.py``), then runs a DAG with two
``HexRunProjectOperator`` tasks side by side on a project whose runs take 60 simulated
seconds (2 s PENDING, 58 s RUNNING): one waits on its worker (``deferrable=False``), the
other defers (``deferrable=True``). Both poll every 5 s.

Worker-held time is read from each task's log: the stints it ran on a worker, each from
"Pre Execute" to its last line (the deferred wait in the triggerer is not a stint). The
DAG runs ``--runs`` times in a row: the first run's tasks also pay a cold worker's one-off
DAG bundle load (~2 s), later runs show the steady state. With ``--time-scale`` above 1
the run takes 60 / time_scale real seconds; worker seconds stay real seconds (a worker's
fixed start-up cost does not shrink with simulated time), and the share of the run is
computed against the run's real length.

Run: ``python benchmarks/bench_deferral.py`` (about 2.5 minutes with the defaults).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from airflow_provider_hex.testing import HexSimulator, RunScript

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

from airflow_stack import AirflowStack  # noqa: E402

DAG_ID = "bench_deferral"
MODES = {"sync": False, "deferrable": True}
PENDING, RUNNING = 2.0, 58.0
DAG_SOURCE = '''
"""Two ways to wait for the same kind of Hex run (written by benchmarks/bench_deferral.py)."""
from __future__ import annotations

import os
from datetime import datetime

from airflow.sdk import DAG

from airflow_provider_hex.operators.hex import HexRunProjectOperator

with DAG("bench_deferral", schedule=None, start_date=datetime(2025, 1, 1), catchup=False):
    for mode, deferrable in {modes!r}.items():
        HexRunProjectOperator(
            task_id=f"run_{{mode}}",
            project_id=os.environ["HEX_BENCH_PROJECT_ID"],
            deferrable=deferrable,
            poll_interval={poll},
        )
'''


@dataclass
class Result:
    """One task's wait for one Hex run."""

    dag_run: int
    mode: str
    status: str
    stints: list[float]

    @property
    def held(self) -> float:
        """Seconds the task held a worker."""
        return sum(self.stints)


def run_dag(stack: AirflowStack, number: int, timeout: float) -> list[Result]:
    """Trigger the DAG once, wait for it and read both tasks' worker stints."""
    run_id = stack.trigger(DAG_ID)
    state = stack.wait_for_run(DAG_ID, run_id, timeout=timeout)
    print(f"DAG run {number}: {state}", flush=True)
    results = []
    for mode in MODES:
        task_id = f"run_{mode}"
        stints = stack.worker_stints(DAG_ID, run_id, task_id)
        spans = [(last - first).total_seconds() for first, last in stints]
        status = stack.xcom(DAG_ID, run_id, task_id)["status"]
        results.append(Result(number, mode, status, spans))
    return results


def report(results: list[Result], scale: float, poll_interval: float) -> None:
    """Print one row per task and DAG run."""
    run_real = (PENDING + RUNNING) / scale
    print(f"\n== Worker time per Hex run of {PENDING + RUNNING:.0f} simulated seconds")
    print(
        f"time_scale={scale:g}, so each run took {run_real:.0f} real s; "
        f"poll_interval={poll_interval:g} s; sync and deferrable tasks ran side by side"
    )
    header = ("DAG run", "mode", "Hex status", "worker held", "of the run", "stints")
    print("{:<8} {:<11} {:<11} {:>12} {:>11}  {}".format(*header))
    for r in results:
        stints = " + ".join(f"{s:.2f}" for s in r.stints)
        print(
            f"{r.dag_run:<8} {r.mode:<11} {r.status:<11} {r.held:>10.2f} s "
            f"{r.held / run_real:>11.1%}  {stints}"
        )
    print(
        "(worker seconds are real seconds; the first DAG run's tasks also pay a cold worker's "
        "one-off DAG bundle load)"
    )


def main() -> None:
    """Run the DAG ``--runs`` times and print the worker-held seconds of both tasks."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--time-scale", type=float, default=1.0, help="simulated s per real s")
    parser.add_argument("--poll-interval", type=float, default=5.0)
    parser.add_argument("--runs", type=int, default=2, help="DAG runs, one after the other")
    parser.add_argument("--keep", type=Path, help="keep AIRFLOW_HOME (logs, DB) in this folder")
    args = parser.parse_args()
    timeout = 120 + 2 * (PENDING + RUNNING) / args.time_scale

    with tempfile.TemporaryDirectory(prefix="bench-deferral-") as folder:
        dag_file = Path(folder) / "bench_deferral.py"
        dag_file.write_text(DAG_SOURCE.format(modes=MODES, poll=args.poll_interval))
        with HexSimulator(time_scale=args.time_scale) as sim:
            script = RunScript(PENDING, RUNNING)
            project_id = sim.add_project("Deferral benchmark", scripts=[script])
            env = {
                "AIRFLOW_CONN_HEX_DEFAULT": sim.airflow_connection_json(),
                "HEX_BENCH_PROJECT_ID": project_id,
            }
            print("Starting Airflow ...", flush=True)
            with AirflowStack([dag_file], env, home=args.keep) as stack:
                stack.wait_for_dag(DAG_ID)
                stack.unpause(DAG_ID)
                results = [
                    result
                    for number in range(1, args.runs + 1)
                    for result in run_dag(stack, number, timeout)
                ]
    report(results, args.time_scale, args.poll_interval)


if __name__ == "__main__":
    main()
