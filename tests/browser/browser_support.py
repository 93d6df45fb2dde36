"""A throw-away Airflow API server (UI included) for the browser tests.

Migrates a SQLite metadata DB in a temporary ``AIRFLOW_HOME``, starts ``airflow
api-server`` on a free loopback port with the simple auth manager and a known admin
password, and ``[core] test_connection = Enabled``. ``dags_test`` runs a DAG of its DAGs
folder with ``airflow dags test`` in the same home, so the UI shows a task that ran.
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
from collections.abc import Mapping
from pathlib import Path

import requests

ADMIN = "admin"
_RESERVED_PORTS = {8080, 8793, 8794}


def free_port() -> int:
    """Return a free loopback TCP port that Airflow does not use for itself."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in _RESERVED_PORTS:
            return port


class AirflowUI:
    """An Airflow API server in its own temporary home; use as a context manager."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="hex-browser-airflow-"))
        self.dags_folder = self.home / "dags"
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.password = secrets.token_urlsafe(12)
        self.airflow = Path(sys.executable).parent / "airflow"
        self._extra_env = dict(env or {})
        self._server: subprocess.Popen[bytes] | None = None

    def environment(self) -> dict[str, str]:
        """Return the environment of every Airflow command of this home."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
        env["PATH"] = f"{self.airflow.parent}{os.pathsep}{env.get('PATH', '')}"
        passwords = self.home / "simple_auth_manager_passwords.json"
        env.update(
            {
                "AIRFLOW_HOME": str(self.home),
                "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags_folder),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN}:admin",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{self.home / 'airflow.db'}",
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__API__PORT": str(self.port),
                "AIRFLOW__API__WORKERS": "1",
                "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self._extra_env)
        return env

    def run(self, *args: str, timeout: float = 180) -> str:
        """Run an ``airflow`` command in this home; return its output, raise if it failed."""
        result = subprocess.run(
            [str(self.airflow), *args],
            env=self.environment(),
            cwd=self.home,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            output = (result.stdout + result.stderr)[-4000:]
            raise RuntimeError(f"airflow {' '.join(args)} failed ({result.returncode}):\n{output}")
        return result.stdout + result.stderr

    def start(self, timeout: float = 120) -> AirflowUI:
        """Migrate the DB, start the API server and wait until it answers."""
        self.dags_folder.mkdir(parents=True, exist_ok=True)
        passwords = self.home / "simple_auth_manager_passwords.json"
        passwords.write_text(json.dumps({ADMIN: self.password}))
        self.run("db", "migrate")
        with (self.home / "api-server.log").open("wb") as log:
            self._server = subprocess.Popen(
                [str(self.airflow), "api-server"],
                env=self.environment(),
                cwd=self.home,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while not self._healthy():
            if self._server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the API server did not come up:\n{self.log_tail()}")
            time.sleep(0.5)
        return self

    def _healthy(self) -> bool:
        try:
            answer = requests.get(f"{self.base_url}/api/v2/monitor/health", timeout=5)
        except requests.RequestException:
            return False
        return answer.status_code == 200

    def log_tail(self, lines: int = 40) -> str:
        """Return the end of the API server's log."""
        path = self.home / "api-server.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def token(self) -> str:
        """Return a REST API token for the admin."""
        answer = requests.post(
            f"{self.base_url}/auth/token",
            json={"username": ADMIN, "password": self.password},
            timeout=30,
        )
        answer.raise_for_status()
        return str(answer.json()["access_token"])

    def api(self, path: str) -> object:
        """GET ``/api/v2`` + ``path`` as the admin; return the JSON answer."""
        answer = requests.get(
            f"{self.base_url}/api/v2{path}",
            headers={"Authorization": f"Bearer {self.token()}"},
            timeout=30,
        )
        answer.raise_for_status()
        return answer.json()

    def stop(self) -> None:
        """End the API server (its whole process group) and delete the home."""
        server, self._server = self._server, None
        if server is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=10)
        shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self) -> AirflowUI:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
