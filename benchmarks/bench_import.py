"""How much importing the provider's DAG-facing modules costs at DAG-parse time.

For each module, in fresh interpreters (``-X importtime`` off, best of N runs), measure the
time to import it after ``airflow.sdk`` (which every DAG file imports anyway), and list the
heavy modules it pulls in that ``airflow.sdk`` did not already load (HTTP clients, the
simulator).

Run: ``.venv/bin/python benchmarks/bench_import.py [--runs 7]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

MODULES = [
    "airflow_provider_hex.operators.hex",
    "airflow_provider_hex.sensors.hex",
    "airflow_provider_hex.triggers.hex",
    "airflow_provider_hex.operators.cells",
    "airflow_provider_hex.operators.sharing",
    "airflow_provider_hex.operators.projects",
    "airflow_provider_hex.operators.guides",
    "airflow_provider_hex.operators.admin",
]
WATCHED = (
    "requests",
    "urllib3",
    "httpx",
    "airflow_provider_hex.testing",
    "airflow_provider_hex.hooks.hex",
)

PROBE = """
import json, sys, time, warnings
warnings.simplefilter("ignore")
import airflow.sdk
before = set(sys.modules)
start = time.perf_counter()
import {module}
elapsed = time.perf_counter() - start
added = set(sys.modules) - before
print(json.dumps({{"ms": elapsed * 1000, "added": len(added),
                   "heavy": sorted(m for m in {watched!r} if m in added)}}))
"""


def measure(module: str, runs: int) -> dict[str, object]:
    """Import ``module`` ``runs`` times in fresh interpreters; return the figures."""
    samples = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", PROBE.format(module=module, watched=WATCHED)],
            capture_output=True,
            text=True,
            check=True,
        )
        samples.append(json.loads(out.stdout.strip().splitlines()[-1]))
    times = [float(s["ms"]) for s in samples]
    return {
        "best": min(times),
        "median": statistics.median(times),
        "added": samples[0]["added"],
        "heavy": samples[0]["heavy"],
    }


def main() -> None:
    """Print one row per module."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print(f"{'module':42} {'best ms':>8} {'median ms':>10} {'modules':>8}  heavy modules pulled in")
    for module in MODULES:
        row = measure(module, args.runs)
        heavy = ", ".join(row["heavy"]) or "none"  # type: ignore[arg-type]
        print(f"{module:42} {row['best']:8.1f} {row['median']:10.1f} {row['added']:8}  {heavy}")


if __name__ == "__main__":
    main()
