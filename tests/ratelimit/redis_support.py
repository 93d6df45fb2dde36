"""A real ``redis-server`` for the budget tests: started on a free loopback port in a temp dir.

Tests skip with a reason when the binary is missing, except under ``CI``, where a missing
``redis-server`` fails them (``tests/ratelimit/setup_redis.sh`` installs it).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest


def redis_binary() -> str:
    """Path of ``redis-server``; skip (or fail under CI) when it is not installed."""
    found = shutil.which("redis-server")
    if found is None:
        reason = (
            "redis-server is not installed; run tests/ratelimit/setup_redis.sh "
            "(Debian's redis-server package)"
        )
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """One ``redis-server`` process on loopback, without persistence; can stop and restart."""

    def __init__(self, *, password: str | None = None) -> None:
        self.binary = redis_binary()
        self.port = free_port()
        self.password = password
        self.dir = Path(tempfile.mkdtemp(prefix="hex-redis-"))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """``redis://[:password@]127.0.0.1:<port>/0``."""
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        """Start the server and wait until it answers PING."""
        args = [
            self.binary,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.dir),
            "--save", "",
            "--appendonly", "no",
            "--enable-debug-command", "local",
        ]  # fmt: skip
        if self.password:
            args += ["--requirepass", self.password]
        self.process = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.dir
        )
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        import redis

        client = redis.Redis.from_url(self.url, socket_timeout=1.0)
        deadline = time.monotonic() + 10.0
        try:
            while True:
                try:
                    if client.ping():
                        return
                except redis.RedisError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
        finally:
            client.close()

    def stop(self) -> None:
        """Stop the server (its data goes with it)."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def client(self) -> Any:
        """A sync client of this server."""
        import redis

        return redis.Redis.from_url(self.url)

    def cleanup(self) -> None:
        """Stop the server and remove its folder."""
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
