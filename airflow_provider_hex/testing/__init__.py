"""A stateful Hex API simulator for tests, demos and benchmarks (standard library only).

Production code never imports this package. Typical use::

    from airflow_provider_hex.testing import HexSimulator, RunScript, Fault

    with HexSimulator() as sim:
        project_id = sim.add_project("Nightly", scripts=[RunScript(1, 5, "COMPLETED")])
        ...  # point a client at sim.url + "/api/v1" with sim.token

Demo ids live in :mod:`airflow_provider_hex.testing.demo`.
"""

from __future__ import annotations

from .faults import Fault
from .limits import RateLimits
from .models import RunScript
from .recorder import RecordedRequest
from .simulator import HexSimulator

__all__ = ["Fault", "HexSimulator", "RateLimits", "RecordedRequest", "RunScript"]
