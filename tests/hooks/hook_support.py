"""Constants and small helpers shared by the hook tests (imported as ``hook_support``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from connections import hex_conn_json

if TYPE_CHECKING:
    from airflow_provider_hex.hooks.hex import HexHook

API = "https://app.hex.tech/api/v1"
PROJECT = "5a8591dd-4039-49df-9202-96385ba3eff8"
RUN = "78c33d18-170c-44d3-a227-b3194f134f73"
CELL = "497f6eca-6276-4993-bfeb-53cbbbba6f08"
GROUP = "d88cf4c0-73ed-4d77-9c23-98f4768519be"
USER = "5bb5804d-913c-48a0-89b3-12138da87cf9"
USER2 = "fdb5b5d6-a915-497f-bd2a-58a091244d2d"
COLLECTION = "d7721419-d7e8-4e08-a697-32d9a6dcd22a"
GUIDE = "216ba1a0-10f6-4816-b159-15b1860882ae"
RUN_URL = f"https://app.hex.tech/app/{PROJECT}/runs/{RUN}"

RUN_STARTED = {
    "projectId": PROJECT,
    "runId": RUN,
    "runUrl": RUN_URL,
    "runStatusUrl": f"{API}/projects/{PROJECT}/runs/{RUN}",
    "traceId": "trace-1",
    "projectVersion": 3,
}
PROJECT_RUN = {
    "projectId": PROJECT,
    "projectVersion": "3",
    "runId": RUN,
    "runUrl": RUN_URL,
    "status": "RUNNING",
    "runTrigger": "API",
    "startTime": "2026-01-01T00:00:00.000Z",
    "endTime": None,
    "elapsedTime": 1200.0,
    "traceId": "trace-2",
}


class Sleeps(list[float]):
    """Records the waits a transport asked for instead of sleeping (sync and async)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)

    async def asleep(self, seconds: float) -> None:
        """Async twin of ``__call__``."""
        self.append(seconds)


#: An ``AIRFLOW_CONN_*`` value for a Hex connection (the suite's one way to write it).
conn_json = hex_conn_json


@dataclass
class Case:
    """One hook call and the request it must send."""

    call: Callable[[HexHook], Any]
    method: str
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    body: Any = None
    status: int = 200
    answer: Any = None
    result: Any = None


def check_case(hook: HexHook, requests_mock: Any, case: Case) -> None:
    """Make the call of ``case`` against requests-mock; check the one request it sent (method,
    path, query, JSON body, headers) and the parsed result."""
    answer: dict[str, Any] = {"status_code": case.status}
    if case.answer is not None:
        answer["json"] = case.answer
    requests_mock.register_uri(case.method, API + case.path, **answer)

    result = case.call(hook)

    assert requests_mock.call_count == 1
    sent = requests_mock.last_request
    assert sent.method == case.method
    assert urlsplit(sent.url).path == "/api/v1" + case.path
    assert parse_qs(urlsplit(sent.url).query, keep_blank_values=True) == case.query
    if case.body is None:
        assert sent.body is None
        assert "Content-Type" not in sent.headers
    else:
        assert sent.headers["Content-Type"] == "application/json"
        assert sent.json() == case.body
    assert sent.headers["Accept"] == "application/json"
    assert sent.headers["User-Agent"].startswith("airflow-provider-hex/")
    assert result == case.result
