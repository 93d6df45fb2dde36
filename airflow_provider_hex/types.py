"""Typed shapes of the Hex API: run statuses, enums and the payloads the hook returns.

Responses are TypedDicts: they are the parsed JSON as Hex sent it (camelCase keys), with the
keys Hex documents as required marked so. Lenient on purpose: an extra key Hex adds later is
kept, not rejected.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Generic, NotRequired, TypedDict, TypeVar

T = TypeVar("T")


class RunStatus(StrEnum):
    """Status of a Hex project run (``ProjectRunStatus``)."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    ERRORED = "ERRORED"
    KILLED = "KILLED"
    UNABLE_TO_ALLOCATE_KERNEL = "UNABLE_TO_ALLOCATE_KERNEL"

    @property
    def is_terminal(self) -> bool:
        """Whether the run has ended and its status will not change again."""
        return self in TERMINAL_STATUSES

    @property
    def is_success(self) -> bool:
        """Whether the run ended successfully."""
        return self in SUCCESS_STATUSES


#: Statuses after which a run never changes again.
TERMINAL_STATUSES = frozenset(
    {
        RunStatus.COMPLETED,
        RunStatus.ERRORED,
        RunStatus.KILLED,
        RunStatus.UNABLE_TO_ALLOCATE_KERNEL,
    }
)
#: Terminal statuses that count as success.
SUCCESS_STATUSES = frozenset({RunStatus.COMPLETED})
#: Terminal statuses that count as failure.
FAILURE_STATUSES = TERMINAL_STATUSES - SUCCESS_STATUSES
#: Statuses of a run that still holds (or waits for) a kernel.
ACTIVE_STATUSES = frozenset(RunStatus) - TERMINAL_STATUSES


class AccessLevel(StrEnum):
    """Project sharing access (``AccessLevelEnum``); ``NONE`` removes access."""

    NONE = "NONE"
    APP_ONLY = "APP_ONLY"
    CAN_VIEW = "CAN_VIEW"
    CAN_EDIT = "CAN_EDIT"
    FULL_ACCESS = "FULL_ACCESS"


class CellType(StrEnum):
    """Cell types that the API can create and edit."""

    CODE = "CODE"
    SQL = "SQL"
    MARKDOWN = "MARKDOWN"


class NotificationType(StrEnum):
    """When a run notification is delivered."""

    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    ALL = "ALL"


class RunTrigger(StrEnum):
    """What started a run; ``ALL`` is only a filter value."""

    API = "API"
    SCHEDULED = "SCHEDULED"
    APP_REFRESH = "APP_REFRESH"
    ALL = "ALL"


class ChildPosition(StrEnum):
    """Where a new cell goes inside a parent section cell."""

    FIRST = "FIRST"
    LAST = "LAST"


class ProjectRunNotification(TypedDict, total=False):
    """A notification to deliver when a run ends (RunProject ``notifications[]``)."""

    type: str
    includeSuccessScreenshot: bool
    screenshotFormat: str
    slackChannelIds: list[str]
    userIds: list[str]
    groupIds: list[str]
    subject: str
    body: str


class RunStarted(TypedDict):
    """The answer to RunProject."""

    projectId: str
    runId: str
    runUrl: str
    runStatusUrl: str
    traceId: str
    projectVersion: int | str
    notifications: NotRequired[list[dict[str, Any]]]


class ProjectRun(TypedDict):
    """A run's status (GetRunStatus, and each run of GetProjectRuns)."""

    projectId: str
    projectVersion: int | str
    runId: str
    runUrl: str
    status: str
    runTrigger: str
    startTime: str | None
    endTime: str | None
    elapsedTime: float | None
    traceId: NotRequired[str]
    notifications: NotRequired[list[dict[str, Any]]]
    stateEvents: NotRequired[list[dict[str, Any]]]
    flagConfigOverride: NotRequired[str]


class Project(TypedDict):
    """A Hex project (``Project``)."""

    id: str
    title: str
    description: str | None
    type: str
    creator: dict[str, Any]
    owner: dict[str, Any]
    status: dict[str, Any] | None
    categories: list[dict[str, Any]]
    reviews: dict[str, Any]
    analytics: dict[str, Any]
    lastEditedAt: str
    lastPublishedAt: str | None
    createdAt: str
    archivedAt: str | None
    trashedAt: str | None
    schedules: list[dict[str, Any]]
    sharing: NotRequired[dict[str, Any]]


