"""The HTTP/1.1 server: keep-alive connections, exact Content-Length, quiet by default."""

from __future__ import annotations

import contextlib
import ipaddress
import json
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .app import App
from .router import Response


def require_loopback(host: str) -> str:
    """Return ``host`` if it is a loopback address (or ``localhost``), else raise ValueError."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(
            f"{host!r} is not an IP address; the simulator binds loopback only"
        ) from None
    if not address.is_loopback:
        raise ValueError(
            f"refusing to bind {host}: the simulator listens on loopback addresses only"
        )
    return host


class _Handler(BaseHTTPRequestHandler):
    """Hands each request to the :class:`App` and writes its answer."""

    protocol_version = "HTTP/1.1"
    server_version = "HexSimulator/1.0"
    server: SimHTTPServer
    connection_id = 0

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm
        # and the client's delayed ACK would stall every keep-alive response by ~40 ms.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.connection_id = self.server.register(self.connection)

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self) -> None:
        body = self._read_body()
        headers = dict(self.headers.items())
        response = self.server.app.handle(
            self.command, self.path, headers, body, self.connection_id
        )
        if response is None:
            self._drop()
        else:
            self._send(response)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch

    def _drop(self) -> None:
        """Abort the connection (RST) without writing a response."""
        self.log_message('"%s" dropped without an answer (fault)', self.requestline)
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def _send(self, response: Response) -> None:
        if response.raw is not None:
            payload = response.raw
        elif response.body is not None:
            payload = json.dumps(response.body, separators=(",", ":")).encode()
        else:
            payload = b""
        self.send_response(response.status)
        if payload:
            self.send_header("Content-Type", response.content_type)
        if response.status not in (204, 304):
            self.send_header("Content-Length", str(len(payload)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if payload:
            self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.app.verbose:
            super().log_message(format, *args)


class SimHTTPServer(ThreadingHTTPServer):
    """A threading server that counts and can forcibly close its client connections."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # benchmarks open many short-lived connections at once

    def __init__(self, host: str, port: int, app: App) -> None:
        self.app = app
        self._conn_lock = threading.Lock()
        self._connections: dict[int, socket.socket] = {}
        self._next_id = 0
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), _Handler)

    def register(self, sock: socket.socket) -> int:
        """Remember a new client connection and count it."""
        with self._conn_lock:
            self._next_id += 1
            self._connections[self._next_id] = sock
            number = self._next_id
        self.app.bump("connections")
        return number

    def shutdown_request(self, request: Any) -> None:
        """Forget a connection the server is closing, then close it."""
        with self._conn_lock:
            for key, sock in list(self._connections.items()):
                if sock is request:
                    del self._connections[key]
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Shut down every open client connection (idle keep-alive ones included)."""
        with self._conn_lock:
            sockets = list(self._connections.values())
            self._connections.clear()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
