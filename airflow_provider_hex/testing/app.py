"""The request pipeline: record, inject faults, route, authenticate, rate-limit, handle."""

from __future__ import annotations

import json
import threading
import time
import traceback
import uuid
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from . import control
from .clock import SimClock, format_retry_after
from .errors import ApiError, ErrorStyle, error_body, render_error
from .faults import STATUS_KINDS, Fault, FaultQueue
from .limits import RateLimiter, RateLimits
from .models import RunScript
from .multipart import is_multipart, parse_form
from .recorder import RecordedRequest, RequestLog, redact_headers
from .router import Request, Response, Route
from .routes import build_router
from .state import Workspace

HTML_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)
STAT_KEYS = (
    "requests",
    "rate_limited",
    "kernel_limited",
    "runs_started",
    "faults_fired",
    "connections",
)


class App:
    """Everything behind the HTTP server; the server only parses and writes bytes."""

    def __init__(
        self, token: str, clock: SimClock, rate_limits: RateLimits | None, verbose: bool = False
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.ws = Workspace(clock, token)
        self.router = build_router()
        self.log = RequestLog()
        self.faults = FaultQueue()
        self.rate_limits = rate_limits
        self.limiter = RateLimiter(rate_limits or RateLimits())
        self.verbose = verbose

    # ---------------------------------------------------------------- helpers
    def bump(self, key: str) -> None:
        """Increment a statistics counter."""
        with self.lock:
            self.ws.counters[key] += 1

    def stats(self) -> dict[str, int]:
        """Counters plus the number of runs holding a kernel right now."""
        with self.lock:
            result = {key: self.ws.counters.get(key, 0) for key in STAT_KEYS}
            result.update(self.ws.counters)
            result["active_runs"] = len(self.ws.active_runs())
            return result

    def reset(self) -> None:
        """Clear the request log, the counters and the rate-limit windows."""
        with self.lock:
            self.log.clear()
            self.ws.counters.clear()
            self.limiter.reset()

    def add_project(
        self,
        title: str,
        project_id: str | None = None,
        published: bool = True,
        scripts: Iterable[RunScript | dict[str, Any]] | None = None,
        input_params: dict[str, str] | None = None,
        **extra: Any,
    ) -> str:
        """Add a project (scripts may be RunScript objects or their field dicts)."""
        parsed = [s if isinstance(s, RunScript) else RunScript(**s) for s in scripts or []]
        with self.lock:
            project = self.ws.add_project(
                title, project_id, published, parsed or None, input_params, **extra
            )
            return project.id

    # --------------------------------------------------------------- pipeline
    def handle(
        self, method: str, target: str, headers: dict[str, str], raw_body: bytes, connection: int
    ) -> Response | None:
        """Answer one HTTP request; None means: close the connection without answering."""
        parts = urlsplit(target)
        path, query = parts.path, parse_qs(parts.query, keep_blank_values=True)
        if control.is_control_path(path):
            return control.handle(self, method, path, query, raw_body)
        trace_id = str(uuid.uuid4())
        body, body_ok = _parse_body(raw_body, _content_type(headers))
        record = RecordedRequest(
            method,
            path,
            query,
            body,
            redact_headers(headers),
            connection=connection,
            at=self.clock.now(),
        )
        self.log.append(record)
        self.bump("requests")
        route, params, known = self.router.match(method, path)
        style = route.style if route else ErrorStyle.CODE
        fault = self.faults.take(method, path)
        if fault is not None:
            self.bump("faults_fired")
            early = self._fault_response(fault, style, trace_id)
            if early is not None or fault.kind == "reset":
                record.status = early.status if early else None
                return early
        request = Request(method, path, query, body, headers, trace_id, params)
        response = self._process(route, known, request, body_ok)
        response.headers.setdefault("x-trace-id", trace_id)
        record.status = response.status
        if fault is not None and fault.kind == "reset_after_commit":
            record.status = None
            return None
        return response

    def _fault_response(self, fault: Fault, style: ErrorStyle, trace_id: str) -> Response | None:
        if fault.kind == "slow":
            time.sleep(1.0 if fault.delay is None else fault.delay)
            return None
        if fault.kind in STATUS_KINDS:
            status = int(fault.kind)
            headers = {"x-trace-id": trace_id}
            if fault.retry_after is not None:
                value = fault.retry_after
                headers["Retry-After"] = (
                    str(int(value)) if float(value).is_integer() else str(value)
                )
            message = f"Simulated {status} fault"
            return Response(status, error_body(style, status, trace_id, message), headers)
        if fault.kind == "html":
            return Response(502, raw=HTML_502, content_type="text/html")
        if fault.kind == "malformed":
            return Response(200, raw=b'{"projectId": "5a8591dd-4039-49df-9202-96385ba3eff8", "run')
        return None

    def _authorized(self, request: Request) -> bool:
        header = request.header("Authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or token.strip() != self.ws.token:
            return False
        owner = self.ws.users.get(self.ws.token_user_id)
        return owner is None or not owner.deactivated

    def _process(
        self, route: Route | None, known: bool, request: Request, body_ok: bool
    ) -> Response:
        trace = request.trace_id
        if route is None:
            status = 405 if known else 404
            message = (
                "Method not allowed" if known else f"No route for {request.method} {request.path}"
            )
            return Response(status, error_body(ErrorStyle.CODE, status, trace, message))
        if not self._authorized(request):
            return Response(401, error_body(ErrorStyle.CODE, 401, trace))
        if not body_ok:
            return Response(
                400, error_body(route.style, 400, trace, "Request body is not valid JSON")
            )
        if self.rate_limits is not None:
            wait = self.limiter.check(self.ws.token, route.groups, self.clock.now())
            if wait is not None:
                self.bump("rate_limited")
                retry = format_retry_after(self.clock.to_real_seconds(wait), self.clock.time_scale)
                body = error_body(route.style, 429, trace, "Rate limit exceeded")
                return Response(429, body, {"Retry-After": retry})
        try:
            with self.lock:
                return route.handler(self.ws, request)
        except ApiError as error:
            return Response(
                error.status, render_error(route.style, error, trace), dict(error.headers)
            )
        except Exception:  # a simulator bug: answer like Hex would, and say so when verbose
            if self.verbose:
                traceback.print_exc()
            return Response(500, error_body(route.style, 500, trace))


def _content_type(headers: dict[str, str]) -> str:
    return next((v for k, v in headers.items() if k.lower() == "content-type"), "")


def _parse_body(raw: bytes, content_type: str = "") -> tuple[Any, bool]:
    """Return (parsed JSON | form | None | raw text, whether the body was acceptable)."""
    if not raw.strip():
        return None, True
    if is_multipart(content_type):
        form = parse_form(raw, content_type)
        return form, form is not None
    text = raw.decode("utf-8", errors="replace")
    try:
        return json.loads(text), True
    except ValueError:
        return text, False
