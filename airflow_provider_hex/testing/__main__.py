"""Run the simulator until Ctrl-C or SIGTERM: ``python -m airflow_provider_hex.testing``.

Options may also come from ``HEX_SIM_HOST``, ``HEX_SIM_PORT``, ``HEX_SIM_TOKEN``,
``HEX_SIM_TIME_SCALE``, ``HEX_SIM_RATE_LIMITS`` (1/true) and ``HEX_SIM_VERBOSE``.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from types import FrameType

from . import demo
from .simulator import DEFAULT_TOKEN, HexSimulator


def _flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in ("1", "true", "yes", "on")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line (environment variables supply the defaults)."""
    parser = argparse.ArgumentParser(
        prog="python -m airflow_provider_hex.testing", description=__doc__
    )
    env = os.environ.get
    parser.add_argument("--host", default=env("HEX_SIM_HOST", "127.0.0.1"), help="loopback address")
    parser.add_argument("--port", type=int, default=int(env("HEX_SIM_PORT", "8765")))
    parser.add_argument("--token", default=env("HEX_SIM_TOKEN", DEFAULT_TOKEN))
    parser.add_argument(
        "--time-scale",
        type=float,
        default=float(env("HEX_SIM_TIME_SCALE", "1")),
        help="simulated seconds per real second",
    )
    parser.add_argument("--rate-limits", action="store_true", default=_flag("HEX_SIM_RATE_LIMITS"))
    parser.add_argument("--no-demo", action="store_true", help="start with an empty workspace")
    parser.add_argument("--verbose", action="store_true", default=_flag("HEX_SIM_VERBOSE"))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Start the simulator and block until interrupted."""
    args = parse_args(argv)
    try:
        sim = HexSimulator(
            token=args.token,
            port=args.port,
            time_scale=args.time_scale,
            rate_limits=args.rate_limits,
            seed_demo=not args.no_demo,
            host=args.host,
            verbose=args.verbose,
        )
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    with sim:
        conn = sim.airflow_connection_json()
        print(f"Hex simulator on {sim.url}/api/v1  export AIRFLOW_CONN_HEX_DEFAULT='{conn}'")
        if not args.no_demo:
            print(
                f"demo project: {demo.DEMO_PROJECT_ID}  fan-out: {' '.join(demo.DEMO_PROJECT_IDS)}"
            )
            print(
                f"erroring: {demo.ERRORING_PROJECT_ID}  slow: {demo.SLOW_PROJECT_ID}  "
                f"unpublished: {demo.UNPUBLISHED_PROJECT_ID}"
            )
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
