"""What reusing one HTTP connection saves: ``--calls`` GetRunStatus calls, two ways.

The Hex simulator runs in a child process (so client and server do not share a GIL), with
the demo workspace; one run of the demo project is started, then its status is read
``--calls`` times:

* ``hook``: through ``HexHook.get_run_status`` (one ``requests`` session per hook, so one
  keep-alive connection; connection extra ``rate_budget: false`` so the shared budget does
  not pace the calls);
* ``new connection per call``: through ``requests.get`` without a session and with
  ``Connection: close``, so every call opens (and closes) its own TCP connection.

Each way gets a short warm-up first. The two ways alternate for ``--rounds`` rounds and the
fastest round of each is kept (the machine may be busy with other work). It prints wall
time, requests per second, the TCP connections the simulator accepted for each way, and
the ratio of the two times.

Run: ``python benchmarks/bench_connection_reuse.py`` (a few seconds with the defaults).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import requests

DEMO_PROJECT_ID = "5a8591dd-4039-49df-9202-96385ba3eff8"
WARM_UP = 20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def simulator(port: int) -> Iterator[str]:
    """Run the simulator in a child process; yield its base URL once it answers."""
    child = subprocess.Popen(
        [sys.executable, "-m", "airflow_provider_hex.testing", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{url}/_sim/health", timeout=1).raise_for_status()
                break
            except requests.RequestException:
                if time.monotonic() > deadline or child.poll() is not None:
                    raise RuntimeError("the simulator did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        child.terminate()
        child.wait(timeout=10)


def connections(url: str) -> int:
    """TCP connections the simulator has accepted so far (read over a connection of its own)."""
    return int(requests.get(f"{url}/_sim/stats", timeout=5).json()["connections"])


def timed(url: str, calls: int, read: Callable[[], Any]) -> tuple[float, int]:
    """Run ``read`` WARM_UP times, then ``calls`` times; return (seconds, connections used)."""
    for _ in range(WARM_UP):
        read()
    before = connections(url)
    start = time.perf_counter()
    for _ in range(calls):
        read()
    elapsed = time.perf_counter() - start
    return elapsed, connections(url) - before - 1  # minus the stats call's own connection


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1000, help="status reads per way")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; best kept")
    parser.add_argument("--port", type=int, default=0, help="simulator port (0: any free)")
    args = parser.parse_args()

    # Airflow reads its home at import time; keep the benchmark's files out of the user's.
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="hex-bench-"))
    token = "hxtp_simulator_token"

    with simulator(args.port or free_port()) as url:
        os.environ["AIRFLOW_CONN_HEX_DEFAULT"] = json.dumps(
            {"conn_type": "hex", "host": url, "password": token, "extra": {"rate_budget": False}}
        )
        from airflow_provider_hex.hooks.hex import HexHook

        with HexHook() as starter:
            run_id = starter.run_project(DEMO_PROJECT_ID)["runId"]
        status_url = f"{url}/api/v1/projects/{DEMO_PROJECT_ID}/runs/{run_id}"
        headers = {"Authorization": f"Bearer {token}", "Connection": "close"}

        def one_shot() -> Any:
            answer = requests.get(status_url, headers=headers, timeout=10)
            answer.raise_for_status()
            return answer.json()

        hook_runs, fresh_runs = [], []
        for _ in range(args.rounds):
            with HexHook() as hook:  # a fresh hook: its first (warm-up) call connects
                hook_runs.append(
                    timed(url, args.calls, lambda: hook.get_run_status(DEMO_PROJECT_ID, run_id))
                )
            fresh_runs.append(timed(url, args.calls, one_shot))
        hook_time, hook_conns = min(hook_runs)
        fresh_time, fresh_conns = min(fresh_runs)

    print(
        f"{args.calls} GetRunStatus calls against the simulator (child process, loopback), "
        f"best of {args.rounds} rounds"
    )
    for name, seconds, conns in (
        ("hook (one session, keep-alive)", hook_time, hook_conns),
        ("new connection per call", fresh_time, fresh_conns),
    ):
        print(
            f"  {name:<32} {seconds:7.3f} s  {args.calls / seconds:8.0f} req/s  "
            f"{seconds / args.calls * 1000:6.3f} ms/call  {conns:5d} TCP connections"
        )
    print(f"  new-connection time / hook time: {fresh_time / hook_time:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
