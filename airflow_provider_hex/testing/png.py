"""Small, real PNG images of bar charts, made with the standard library only.

The simulator answers chart-image requests with these: a white canvas with one bar per
value (and a dark band on top when the chart's title is asked for), so a test can check the
bytes are a PNG of the size it asked for.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_WHITE = b"\xff\xff\xff"
_BAR = b"\x4c\x5f\xd6"
_TITLE = b"\x33\x33\x33"


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def _row(width: int, spans: Sequence[tuple[int, int]], colour: bytes) -> bytes:
    """One scanline: white, with ``colour`` over each ``(start, end)`` span of columns."""
    parts, at = [b"\x00"], 0  # filter type 0 (None)
    for start, end in spans:
        parts.append(_WHITE * (start - at))
        parts.append(colour * (end - start))
        at = end
    parts.append(_WHITE * (width - at))
    return b"".join(parts)


def bar_chart_png(
    width: int, height: int, values: Sequence[float], *, title: bool = False
) -> bytes:
    """Return an RGB PNG of ``width`` x ``height`` pixels with one bar per value."""
    if width < 1 or height < 1:
        raise ValueError("width and height must be at least 1")
    top = max(1, height // 10) if title else 0
    peak = max(values, default=0) or 1.0
    slot = width / max(1, len(values))
    bars = []
    for i, value in enumerate(values):
        start = int(i * slot + slot * 0.15)
        end = max(start + 1, int((i + 1) * slot - slot * 0.15))
        bars.append((start, min(end, width), int((height - top) * max(0.0, value) / peak)))
    rows = []
    title_row = _row(width, [(0, width)], _TITLE)
    for y in range(height):
        if y < top:
            rows.append(title_row)
            continue
        level = height - y
        rows.append(_row(width, [(s, e) for s, e, h in bars if h >= level], _BAR))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        PNG_SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(rows), 6))
        + _chunk(b"IEND", b"")
    )


def png_size(data: bytes) -> tuple[int, int]:
    """Return ``(width, height)`` of a PNG (raises ValueError for anything else)."""
    if not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise ValueError("not a PNG image")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


__all__ = ["PNG_SIGNATURE", "bar_chart_png", "png_size"]
