"""Settings of one Hex connection: where Hex is, the token, timeouts, retries and budget.

Read from an Airflow connection of type ``hex``: the host (``https://app.hex.tech`` when
empty; with or without scheme, with or without ``/api/v1``), the token from the password,
and the optional extra fields listed in :data:`EXTRA_FIELDS`.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import math
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from airflow_provider_hex.connection_form import DEFAULT_HOST, EXTRA_FIELDS
from airflow_provider_hex.exceptions import HexInvalidArgumentError

API_PREFIX = "/api/v1"

log = logging.getLogger(__name__)


#: Extras that must be above zero (a zero timeout or rate would make every call fail).
_POSITIVE = frozenset(
    {
        "request_timeout",
        "connect_timeout",
        "requests_per_minute",
        "status_reads_per_minute",
        "run_starts_per_minute",
        "rate_budget_share",
    }
)
#: Extras that may not exceed one (shares).
_AT_MOST_ONE = frozenset({"rate_budget_share"})
#: Prefix older Airflow connection forms put before a provider's extra field names.
_FORM_PREFIX = "extra__hex__"


def _is_loopback(hostname: str) -> bool:
    if hostname.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


def normalize_host(host: str | None, port: int | None = None) -> str:
    """Return the workspace's base URL (``https://app.hex.tech``) from a connection host.

    Accepts ``app.hex.tech``, ``https://eu.hex.tech/``, ``https://x.hex.tech/api/v1`` and the
    like. Refuses plain ``http://`` except to a loopback host, so the token never crosses a
    network unencrypted, and refuses credentials, queries or fragments in the host.
    """
    raw = (host or "").strip() or DEFAULT_HOST
    if "://" not in raw:
        raw = "https://" + raw
    parts = urlsplit(raw)
    if parts.username is not None or parts.password is not None:
        # Never echo the value: it holds a secret.
        raise HexInvalidArgumentError(
            "host", "<redacted>", "put the API token in the password, not in the host"
        )
    try:
        host_port = parts.port
    except ValueError:
        raise HexInvalidArgumentError("host", host, "the port is not a number") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise HexInvalidArgumentError("host", host, "expected a Hex host such as app.hex.tech")
    if parts.query or parts.fragment:
        raise HexInvalidArgumentError("host", host, "a host takes no query or fragment")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise HexInvalidArgumentError(
            "host", host, "plain http:// would send the API token unencrypted; use https://"
        )
    path = parts.path.rstrip("/")
    for suffix in (API_PREFIX, "/api"):
        if path.endswith(suffix):
            path = path[: -len(suffix)]
            break
    netloc = parts.netloc
    if port and host_port is None:
        netloc = f"{netloc}:{port}"
    return f"{parts.scheme}://{netloc}{path}"


def _store_url(value: Any) -> str:
    """Check ``rate_budget_url``: a redis:// or rediss:// URL, or an Airflow connection id."""
    text = str(value).strip()
    if "://" not in text:
        if not text.replace("_", "").replace("-", "").replace(".", "").isalnum():
            raise HexInvalidArgumentError(
                "extra.rate_budget_url",
                text,
                "expected redis://host:6379/0, rediss://... or an Airflow connection id",
            )
        return text
    parts = urlsplit(text)
    # The URL may hold the store's password: never echo it.
    shown = f"{parts.scheme}://{parts.hostname or ''}"
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise HexInvalidArgumentError(
            "extra.rate_budget_url", shown, "expected a redis:// or rediss:// URL with a host"
        )
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise HexInvalidArgumentError(
            "extra.rate_budget_url", shown, "the port is not a number"
        ) from None
    return text


def connection_extra(conn: Any) -> dict[str, Any]:
    """An Airflow connection's extra fields, parsed here from its JSON text.

    Not through ``extra_dejson``: on Airflow 3.0 that asks the supervisor to mask the extra
    synchronously, which raises inside a triggerer's event loop as soon as a connection has
    any extra field.
    """
    raw = getattr(conn, "extra", None)
    if isinstance(raw, dict):
        return raw
    if not isinstance(raw, str):
        return dict(getattr(conn, "extra_dejson", None) or {})
    try:
        extra = json.loads(raw) if raw.strip() else {}
    except ValueError:
        extra = None
    if not isinstance(extra, dict):
        where = (
            f"the connection {conn.conn_id!r}" if getattr(conn, "conn_id", None) else "a connection"
        )
        raise HexInvalidArgumentError(
            "extra", "<not shown>", f"the extra of {where} must be a JSON object"
        )
    return extra


