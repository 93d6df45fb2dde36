"""Typed shapes of Hex's output and agent operations: chart images, cell output, embed
URLs, agent threads and topics.

Like :mod:`airflow_provider_hex.types`, each TypedDict is the parsed JSON as Hex sent it
(camelCase keys), lenient about keys Hex adds later. Chart images are the one exception: the
hook decodes Hex's base64 text and returns the image's bytes under ``image``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, NotRequired, TypedDict


class ThreadStatus(StrEnum):
    """Status of an agent thread: working (``RUNNING``), done (``IDLE``) or failed."""

    RUNNING = "RUNNING"
    IDLE = "IDLE"
    ERROR = "ERROR"


class ThreadSource(StrEnum):
    """Where a thread was started (ListThreads ``source`` filter)."""

    HEX = "HEX"
    SLACK = "SLACK"
    MCP = "MCP"
    PUBLIC_API = "PUBLIC_API"


class ThreadType(StrEnum):
    """The kind of agent thread (ListThreads ``type`` filter)."""

    THREADS = "THREADS"
    NOTEBOOK = "NOTEBOOK"
    MODELING = "MODELING"


class ChartImage(TypedDict):
    """A chart cell's rendered image (GetChartImageFromRun / GetChartImageFromLogic).

    ``image`` holds the decoded bytes; Hex's base64 text is not kept.
    """

    image: bytes
    mimeType: str
    cellId: NotRequired[str]
    projectId: NotRequired[str]
    runId: NotRequired[str]
    staticId: NotRequired[str]


class CellOutputCell(TypedDict):
    """The cell a GetCellOutput answer is about."""

    id: str
    staticId: str
    cellType: str


class CellOutput(TypedDict):
    """A SQL cell's latest output preview (GetCellOutput).

    ``result`` is either a table (``type`` ``"table"``: ``columns``, ``rows`` with every
    value as a string or None, ``rowLimit``, ``rowsReturned``, ``totalRows``,
    ``totalRowsKind``, ``truncated``) or the cell's error (``type`` ``"cell_run_error"``:
    ``message``, ``traceback``).
    """

    projectId: str
    runId: str
    cell: CellOutputCell
    result: dict[str, Any]


class EmbedUrl(TypedDict):
    """A single-use signed URL for an embedded app (CreatePresignedUrl)."""

    url: str


class ThreadStarted(TypedDict):
    """The answer to CreateThread (ContinueThread answers ``threadId`` and ``url`` only)."""

    threadId: str
    url: str
    createdAt: NotRequired[str]
    projectId: NotRequired[str | None]


class Topic(TypedDict):
    """A thread topic of the workspace."""

    id: str
    name: str


class Thread(TypedDict):
    """An agent thread as GetThread answers it.

    ``response`` holds the agent's answer blocks once there is one: ``{"type": "text",
    "text"}``, ``{"type": "cell", "id", "staticId", "label"}``, ``{"type": "project", "id",
    "title"}`` or ``{"type": "task", "title"}``. ``error`` is ``{"type", "message"}`` when
    the status is ``ERROR``.
    """

    threadId: str
    status: str
    url: str
    title: str | None
    response: list[dict[str, Any]] | None
    error: NotRequired[dict[str, Any] | None]
    createdAt: str
    updatedAt: str
    type: str
    source: str
    userId: str | None
    sensitive: bool
    topics: list[Topic]
    resources: list[dict[str, Any]]
    creditsUsed: float | None
    warnings: list[dict[str, Any]]
    feedback: list[dict[str, Any]]


class ThreadSummary(TypedDict):
    """One thread of ListThreads (no status or response: read those with GetThread)."""

    id: str
    orgId: str
    url: str
    type: str
    source: str
    userId: str | None
    createdAt: str
    updatedAt: str
    sensitive: bool
    title: NotRequired[str | None]
    topics: NotRequired[list[Topic]]


class ThreadMessage(TypedDict):
    """One rendered text block of a thread (GetThreadMessages), prefixed with its role."""

    type: str
    text: str
    createdAt: str


__all__ = [
    "CellOutput",
    "CellOutputCell",
    "ChartImage",
    "EmbedUrl",
    "Thread",
    "ThreadMessage",
    "ThreadSource",
    "ThreadStarted",
    "ThreadStatus",
    "ThreadSummary",
    "ThreadType",
    "Topic",
]
