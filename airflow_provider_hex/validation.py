"""Checks on arguments, run before any request leaves.

Each check names the argument and the value it refused. Ids are checked as UUIDs, which also
keeps a value such as ``../users/<id>/deactivate`` out of a URL path.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from enum import Enum
from typing import Any, TypeVar

from airflow_provider_hex.exceptions import HexInvalidArgumentError


def is_templated(value: Any) -> bool:
    """Whether ``value`` is only known at run time: a Jinja template (``{{ }}``, ``{% %}``),
    an XComArg or another value Airflow resolves when rendering, or a container holding one.

    The one rule for "check this argument now, or after rendering": operators and sensors
    check a value when they are built unless it is templated, and check it again in
    ``execute``.
    """
    if isinstance(value, str):
        return "{{" in value or "{%" in value
    if value is None or isinstance(value, bool | int | float | bytes | os.PathLike):
        return False
    if callable(getattr(value, "resolve", None)):
        return True  # XComArg, literal() and other values Airflow resolves when rendering
    if isinstance(value, Mapping):
        return any(is_templated(k) or is_templated(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(is_templated(v) for v in value)
    return False


E = TypeVar("E", bound=Enum)

_UUID_TEXT = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_UUID = re.compile(rf"^{_UUID_TEXT}$")
# The id in a Hex project's address: https://app.hex.tech/<workspace>/hex/<id>/draft/logic
# (the notebook) or .../app/<id>/latest (the published app).
_ID_IN_URL = re.compile(rf"/(?P<kind>hex|app)/(?P<id>{_UUID_TEXT})(?![0-9a-fA-F-])")


def _url_reason(argument: str, value: str) -> str | None:
    """Why ``value``, an address pasted where an id goes, is refused; None if not one."""
    if "://" not in value and value.count("/") < 2:
        return None
    if not argument.endswith("project_id"):
        return "this is an address, not an id; pass the id alone (a UUID)"
    found = _ID_IN_URL.search(value)
    if found:
        return (
            f"this is a Hex address, not a project id; the id is the part after "
            f"/{found['kind']}/: {found['id']!r}"
        )
    return (
        "this is an address, not a project id; the id is the UUID after /hex/ in the "
        "project's address in Hex (https://app.hex.tech/<workspace>/hex/<project id>/...)"
    )


def require_uuid(argument: str, value: Any) -> str:
    """Return ``value`` if it is a UUID string, else raise naming ``argument``.

    A Hex address pasted instead of an id is refused with the id it holds, when it holds one.
    """
    if not isinstance(value, str) or not _UUID.match(value):
        reason = _url_reason(argument, value) if isinstance(value, str) else None
        raise HexInvalidArgumentError(
            argument,
            value,
            reason or "expected a UUID such as '5a8591dd-4039-49df-9202-96385ba3eff8'",
        )
    return value


def require_uuids(argument: str, values: Iterable[Any]) -> list[str]:
    """Check every element of ``values`` is a UUID; return them as a list."""
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, Iterable):
        raise HexInvalidArgumentError(argument, values, "expected a list of UUIDs")
    return [require_uuid(f"{argument}[{i}]", v) for i, v in enumerate(values)]


def require_enum(argument: str, value: Any, enum: type[E]) -> E:
    """Return ``value`` as a member of ``enum``; accept the member or its string value."""
    if isinstance(value, enum):
        return value
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in enum)
        raise HexInvalidArgumentError(argument, value, f"expected one of {allowed}") from None


def require_choice(argument: str, value: str | None, allowed: Sequence[str]) -> str | None:
    """Check ``value`` is None or one of ``allowed`` (for Hex's sort options and the like)."""
    if value is not None and value not in allowed:
        raise HexInvalidArgumentError(argument, value, f"expected one of {', '.join(allowed)}")
    return value


def require_text(argument: str, value: Any, *, allow_empty: bool = False) -> str:
    """Check ``value`` is a string (non-empty unless ``allow_empty``)."""
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        raise HexInvalidArgumentError(
            argument, value, "expected a string" if allow_empty else "expected a non-empty string"
        )
    return value


def require_bool(argument: str, value: Any) -> bool:
    """Check ``value`` is True or False (not a truthy string such as ``"false"``)."""
    if not isinstance(value, bool):
        raise HexInvalidArgumentError(argument, value, "expected True or False")
    return value


def _first_unencodable(value: Any, path: str) -> tuple[str, Any, str] | None:
    """Where JSON fails in ``value``: (path, offending value, reason), or None if it encodes."""
    if value is None or isinstance(value, str | bool | int):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else (path, value, "not a finite number")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                return path, value, f"key {key!r} is not a string"
            found = _first_unencodable(item, f"{path}[{key!r}]")
            if found:
                return found
        return None
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found = _first_unencodable(item, f"{path}[{i}]")
            if found:
                return found
        return None
    return path, value, f"{type(value).__name__} is not JSON-serializable"


def require_json_object(argument: str, value: Any) -> dict[str, Any]:
    """Check ``value`` is a mapping with string keys whose values JSON can encode.

    The error names the first offending entry, e.g. ``input_params['when']``.
    """
    if not isinstance(value, Mapping):
        raise HexInvalidArgumentError(argument, value, "expected a dict of name -> value")
    found = _first_unencodable(value, argument)
    if found:
        raise HexInvalidArgumentError(*found)
    return dict(value)


def require_limit(argument: str, value: Any, maximum: int) -> int:
    """Check a page size is an int between 1 and ``maximum``."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise HexInvalidArgumentError(argument, value, f"expected an integer from 1 to {maximum}")
    return value


def require_offset(argument: str, value: Any) -> int:
    """Check an offset is an int >= 0 (a digit string, as page cursors are, is accepted)."""
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise HexInvalidArgumentError(argument, value, "expected an integer >= 0")
    return value


def require_access_map(argument: str, value: Any, enum: type[E]) -> dict[str, E]:
    """Check a mapping of UUID -> access level; return it with enum values."""
    if not isinstance(value, Mapping):
        raise HexInvalidArgumentError(argument, value, "expected a dict of id -> access level")
    return {
        require_uuid(f"{argument} key", key): require_enum(f"{argument}[{key!r}]", level, enum)
        for key, level in value.items()
    }


def require_status_updates(argument: str, value: Any, types: type[E]) -> list[dict[str, Any]]:
    """Check a batch of status changes: ``[{"type", "name", "status"}, ...]``.

    ``type`` must be a member of ``types``; ``name`` a non-empty string; ``status`` a status
    name or None (None removes the status, and must be written out). An empty batch, an
    unknown key and the same object named twice are refused, so Hex's all-or-nothing batch
    is checked in full before it is sent.
    """
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence):
        raise HexInvalidArgumentError(argument, value, "expected a list of updates")
    if not value:
        raise HexInvalidArgumentError(argument, value, "names nothing to update")
    batch: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for i, update in enumerate(value):
        where = f"{argument}[{i}]"
        if not isinstance(update, Mapping):
            raise HexInvalidArgumentError(where, update, 'expected {"type", "name", "status"}')
        extra = sorted(set(update) - {"type", "name", "status"})
        if extra:
            raise HexInvalidArgumentError(where, update, f"unknown key(s): {', '.join(extra)}")
        if "status" not in update:
            raise HexInvalidArgumentError(
                where, update, "give status: a status name, or None to remove the status"
            )
        kind = require_enum(f"{where}['type']", update.get("type"), types)
        name = require_text(f"{where}['name']", update.get("name"))
        status = update["status"]
        if status is not None:
            require_text(f"{where}['status']", status)
        if (kind.value, name) in seen:
            raise HexInvalidArgumentError(where, update, f"{kind.value} {name!r} is named twice")
        seen.add((kind.value, name))
        batch.append({"type": kind.value, "name": name, "status": status})
    return batch


#: Named versions ExportProject takes besides a published version number.
EXPORT_VERSIONS = ("draft", "latest")


def require_export_version(argument: str, value: Any) -> int | str:
    """Check an export version: ``"draft"``, ``"latest"`` or a published version >= 1."""
    if value in EXPORT_VERSIONS:
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    raise HexInvalidArgumentError(
        argument, value, "expected 'draft', 'latest' or a version number >= 1"
    )


def parse_moment(argument: str, value: Any) -> datetime:
    """Return ``value`` (a datetime or an ISO 8601 string) as an aware UTC datetime.

    A naive value is taken as UTC, as Airflow's own dates are.
    """
    moment = value
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise HexInvalidArgumentError(
                argument, value, "expected an ISO 8601 time such as '2026-01-31T06:00:00+00:00'"
            ) from None
    if not isinstance(moment, datetime):
        raise HexInvalidArgumentError(argument, value, "expected a datetime or an ISO 8601 string")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
