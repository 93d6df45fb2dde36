"""The entities of the simulated Hex workspace, as plain dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ACTIVE_STATUSES = frozenset({"PENDING", "RUNNING"})
OUTCOMES = frozenset({"COMPLETED", "ERRORED", "UNABLE_TO_ALLOCATE_KERNEL"})
INPUT_TYPES = frozenset({"string", "number", "boolean"})
SECTION_CELL_TYPES = frozenset({"COLLAPSIBLE", "CELL_GROUP"})


@dataclass(frozen=True)
class RunScript:
    """How one run of a project plays out, in simulated seconds.

    The run is PENDING for ``pending_seconds``, RUNNING for ``running_seconds`` and then
    ends with ``outcome`` (COMPLETED, ERRORED or UNABLE_TO_ALLOCATE_KERNEL). A run that
    cannot get a kernel never reaches RUNNING: it ends right after the pending phase.
    """

    pending_seconds: float = 1.0
    running_seconds: float = 5.0
    outcome: str = "COMPLETED"

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {sorted(OUTCOMES)}")
        if self.pending_seconds < 0 or self.running_seconds < 0:
            raise ValueError("durations must be >= 0")


@dataclass
class ProjectSharing:
    """Who can access a project: principal id -> access level."""

    users: dict[str, str] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)
    collections: dict[str, str] = field(default_factory=dict)
    workspace: str = "CAN_VIEW"
    public_web: str = "NONE"
    support: str = "NONE"


@dataclass
class Project:
    """A Hex project with its run scripts, declared inputs and draft cells."""

    id: str
    title: str
    description: str | None
    creator_id: str
    owner_id: str
    created_at: float
    last_edited_at: float
    last_published_at: float | None
    version: int = 1
    type: str = "PROJECT"
    status: str | None = None
    categories: list[str] = field(default_factory=list)
    archived_at: float | None = None
    trashed_at: float | None = None
    scripts: list[RunScript] = field(default_factory=lambda: [RunScript()])
    input_params: dict[str, str] | None = None
    sharing: ProjectSharing = field(default_factory=ProjectSharing)
    cell_order: list[str] = field(default_factory=list)
    runs_started: int = 0

    @property
    def published(self) -> bool:
        """Whether the project has a published version (only those can run)."""
        return self.last_published_at is not None

    def next_script(self) -> RunScript:
        """Return the script for the next run: in order, the last one repeating."""
        index = min(self.runs_started, len(self.scripts) - 1)
        self.runs_started += 1
        return self.scripts[index]


@dataclass
class Run:
    """One project run; its status is derived from the clock and its script."""

    id: str
    project_id: str
    project_version: int
    script: RunScript
    created_at: float
    trigger: str = "API"
    input_params: dict[str, Any] = field(default_factory=dict)
    dry_run: bool = False
    killed_at: float | None = None
    notifications: list[dict[str, Any]] = field(default_factory=list)

    def _running_at(self) -> float:
        return self.created_at + self.script.pending_seconds

    def _finished_at(self) -> float:
        if self.dry_run:
            return self.created_at
        if self.script.outcome == "UNABLE_TO_ALLOCATE_KERNEL":
            return self._running_at()
        return self._running_at() + self.script.running_seconds

    def _natural_status(self, now: float) -> str:
        if self.dry_run or now >= self._finished_at():
            return "COMPLETED" if self.dry_run else self.script.outcome
        return "RUNNING" if now >= self._running_at() else "PENDING"

    def status(self, now: float) -> str:
        """Return the run's status at simulated time ``now``."""
        if self.killed_at is not None and now >= self.killed_at:
            return "KILLED"
        return self._natural_status(now)

    def is_active(self, now: float) -> bool:
        """Whether the run holds a kernel at ``now`` (PENDING or RUNNING)."""
        return self.status(now) in ACTIVE_STATUSES

    def start_time(self, now: float) -> float | None:
        """When the run started executing, or None if it has not (yet)."""
        if self.dry_run:
            return self.created_at
        if self.script.outcome == "UNABLE_TO_ALLOCATE_KERNEL":
            return None
        began = self._running_at()
        ended = self.end_time(now)
        if now < began or (ended is not None and ended < began):
            return None
        return began

    def end_time(self, now: float) -> float | None:
        """When the run reached a terminal status, or None while active."""
        if self.killed_at is not None and now >= self.killed_at:
            return self.killed_at
        finished = self._finished_at()
        return finished if now >= finished else None

    def transitions(self, now: float) -> list[tuple[str, float]]:
        """Return ``(status, at)`` pairs for every status reached so far."""
        events = [("PENDING", self.created_at)]
        started = self.start_time(now)
        if started is not None and not self.dry_run:
            events.append(("RUNNING", started))
        ended = self.end_time(now)
        if ended is not None:
            events.append((self.status(now), ended))
        return events


@dataclass
class Cell:
    """A draft cell of a project (CODE, SQL, MARKDOWN or a section)."""

    id: str
    static_id: str
    project_id: str
    cell_type: str
    source: str | None
    label: str | None = None
    data_connection_id: str | None = None
    output_dataframe: str | None = None
    parent_id: str | None = None


@dataclass
class User:
    """A workspace user."""

    id: str
    name: str | None
    email: str
    role: str
    last_login_at: float | None = None
    deactivated: bool = False


@dataclass
class Group:
    """A workspace group and its member user ids."""

    id: str
    name: str
    created_at: float
    members: list[str] = field(default_factory=list)


@dataclass
class Collection:
    """A collection with its own sharing (principal id -> collection access)."""

    id: str
    name: str
    description: str | None
    creator_id: str
    users: dict[str, str] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)
    workspace_members: str | None = None


@dataclass
class DataConnection:
    """A data connection; ``details`` is the type-specific, secret-free block."""

    id: str
    name: str
    type: str
    created_at: float
    description: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class Guide:
    """A workspace guide file with an optional draft and an optional published version."""

    id: str
    file_path: str
    draft: str | None
    published: str | None = None
    external_source: dict[str, Any] | None = None
