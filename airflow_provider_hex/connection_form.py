"""The fields of a Hex connection, as data: shared by provider info and the hook.

Kept free of Airflow imports, because Airflow reads provider info while it is still
starting up.
"""

from __future__ import annotations

from typing import Any

DEFAULT_HOST = "https://app.hex.tech"

#: How the connection form shows Hex's fields (used by provider info and by the hook).
HIDDEN_FIELDS = ["login", "schema", "port"]
RELABELING = {"password": "API token", "host": "Hex host"}
PLACEHOLDERS = {
    "host": DEFAULT_HOST,
    "password": "hxtp_... (personal) or hxtw_... (workspace token)",
}

#: Extra fields of a Hex connection: name -> (type, default, description).
EXTRA_FIELDS: dict[str, tuple[type, Any, str]] = {
    "request_timeout": (float, 60.0, "Seconds to wait for Hex to answer a request."),
    "connect_timeout": (float, 10.0, "Seconds to wait for a connection to Hex."),
    "max_retries": (int, 5, "How often to retry a request that is safe to repeat."),
    "retry_backoff": (float, 1.0, "First retry wait in seconds; doubles on each retry."),
    "max_retry_wait": (float, 120.0, "Longest single wait for Retry-After, in seconds."),
    "requests_per_minute": (float, 60.0, "Hex's request limit per token and minute."),
    "status_reads_per_minute": (float, 30.0, "Hex's limit on run-status reads per minute."),
    "run_starts_per_minute": (float, 20.0, "Hex's limit on run starts per minute."),
    "rate_budget": (bool, True, "Pace requests to stay inside Hex's rate limits."),
    "rate_budget_url": (
        str,
        "",
        "Keep the request budget in Redis, shared by every worker and triggerer on this "
        "token: redis://[:password@]host:6379/0, rediss://... for TLS, or an Airflow "
        "connection id. Empty: each process keeps its own.",
    ),
    "rate_budget_share": (
        float,
        1.0,
        "Part of Hex's limits this process may use without Redis (0 < share <= 1), e.g. "
        "0.5 for each of two triggerers; also used while Redis is unreachable.",
    ),
}
