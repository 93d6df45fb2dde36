"""The in-memory workspace: every entity the simulator serves, plus lookups and run starts."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from typing import Any

from .agent import AgentState
from .catalog import Catalog
from .clock import SimClock
from .errors import ApiError
from .models import (
    INPUT_TYPES,
    Cell,
    Collection,
    DataConnection,
    Group,
    Guide,
    Project,
    Run,
    RunScript,
    User,
)
from .params import require_uuid

TOKEN_USER_ID = "2d1c6f0e-8b1e-4a52-9d6c-3f4e5a6b7c8d"
"""The user who owns the simulator's token (an ADMIN), present even without demo data."""
ORG_ID = "0f4a1e9c-5b7d-4c3a-8e2f-1a2b3c4d5e6f"
DEFAULT_STATUSES = ("Endorsed", "In review", "Deprecated")
DEFAULT_MAX_ACTIVE_RUNS = 25


def new_id() -> str:
    """Return a fresh random UUID string."""
    return str(uuid.uuid4())


class Workspace:
    """All state of one simulated Hex workspace.

    Callers hold the simulator's lock while reading or changing it. Handy attributes for
    assertions: ``projects``, ``runs``, ``cells``, ``users``, ``groups``, ``collections``,
    ``data_connections``, ``guides`` (all dicts keyed by id), ``statuses``, ``catalog``
    (schemas, queried tables, semantic projects: :mod:`.catalog`), ``agent`` (threads and
    topics) and ``embed_urls``.
    """

    def __init__(self, clock: SimClock, token: str) -> None:
        self.clock = clock
        self.token = token
        self.base_url = "http://127.0.0.1"
        self.max_active_runs = DEFAULT_MAX_ACTIVE_RUNS
        self.counters: Counter[str] = Counter()
        self.projects: dict[str, Project] = {}
        self.runs: dict[str, Run] = {}
        self.cells: dict[str, Cell] = {}
        self.users: dict[str, User] = {}
        self.groups: dict[str, Group] = {}
        self.collections: dict[str, Collection] = {}
        self.data_connections: dict[str, DataConnection] = {}
        self.guides: dict[str, Guide] = {}
        self.statuses: list[str] = list(DEFAULT_STATUSES)
        self.catalog = Catalog()
        #: Agent threads and topics (see :mod:`airflow_provider_hex.testing.agent`).
        self.agent = AgentState()
        #: Whether the workspace may embed apps (off: CreatePresignedUrl answers 403).
        self.embedding_enabled = True
        #: Every CreatePresignedUrl request accepted: project id, body and the URL signed.
        self.embed_urls: list[dict[str, Any]] = []
        self.token_user_id = TOKEN_USER_ID
        self.org_id = ORG_ID
        self.add_user("Sim Admin", "admin@example.com", "ADMIN", user_id=TOKEN_USER_ID)

    def now(self) -> float:
        """Return the simulated time."""
        return self.clock.now()

    # ----------------------------------------------------------------- creation
    def add_user(
        self,
        name: str | None,
        email: str,
        role: str = "EDITOR",
        *,
        user_id: str | None = None,
        deactivated: bool = False,
    ) -> User:
        """Add a workspace user."""
        user = User(user_id or new_id(), name, email, role, self.now() - 3600, deactivated)
        self.users[user.id] = user
        return user

    def add_group(
        self, name: str, members: Iterable[str] = (), *, group_id: str | None = None
    ) -> Group:
        """Add a group with the given member user ids."""
        group = Group(group_id or new_id(), name, self.now(), list(members))
        self.groups[group.id] = group
        return group

    def add_collection(
        self, name: str, description: str | None = None, *, collection_id: str | None = None
    ) -> Collection:
        """Add a collection created by the token's user."""
        collection = Collection(collection_id or new_id(), name, description, self.token_user_id)
        self.collections[collection.id] = collection
        return collection

    def add_data_connection(
        self,
        name: str,
        conn_type: str,
        details: dict[str, Any],
        *,
        description: str | None = None,
        connection_id: str | None = None,
    ) -> DataConnection:
        """Add a data connection."""
        conn = DataConnection(
            connection_id or new_id(), name, conn_type, self.now(), description, details
        )
        self.data_connections[conn.id] = conn
        return conn

    def add_project(
        self,
        title: str,
        project_id: str | None = None,
        published: bool = True,
        scripts: Iterable[RunScript] | None = None,
        input_params: dict[str, str] | None = None,
        *,
        description: str | None = None,
        status: str | None = None,
        categories: Iterable[str] = (),
        archived: bool = False,
    ) -> Project:
        """Add a project; ``input_params=None`` accepts any inputs, ``{}`` accepts none."""
        if project_id is not None:
            project_id = require_uuid(project_id, "projectId")
        if input_params is not None:
            for name, kind in input_params.items():
                if kind not in INPUT_TYPES:
                    raise ValueError(f"input {name!r}: type must be one of {sorted(INPUT_TYPES)}")
        if status is not None and status not in self.statuses:
            raise ValueError(f"unknown status {status!r}")
        now = self.now()
        script_list = list(scripts) if scripts else [RunScript()]
        project = Project(
            id=project_id or new_id(),
            title=title,
            description=description,
            creator_id=self.token_user_id,
            owner_id=self.token_user_id,
            created_at=now,
            last_edited_at=now,
            last_published_at=now if published else None,
            version=1 if published else 0,
            status=status,
            categories=list(categories),
            archived_at=now if archived else None,
            scripts=script_list,
            input_params=dict(input_params) if input_params is not None else None,
        )
        project.sharing.users[self.token_user_id] = "FULL_ACCESS"
        self.projects[project.id] = project
        return project

    def add_cell(self, cell: Cell, after: str | None = None) -> Cell:
        """Register ``cell`` and place it in its project's notebook order."""
        order = self.projects[cell.project_id].cell_order
        self.cells[cell.id] = cell
        if after is None:
            order.append(cell.id)
        else:
            order.insert(order.index(after) + 1, cell.id)
        return cell

    # ------------------------------------------------------------------ lookups
    def project(self, project_id: str) -> Project:
        """Return a project or raise 400 (malformed id) / 404 (unknown)."""
        key = require_uuid(project_id, "projectId")
        if key not in self.projects:
            raise ApiError(404, f"Project {project_id} not found")
        return self.projects[key]

    def run(self, project_id: str, run_id: str) -> Run:
        """Return a run of a project or raise 400/404."""
        project = self.project(project_id)
        key = require_uuid(run_id, "runId")
        run = self.runs.get(key)
        if run is None or run.project_id != project.id:
            raise ApiError(404, f"Run {run_id} not found")
        return run

    def cell(self, cell_id: str) -> Cell:
        """Return a cell or raise 400/404."""
        key = require_uuid(cell_id, "cellId")
        if key not in self.cells:
            raise ApiError(404, f"Cell {cell_id} not found")
        return self.cells[key]

    def group(self, group_id: str) -> Group:
        """Return a group or raise 400/404."""
        key = require_uuid(group_id, "groupId")
        if key not in self.groups:
            raise ApiError(404, f"Group {group_id} not found")
        return self.groups[key]

    def collection(self, collection_id: str) -> Collection:
        """Return a collection or raise 400/404."""
        key = require_uuid(collection_id, "collectionId")
        if key not in self.collections:
            raise ApiError(404, f"Collection {collection_id} not found")
        return self.collections[key]

    def user(self, user_id: str) -> User:
        """Return a user or raise 400/404."""
        key = require_uuid(user_id, "userId")
        if key not in self.users:
            raise ApiError(404, f"User {user_id} not found")
        return self.users[key]

    def guide(self, guide_id: str) -> Guide:
        """Return a guide file or raise 400/404."""
        key = require_uuid(guide_id, "orgGuideFileId")
        if key not in self.guides:
            raise ApiError(404, f"Guide file {guide_id} not found")
        return self.guides[key]

    # --------------------------------------------------------------------- runs
    def active_runs(self) -> list[Run]:
        """Runs currently holding a kernel (PENDING or RUNNING)."""
        now = self.now()
        return [run for run in self.runs.values() if run.is_active(now)]

    def start_run(
        self,
        project: Project,
        input_params: dict[str, Any],
        *,
        dry_run: bool = False,
        trigger: str = "API",
        notifications: list[dict[str, Any]] | None = None,
        created_at: float | None = None,
    ) -> Run:
        """Create a run of ``project``; dry runs are COMPLETED at once and use no kernel."""
        script = RunScript(0, 0) if dry_run else project.next_script()
        run = Run(
            id=new_id(),
            project_id=project.id,
            project_version=project.version,
            script=script,
            created_at=self.now() if created_at is None else created_at,
            trigger=trigger,
            input_params=dict(input_params),
            dry_run=dry_run,
            notifications=notifications or [],
        )
        self.runs[run.id] = run
        if not dry_run and created_at is None:
            self.counters["runs_started"] += 1
        return run

    def run_url(self, run: Run) -> str:
        """The Hex-UI-like URL of a run (served as a small HTML page by the simulator)."""
        return f"{self.base_url}/app/{run.project_id}/runs/{run.id}"

    def run_status_url(self, run: Run) -> str:
        """The API URL of GetRunStatus for ``run``."""
        return f"{self.base_url}/api/v1/projects/{run.project_id}/runs/{run.id}"
