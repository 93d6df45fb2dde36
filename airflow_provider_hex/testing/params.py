"""Validation helpers for path ids, query strings and JSON bodies (all raise 400)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .errors import ApiError

UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
ACCESS_LEVELS = ("NONE", "APP_ONLY", "CAN_VIEW", "CAN_EDIT", "FULL_ACCESS")
Query = dict[str, list[str]]


def bad(message: str) -> ApiError:
    """Return a 400 error with ``message``."""
    return ApiError(400, message)


def require_uuid(value: Any, what: str) -> str:
    """Return ``value`` if it is a UUID string, else raise 400."""
    if not isinstance(value, str) or not UUID_RE.match(value):
        raise bad(f"{what} must be a UUID")
    return value.lower()


def query_value(query: Query, name: str) -> str | None:
    """Return the last value of query parameter ``name`` (or None)."""
    values = query.get(name)
    return values[-1] if values else None


def query_bool(query: Query, name: str, default: bool = False) -> bool:
    """Parse a boolean query parameter (``true``/``false``)."""
    raw = query_value(query, name)
    if raw is None or raw == "":
        return default
    lowered = raw.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise bad(f"{name} must be true or false")


def query_int(query: Query, name: str, default: int, low: int, high: int | None) -> int:
    """Parse an integer query parameter and check ``low <= value <= high``."""
    raw = query_value(query, name)
    if raw is None or raw == "":
        return default
    try:
        number = float(raw)
    except ValueError:
        raise bad(f"{name} must be a number") from None
    if not number.is_integer():
        raise bad(f"{name} must be an integer")
    value = int(number)
    if value < low or (high is not None and value > high):
        upper = "" if high is None else f" and <= {high}"
        raise bad(f"{name} must be >= {low}{upper}")
    return value


def query_enum(query: Query, name: str, allowed: Iterable[str], default: str | None) -> str | None:
    """Parse an enum query parameter."""
    raw = query_value(query, name)
    if raw is None or raw == "":
        return default
    options = tuple(allowed)
    if raw not in options:
        raise bad(f"{name} must be one of {', '.join(options)}")
    return raw


def query_list(query: Query, name: str) -> list[str]:
    """Collect an array parameter sent as repeated keys and/or comma-separated values."""
    items: list[str] = []
    for raw in query.get(name, []) + query.get(f"{name}[]", []):
        items.extend(part.strip() for part in raw.split(",") if part.strip())
    return items


def body_object(body: Any, *, required: bool = True) -> dict[str, Any]:
    """Return the JSON body as a dict; an absent body is ``{}`` unless ``required``."""
    if body is None and not required:
        return {}
    if not isinstance(body, dict):
        raise bad("request body must be a JSON object")
    return body


def get_bool(data: dict[str, Any], key: str, default: bool) -> bool:
    """Read a boolean body field, accepting JSON booleans or ``"true"``/``"false"``."""
    value = data.get(key, default)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise bad(f"{key} must be a boolean")


def get_str(
    data: dict[str, Any], key: str, *, required: bool = True, min_length: int = 0
) -> str | None:
    """Read a string body field, checking presence and minimum length."""
    if key not in data or data[key] is None:
        if required:
            raise bad(f"{key} is required")
        return None
    value = data[key]
    if not isinstance(value, str):
        raise bad(f"{key} must be a string")
    if len(value) < min_length:
        raise bad(f"{key} must have at least {min_length} character(s)")
    return value


def get_list(data: dict[str, Any], key: str, *, max_items: int | None = None) -> list[Any]:
    """Read an optional array body field, checking ``maxItems``."""
    value = data.get(key, [])
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad(f"{key} must be an array")
    if max_items is not None and len(value) > max_items:
        raise bad(f"{key} must have at most {max_items} items")
    return value


def get_obj(data: dict[str, Any], key: str, *, required: bool = False) -> dict[str, Any]:
    """Read a nested object body field (``{}`` when absent and optional)."""
    value = data.get(key)
    if value is None:
        if required:
            raise bad(f"{key} is required")
        return {}
    if not isinstance(value, dict):
        raise bad(f"{key} must be an object")
    return value


def access_level(value: Any, allowed: Iterable[str] = ACCESS_LEVELS) -> str:
    """Validate an access level enum value."""
    options = tuple(allowed)
    if value not in options:
        raise bad(f"access must be one of {', '.join(options)}")
    return str(value)


def reject_unknown_keys(data: dict[str, Any], allowed: Iterable[str]) -> None:
    """Raise 400 for keys a schema with ``additionalProperties: false`` does not allow."""
    extra = sorted(set(data) - set(allowed))
    if extra:
        raise bad(f"unknown field(s): {', '.join(extra)}")
