"""Start a real, throw-away Airflow (scheduler, triggerer, DAG processor, API server).

Used by the end-to-end tests and by ``run_main_job.py``. Standard library plus ``requests``
only, so it also runs on a fresh machine. Every component runs in its own process group
with its own log file under ``AIRFLOW_HOME/component-logs``; :meth:`AirflowStack.stop`
ends the groups (and any stray descendants) and removes the home it created.

Typical use::

    with AirflowStack(dag_files=[path], env={"AIRFLOW_CONN_HEX_DEFAULT": conn}) as stack:
        stack.unpause("my_dag")
        run_id = stack.trigger("my_dag")
        stack.wait_for_run("my_dag", run_id)
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import requests

COMPONENTS = ("scheduler", "triggerer", "dag-processor", "api-server")
TERMINAL_RUN_STATES = frozenset({"success", "failed"})
RESERVED_PORTS = frozenset({8080, 8793, 8794})
#: The task log line that opens each stint of a task on a worker.
STINT_START = "::group::Pre Execute"


def free_port() -> int:
    """Return a loopback TCP port that is free right now (never one Airflow reserves)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in RESERVED_PORTS:
            return port


class AirflowStackError(RuntimeError):
    """Raised when the stack does not come up or a wait runs out of time."""


class AirflowStack:
    """A real Airflow installation in a temporary ``AIRFLOW_HOME`` on SQLite.

    ``dag_files`` are copied into a fresh DAGs folder. ``env`` adds variables (connections,
    config) for every component. ``airflow_bin`` defaults to the ``airflow`` next to the
    running interpreter, whose folder is also put first on ``PATH``.
    """

    def __init__(
        self,
        dag_files: Iterable[Path],
        env: Mapping[str, str] | None = None,
        *,
        airflow_bin: Path | None = None,
        port: int | None = None,
        home: Path | None = None,
    ) -> None:
        self._own_home = home is None
        self.home = Path(home or tempfile.mkdtemp(prefix="hex-e2e-airflow-"))
        self.dags_folder = self.home / "dags"
        self.log_dir = self.home / "component-logs"
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        bin_dir = Path(sys.executable).parent
        self.airflow_bin = airflow_bin or bin_dir / "airflow"
        self._dag_files = [Path(p) for p in dag_files]
        self._extra_env = dict(env or {})
        self._procs: dict[str, subprocess.Popen[bytes]] = {}
        self._token: str | None = None
        # One secret for every component, restarted ones included: they verify each other's JWTs.
        self._jwt_secret = secrets.token_urlsafe(32)
        self.session = requests.Session()

    # ------------------------------------------------------------------ set-up
    def environment(self) -> dict[str, str]:
        """Return the environment every Airflow component of this stack runs with."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
        bin_dir = str(self.airflow_bin.parent)
        env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
        env.update(
            {
                "AIRFLOW_HOME": str(self.home),
                "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags_folder),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
                "AIRFLOW__CORE__PARALLELISM": "4",
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{self.home / 'airflow.db'}",
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__API__PORT": str(self.port),
                "AIRFLOW__API__WORKERS": "1",
                "AIRFLOW__API__BASE_URL": self.base_url,
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.base_url}/execution/",
                "AIRFLOW__API_AUTH__JWT_SECRET": self._jwt_secret,
                # Airflow 3.0 signs iss=None unless set; newer PyJWT releases refuse it.
                "AIRFLOW__API_AUTH__JWT_ISSUER": "hex-provider-e2e",
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
                "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
                "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
                "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self._extra_env)
        return env

    def _airflow(self, *args: str, timeout: float = 120) -> None:
        result = subprocess.run(
            [str(self.airflow_bin), *args],
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise AirflowStackError(
                f"airflow {' '.join(args)} failed ({result.returncode}):\n{result.stderr[-3000:]}"
            )

    def start(self, timeout: float = 180.0) -> AirflowStack:
        """Migrate the DB, start the four components and wait until all report healthy."""
        self.dags_folder.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for path in self._dag_files:
            shutil.copy(path, self.dags_folder / path.name)
        self._airflow("db", "migrate")
        for name in COMPONENTS:
            self.start_component(name)
        self.wait_until(self._healthy, timeout, "Airflow components to report healthy")
        return self

    def start_component(self, name: str) -> None:
        """Start one component (``triggerer``...), its output appended to its log."""
        with (self.log_dir / f"{name}.log").open("ab") as log:
            self._procs[name] = subprocess.Popen(
                [str(self.airflow_bin), name],
                env=self.environment(),
                cwd=self.home,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def kill_component(self, name: str) -> None:
        """End one component and its children with SIGKILL, as a crash or OOM kill would."""
        proc = self._procs.pop(name)
        descendants = _descendants([proc.pid])
        _signal_group(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        for child in descendants:
            _kill(child)

    def _healthy(self) -> bool:
        self._check_alive()
        try:
            answer = self.session.get(f"{self.base_url}/api/v2/monitor/health", timeout=5)
        except requests.RequestException:
            return False
        if answer.status_code != 200:
            return False
        health = answer.json()
        parts = ["metadatabase", "scheduler", "triggerer"]
        if health.get("dag_processor") is not None:  # reported from Airflow 3.1 on
            parts.append("dag_processor")
        return all((health.get(part) or {}).get("status") == "healthy" for part in parts)

    def _check_alive(self) -> None:
        for name, proc in self._procs.items():
            if proc.poll() is not None:
                raise AirflowStackError(
                    f"airflow {name} exited with {proc.returncode}:\n{self.log_tail(name)}"
                )

    # --------------------------------------------------------------- tear-down
    def stop(self) -> None:
        """End every component (and its children) and delete a home this stack created."""
        procs, self._procs = self._procs, {}
        descendants = _descendants([p.pid for p in procs.values()])
        for proc in procs.values():
            _signal_group(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        for proc in procs.values():
            _signal_group(proc.pid, signal.SIGKILL)
        for child in descendants:
            _kill(child)
        self.session.close()
        if self._own_home:
            shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self) -> AirflowStack:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def log_tail(self, name: str, lines: int = 40) -> str:
        """Return the last ``lines`` lines a component wrote (for error messages)."""
        path = self.log_dir / f"{name}.log"
        if not path.exists():
            return ""
        text = path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    # -------------------------------------------------------------- REST API
    def token(self) -> str:
        """Return a REST API token for the simple auth manager's generated admin user."""
        if self._token is None:
            path = self.home / "simple_auth_manager_passwords.json.generated"
            passwords = json.loads(path.read_text())
            username, password = next(iter(passwords.items()))
            answer = self.session.post(
                f"{self.base_url}/auth/token",
                json={"username": username, "password": password},
                timeout=30,
            )
            answer.raise_for_status()
            self._token = str(answer.json()["access_token"])
        return self._token

    def api(self, method: str, path: str, body: Any = None, ok: Iterable[int] = (200,)) -> Any:
        """Call ``/api/v2`` + ``path``; return the JSON answer, raise on an unexpected status."""
        answer = self.session.request(
            method,
            f"{self.base_url}/api/v2{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.token()}"},
            timeout=30,
        )
        if answer.status_code not in set(ok):
            raise AirflowStackError(
                f"{method} {path} answered {answer.status_code}: {answer.text[:2000]}"
            )
        return answer.json() if answer.content else None

    def wait_for_dag(self, dag_id: str, timeout: float = 90.0) -> None:
        """Wait until the DAG processor has parsed and stored ``dag_id``."""

        def parsed() -> bool:
            self._check_alive()
            return self.api("GET", f"/dags/{dag_id}", ok=(200, 404)).get("dag_id") == dag_id

        try:
            self.wait_until(parsed, timeout, f"DAG {dag_id} to be parsed")
        except AirflowStackError:
            errors = self.api("GET", "/importErrors")
            raise AirflowStackError(f"DAG {dag_id} not parsed; import errors: {errors}") from None

    def unpause(self, dag_id: str) -> None:
        """Unpause a DAG."""
        self.api("PATCH", f"/dags/{dag_id}", {"is_paused": False})

    def trigger(self, dag_id: str, conf: Mapping[str, Any] | None = None) -> str:
        """Trigger a DAG run now and return its ``dag_run_id``."""
        body = {"logical_date": None, "conf": dict(conf or {})}
        return str(self.api("POST", f"/dags/{dag_id}/dagRuns", body)["dag_run_id"])

    def dag_run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        """Return a DAG run as the REST API shows it."""
        return dict(self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}"))

    def task_instance(self, dag_id: str, run_id: str, task_id: str) -> dict[str, Any]:
        """Return a task instance as the REST API shows it."""
        path = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}"
        return dict(self.api("GET", path))

    def xcom(self, dag_id: str, run_id: str, task_id: str, key: str = "return_value") -> Any:
        """Return one XCom value of a task instance."""
        path = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/{key}"
        return self.api("GET", path)["value"]

    def worker_stints(
        self, dag_id: str, run_id: str, task_id: str, try_number: int = 1
    ) -> list[tuple[datetime, datetime]]:
        """Return (first, last) log timestamps of each time a task ran on a worker.

        Read from the task's log file: a stint starts at "Pre Execute"; a deferrable task
        has two (start the work and defer; resume and finish), a waiting one has one.
        """
        path = (
            self.home / "logs" / f"dag_id={dag_id}" / f"run_id={run_id}" / f"task_id={task_id}"
        ) / f"attempt={try_number}.log"
        stints: list[list[datetime]] = []
        for line in path.read_text().splitlines():
            try:
                entry = json.loads(line)
                at = datetime.fromisoformat(entry["timestamp"].replace("Z", "+00:00"))
            except (ValueError, KeyError, TypeError):
                continue
            if entry.get("event") == STINT_START or not stints:
                stints.append([at, at])
            stints[-1][1] = at
        return [(first, last) for first, last in stints]

    def set_task_state(self, dag_id: str, run_id: str, task_id: str, state: str) -> None:
        """Mark a task instance ``failed``/``success`` the way a user does in the UI."""
        path = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}"
        self.api("PATCH", path, {"new_state": state})

    def wait_for_task_state(
        self, dag_id: str, run_id: str, task_id: str, states: Iterable[str], timeout: float = 120
    ) -> dict[str, Any]:
        """Wait until a task instance is in one of ``states``; return it."""
        wanted = set(states)
        seen: dict[str, Any] = {}

        def reached() -> bool:
            self._check_alive()
            seen.update(self.task_instance(dag_id, run_id, task_id))
            return seen.get("state") in wanted

        self.wait_until(reached, timeout, f"{task_id} to be one of {sorted(wanted)}")
        return seen

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 180) -> str:
        """Wait until a DAG run ends; return its final state."""
        state: dict[str, str] = {}

        def ended() -> bool:
            self._check_alive()
            state["state"] = self.dag_run(dag_id, run_id)["state"]
            return state["state"] in TERMINAL_RUN_STATES

        self.wait_until(ended, timeout, f"DAG run {run_id} to end")
        return state["state"]

    def wait_until(
        self, predicate: Callable[[], bool], timeout: float, what: str, every: float = 0.5
    ) -> None:
        """Poll ``predicate`` until it is true; raise :class:`AirflowStackError` on timeout."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                tails = "\n".join(f"--- {n}\n{self.log_tail(n, 15)}" for n in self._procs)
                raise AirflowStackError(
                    f"timed out after {timeout:.0f}s waiting for {what}\n{tails}"
                )
            time.sleep(every)


def _descendants(pids: Iterable[int]) -> list[Any]:
    """Return psutil handles of every descendant (so a stray child that left the group is
    still ended, and a recycled pid is never hit: psutil checks the creation time)."""
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil comes with Airflow
        return []
    found: list[Any] = []
    for pid in pids:
        try:
            found.extend(psutil.Process(pid).children(recursive=True))
        except psutil.Error:
            continue
    return found


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def _kill(process: Any) -> None:
    try:
        if process.is_running():
            process.kill()
    except Exception:  # psutil.Error: it is gone already
        pass
