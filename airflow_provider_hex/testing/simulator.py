"""``HexSimulator``: a stateful fake of the Hex API served over HTTP on a loopback port."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from types import TracebackType
from typing import Any
from urllib.parse import quote

from . import demo
from .app import App
from .catalog import SemanticProject
from .clock import SimClock
from .faults import Fault
from .limits import RateLimits
from .models import RunScript
from .recorder import RecordedRequest
from .server import SimHTTPServer, require_loopback
from .state import Workspace, new_id

DEFAULT_TOKEN = "hxtp_simulator_token"


class HexSimulator:
    """A fake Hex workspace behind a real HTTP server (the API lives under ``url + "/api/v1"``).

    ``time_scale`` speeds up simulated time (runs and rate-limit windows alike); 0 freezes
    it so only :meth:`advance` moves it. ``rate_limits`` is False (off), True (Hex's
    defaults) or a :class:`RateLimits`. The 25-kernel limit is always on
    (``max_active_runs``). Use it as a context manager or call :meth:`start`/:meth:`stop`.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        port: int = 0,
        time_scale: float = 1.0,
        rate_limits: bool | RateLimits = False,
        seed_demo: bool = True,
        *,
        host: str = "127.0.0.1",
        verbose: bool = False,
        max_active_runs: int = 25,
    ) -> None:
        self._host = require_loopback(host)
        self._requested_port = port
        self.clock = SimClock(time_scale)
        limits = RateLimits() if rate_limits is True else (rate_limits or None)
        self._app = App(token, self.clock, limits, verbose)
        self._app.ws.max_active_runs = max_active_runs
        if seed_demo:
            demo.seed(self._app.ws)
        self._server: SimHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --------------------------------------------------------------- lifecycle
    def start(self) -> HexSimulator:
        """Bind the port and serve in a background thread."""
        if self._server is not None:
            return self
        self._server = SimHTTPServer(self._host, self._requested_port, self._app)
        self._app.ws.base_url = self.url
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="hex-simulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every client connection."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> HexSimulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --------------------------------------------------------------- addresses
    @property
    def host(self) -> str:
        """The bound loopback address."""
        return self._host

    @property
    def port(self) -> int:
        """The bound port (only after :meth:`start`)."""
        if self._server is None:
            raise RuntimeError("the simulator is not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Base URL such as ``http://127.0.0.1:8765`` (the API is under ``/api/v1``)."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}"

    @property
    def time_scale(self) -> float:
        """Simulated seconds per real second (0: the clock only moves on :meth:`advance`)."""
        return self.clock.time_scale

    @property
    def token(self) -> str:
        """The API token the simulator accepts."""
        return self._app.ws.token

    def airflow_connection_uri(self, conn_type: str = "hex") -> str:
        """An Airflow connection URI whose host is ``url`` and whose password is the token."""
        return f"{conn_type}://:{quote(self.token, safe='')}@{quote(self.url, safe='')}"

    def airflow_connection_json(self, conn_type: str = "hex") -> str:
        """The connection as JSON, usable as ``AIRFLOW_CONN_HEX_DEFAULT``."""
        return json.dumps({"conn_type": conn_type, "host": self.url, "password": self.token})

    # ------------------------------------------------------------------ setup
    def add_project(
        self,
        title: str,
        project_id: str | None = None,
        published: bool = True,
        scripts: Iterable[RunScript | dict[str, Any]] | None = None,
        input_params: dict[str, str] | None = None,
        **extra: Any,
    ) -> str:
        """Add a project and return its id.

        ``scripts`` are used in order for successive runs, the last one repeating.
        ``input_params`` maps names to ``string``/``number``/``boolean``; None accepts any.
        ``extra`` may hold ``description``, ``status``, ``categories`` and ``archived``.
        """
        return self._app.add_project(title, project_id, published, scripts, input_params, **extra)

    def add_data_connection(
        self,
        name: str,
        conn_type: str = "snowflake",
        details: dict[str, Any] | None = None,
        *,
        tables: Iterable[str] = (),
        description: str | None = None,
        connection_id: str | None = None,
    ) -> str:
        """Add a data connection and return its id.

        ``tables`` are its tables by qualified name (``db.schema.table``, or
        ``schema.table`` for a warehouse without databases); their databases and schemas
        are added too, all without a status, for UpdateDataConnectionSchema to act on.
        """
        with self._app.lock:
            if connection_id is not None:
                connection_id = connection_id.lower()
            conn = self._app.ws.add_data_connection(
                name,
                conn_type,
                dict(details or {}),
                description=description,
                connection_id=connection_id,
            )
            schema = self._app.ws.catalog.schema(conn.id)
            for table in tables:
                schema.add_table(table)
            return conn.id

    def set_queried_tables(self, project_id: str, tables: Iterable[tuple[str, str]]) -> None:
        """Declare the tables a project queries, as ``(data connection id, table name)``.

        GetQueriedTables answers these (with the connection's name) for a published
        project. The connections must exist (:meth:`add_data_connection`).
        """
        with self._app.lock:
            project = self._app.ws.project(project_id)
            entries = [(conn_id.lower(), table) for conn_id, table in tables]
            unknown = [c for c, _ in entries if c not in self._app.ws.data_connections]
            if unknown:
                raise ValueError(f"unknown data connection(s): {', '.join(unknown)}")
            self._app.ws.catalog.queried_tables[project.id] = entries

    def add_semantic_project(
        self,
        name: str,
        *,
        datasets: Iterable[str] = (),
        views: Iterable[str] = (),
        semantic_project_id: str | None = None,
    ) -> str:
        """Add a semantic project with the given datasets and views; return its id."""
        project = SemanticProject(
            (semantic_project_id or new_id()).lower(),
            name,
            datasets=dict.fromkeys(datasets),
            views=dict.fromkeys(views),
        )
        with self._app.lock:
            self._app.ws.catalog.semantic_projects[project.id] = project
        return project.id

    def disable_operation(self, operation: str) -> None:
        """Answer 403 to a Hex operation, as a workspace without it would (e.g. ExportProject).

        Works for the operations Hex offers only to some workspaces: ExportProject,
        GetQueriedTables, IngestSemanticProject, UpdateSemanticProject.
        """
        with self._app.lock:
            self._app.ws.catalog.disabled_operations.add(operation)

    def enable_operation(self, operation: str) -> None:
        """Undo :meth:`disable_operation`."""
        with self._app.lock:
            self._app.ws.catalog.disabled_operations.discard(operation)

    def add_fault(self, fault: Fault) -> None:
        """Queue a fault for the next matching request(s)."""
        self._app.faults.add(fault)

    def clear_faults(self) -> None:
        """Drop faults that have not fired yet."""
        self._app.faults.clear()

    @property
    def rate_limits(self) -> RateLimits | None:
        """The active rate limits, or None when rate limiting is off."""
        return self._app.rate_limits

    @rate_limits.setter
    def rate_limits(self, limits: RateLimits | None) -> None:
        self._app.rate_limits = limits
        self._app.limiter.limits = limits or RateLimits()
        self._app.limiter.reset()

    # ------------------------------------------------------------ observation
    @property
    def requests(self) -> list[RecordedRequest]:
        """Every API request received, in order (control-API calls excluded)."""
        return self._app.log.snapshot()

    def clear_requests(self) -> None:
        """Forget the recorded requests."""
        self._app.log.clear()

    def count(self, method: str | None, path_regex: str) -> int:
        """Count recorded requests by method (None: any) and a regex searched in the path."""
        return self._app.log.count(method, path_regex)

    @property
    def stats(self) -> dict[str, int]:
        """Counters: requests, rate_limited, kernel_limited, runs_started, faults_fired,
        connections, active_runs."""
        return self._app.stats()

    def reset(self) -> None:
        """Clear the request log, the counters and the rate-limit windows."""
        self._app.reset()

    def advance(self, seconds: float) -> None:
        """Move the simulated clock forward."""
        self.clock.advance(seconds)

    @property
    def state(self) -> Workspace:
        """The in-memory workspace (hold :attr:`lock` while changing it)."""
        return self._app.ws

    @property
    def lock(self) -> threading.RLock:
        """The lock request handlers hold while they touch :attr:`state`."""
        return self._app.lock

    def run_status(self, run_id: str) -> str:
        """Return a run's current status (KeyError for an unknown run)."""
        with self._app.lock:
            return self._app.ws.runs[run_id.lower()].status(self.clock.now())