def _coerce(name: str, kind: type, value: Any) -> Any:
    if kind is str:
        return _store_url(value)
    if kind is bool:
        if isinstance(value, bool):
            return value
        if str(value).strip().lower() in ("true", "1", "yes", "on"):
            return True
        if str(value).strip().lower() in ("false", "0", "no", "off"):
            return False
        raise HexInvalidArgumentError(f"extra.{name}", value, "expected true or false")
    try:
        number: float = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number):
        raise HexInvalidArgumentError(f"extra.{name}", value, f"expected a {kind.__name__}")
    if kind is int:
        if not number.is_integer():
            raise HexInvalidArgumentError(f"extra.{name}", value, "expected a whole number")
        number = int(number)
    if number < 0 or (number == 0 and name in _POSITIVE):
        limit = "above zero" if name in _POSITIVE else "zero or more"
        raise HexInvalidArgumentError(f"extra.{name}", value, f"must be {limit}")
    if number > 1 and name in _AT_MOST_ONE:
        raise HexInvalidArgumentError(f"extra.{name}", value, "must be at most 1")
    return number


def _token(password: str | None, conn_id: str | None) -> str:
    where = f"the Hex connection {conn_id!r}" if conn_id else "the Hex connection"
    token = (password or "").strip()
    if not token:
        raise HexInvalidArgumentError(
            "password", "", f"{where} has no API token; put the token in its password"
        )
    if not token.isascii() or any(c.isspace() or not c.isprintable() for c in token):
        raise HexInvalidArgumentError(
            "password",
            "<redacted>",
            f"the API token of {where} contains spaces, line breaks or non-ASCII characters",
        )
    return token


@dataclass(frozen=True)
class HexSettings:
    """Everything the transport needs from a Hex connection. The token is not in its repr."""

    base_url: str
    token: str = field(repr=False)
    request_timeout: float = 60.0
    connect_timeout: float = 10.0
    max_retries: int = 5
    retry_backoff: float = 1.0
    max_retry_wait: float = 120.0
    requests_per_minute: float = 60.0
    status_reads_per_minute: float = 30.0
    run_starts_per_minute: float = 20.0
    rate_budget: bool = True
    # May hold the store's password: kept out of the repr.
    rate_budget_url: str = field(default="", repr=False)
    rate_budget_share: float = 1.0

    @property
    def api_url(self) -> str:
        """The API root, e.g. ``https://app.hex.tech/api/v1``."""
        return self.base_url + API_PREFIX

    @property
    def budget_key(self) -> tuple[str, str]:
        """Who shares a request budget: this host and token (by a digest, not the token)."""
        return self.base_url, hashlib.sha256(self.token.encode()).hexdigest()[:16]

    @classmethod
    def from_connection(
        cls,
        *,
        host: str | None,
        port: int | None,
        password: str | None,
        extra: dict[str, Any],
        conn_id: str | None = None,
    ) -> HexSettings:
        """Build settings from an Airflow connection's fields."""
        token = _token(password, conn_id)
        extra = {key.removeprefix(_FORM_PREFIX): value for key, value in extra.items()}
        unknown = sorted(set(extra) - set(EXTRA_FIELDS))
        if unknown:
            log.warning(
                "Ignoring unknown extra field(s) %s of Hex connection %s; known: %s",
                ", ".join(unknown),
                conn_id or "(unnamed)",
                ", ".join(EXTRA_FIELDS),
            )
        values = {
            name: _coerce(name, kind, extra[name])
            for name, (kind, _default, _doc) in EXTRA_FIELDS.items()
            if extra.get(name) not in (None, "")
        }
        return cls(base_url=normalize_host(host, port), token=token, **values)
