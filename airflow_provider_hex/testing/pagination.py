"""Cursor pagination (``values`` + ``pagination{after,before}``) with opaque cursors."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .params import Query, bad, query_int, query_value

T = TypeVar("T")


def encode_cursor(offset: int) -> str:
    """Encode an offset as an opaque cursor string."""
    raw = json.dumps({"o": offset}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """Decode a cursor made by :func:`encode_cursor`; raise 400 for anything else."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        offset = data["o"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise bad("invalid pagination cursor") from None
    if not isinstance(offset, int) or offset < 0:
        raise bad("invalid pagination cursor")
    return offset


def paginate(
    items: Sequence[T],
    query: Query,
    render: Callable[[T], dict[str, Any]],
    *,
    default_limit: int = 25,
    max_limit: int = 100,
) -> dict[str, Any]:
    """Return one page of ``items`` as ``{"values": [...], "pagination": {...}}``.

    ``after`` continues forward from a cursor; ``before`` returns the page that ends just
    before a cursor. ``pagination.after`` is null on the last page and ``before`` is null
    on the first.
    """
    limit = query_int(query, "limit", default_limit, 1, max_limit)
    after, before = query_value(query, "after"), query_value(query, "before")
    if after and before:
        raise bad("pass either after or before, not both")
    if before:
        end = min(decode_cursor(before), len(items))
        start = max(0, end - limit)
    else:
        start = min(decode_cursor(after), len(items)) if after else 0
        end = min(start + limit, len(items))
    page = [render(item) for item in items[start:end]]
    return {
        "values": page,
        "pagination": {
            "after": encode_cursor(end) if end < len(items) else None,
            "before": encode_cursor(start) if start > 0 else None,
        },
    }