class Cell(TypedDict):
    """A cell of a project's draft version."""

    id: str
    staticId: str
    cellType: str
    label: str | None
    dataConnectionId: str | None
    contents: dict[str, Any]
    projectId: str


class SharingResult(TypedDict):
    """The answer to a project sharing edit; ``errors`` lists partial failures."""

    project: Project
    errors: list[dict[str, Any]]


class Group(TypedDict):
    """A workspace group."""

    id: str
    name: str
    createdAt: NotRequired[str]
    members: NotRequired[dict[str, Any]]


class Collection(TypedDict):
    """A collection of projects."""

    id: str
    name: str
    sharing: dict[str, Any]
    description: NotRequired[str]
    creator: NotRequired[dict[str, Any]]


class User(TypedDict):
    """A workspace user."""

    id: str
    name: str | None
    email: str
    role: str
    lastLoginDate: str | None


class CurrentUser(TypedDict, total=False):
    """The answer to ``GET /v1/users/me``; user fields are absent for workspace tokens."""

    id: str
    name: str | None
    email: str
    role: str
    lastLoginDate: str | None
    org: dict[str, Any]
    token: dict[str, Any] | None


class DataConnection(TypedDict):
    """A data connection (basic form; the full form carries more keys)."""

    id: str
    name: str
    type: str
    description: NotRequired[str]


class GuideFile(TypedDict):
    """A guide file of the workspace."""

    id: str
    filePath: str


class GuideFileInput(TypedDict):
    """A guide file to upload: its path and its contents."""

    filePath: str
    contents: str
    externalSource: NotRequired[dict[str, Any]]


class UpsertGuidesResult(TypedDict):
    """The answer to UpsertGuideDraft."""

    files: list[GuideFile]
    warnings: list[dict[str, Any]]
    traceId: str


class PublishGuidesResult(TypedDict):
    """The answer to PublishGuideDrafts."""

    message: str
    publishedGuides: list[GuideFile]
    traceId: str


class Page(TypedDict, Generic[T]):
    """One page of a list: its items and the cursors around it (``None`` at either end)."""

    values: list[T]
    after: str | None
    before: str | None


class SchemaObjectType(StrEnum):
    """What a data-connection schema update names: a database, a schema or a table."""

    DATABASE = "DATABASE"
    SCHEMA = "SCHEMA"
    TABLE = "TABLE"


class SemanticObjectType(StrEnum):
    """What a semantic-project update names: a dataset or a view."""

    DATASET = "DATASET"
    VIEW = "VIEW"


class StatusUpdate(TypedDict):
    """One status change in a batch: object type, name, and a status name or None (remove).

    ``name`` is plain for a database and qualified for schemas and tables
    (``"analytics.public"``, ``"analytics.public.orders"``).
    """

    type: str
    name: str
    status: str | None


class NamedStatus(TypedDict):
    """An object's status after an update (None: no status)."""

    name: str
    status: str | None


class SchemaUpdateResult(TypedDict):
    """The answer to UpdateDataConnectionSchema: ``updated`` holds databases, schemas, tables."""

    updated: dict[str, list[NamedStatus]]


class SemanticUpdateResult(TypedDict):
    """The answer to UpdateSemanticProject: ``updated`` holds datasets and views."""

    updated: dict[str, list[NamedStatus]]


class SemanticIngestResult(TypedDict):
    """The answer to IngestSemanticProject: what was synced, and any warnings or problems."""

    traceId: str
    contents: list[str]
    warnings: NotRequired[list[str]]
    skipped: NotRequired[dict[str, Any]]
    problems: NotRequired[list[dict[str, Any]]]
    debug: NotRequired[dict[str, Any]]


class QueriedTable(TypedDict):
    """A warehouse table a published project queries (GetQueriedTables)."""

    dataConnectionId: str
    dataConnectionName: str
    tableName: str


class DataConnectionDetails(TypedDict):
    """A data connection in full (Get/Create/EditDataConnection); secrets are never included."""

    id: str
    name: str
    type: str
    connectionDetails: dict[str, Any] | None
    connectViaSsh: bool
    includeMagic: bool
    allowWritebackCells: bool
    schemaRefreshAccess: str
    sharing: dict[str, Any]
    description: NotRequired[str]
    schemaFilters: NotRequired[dict[str, Any]]
    schemaRefreshSchedule: NotRequired[dict[str, Any] | None]


class ProjectExport(TypedDict):
    """The answer to ExportProject: a file name and the project as ``.hex.yaml`` text."""

    filename: str
    content: str
