# ruff: noqa: E501 - the endpoint table keeps one row per line, to be read on one screen
"""The endpoints of Hex's published OpenAPI document ("Hex API 1.0.0"): one table.

Each row: operation id, HTTP method, path under ``/api/v1``, the rate-limit group Hex counts
it in besides the global limit (None: the global limit only), and whether it is safe to send
again after an ambiguous failure (no answer, a 5xx). The last column is omitted where the
method decides it: every method but POST may be repeated; a POST is sent once unless its row
says otherwise, so a new POST is never retried by accident. :class:`~.hooks.transport.HexRequest`
reads this table (:func:`may_repeat`) unless a request states otherwise, and a test checks
that every hook method's request matches its row.

The semantic paths are written as Hex serves them (``/semantic-projects/...``; the document
gives them as the pattern ``semantic-(projects|models)``, and ``semantic-models`` works too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Rate-limit groups of the Hex API that have their own limit besides the global one.
STATUS_GROUP = "hex-api"
CONTENT_GROUP = "hex-api-30rpm"
RUN_START_GROUP = "hex-run-kernel"
SEMANTIC_INGEST_GROUP = "hex-semantic-ingest"
CHART_IMAGE_GROUP = "hex-chart-image"
GLOBAL_ONLY = None
#: Methods that may be sent again by default (POST is sent once unless its row says so).
REPEATABLE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})

_STATUS, _CONTENT, _RUN, _INGEST, _CHART = (
    STATUS_GROUP,
    CONTENT_GROUP,
    RUN_START_GROUP,
    SEMANTIC_INGEST_GROUP,
    CHART_IMAGE_GROUP,
)
REPEAT, ONCE = True, False

# fmt: off
_ROWS: tuple[tuple[str, str, str, str | None] | tuple[str, str, str, str | None, bool], ...] = (
    # operation                       method    path                                 group  repeat
    ("RunProject",                     "POST",   "/projects/{projectId}/runs",                 _RUN),
    ("GetRunStatus",                   "GET",    "/projects/{projectId}/runs/{runId}",         _STATUS),
    ("CancelRun",                      "DELETE", "/projects/{projectId}/runs/{runId}",         GLOBAL_ONLY),
    ("GetProjectRuns",                 "GET",    "/projects/{projectId}/runs",                 _STATUS),
    ("ListProjects",                   "GET",    "/projects",                                  GLOBAL_ONLY),
    ("GetProject",                     "GET",    "/projects/{projectId}",                      _STATUS),
    ("UpdateProject",                  "PATCH",  "/projects/{projectId}",                      _STATUS),
    ("CreateProject",                  "POST",   "/projects",                                  _STATUS),
    ("ExportProject",                  "POST",   "/projects/export",                           _STATUS, REPEAT),
    ("GetQueriedTables",               "GET",    "/projects/{projectId}/queriedTables",        GLOBAL_ONLY),
    ("EditProjectSharingUsers",        "PATCH",  "/projects/{projectId}/sharing/users",        _CONTENT),
    ("EditProjectSharingGroups",       "PATCH",  "/projects/{projectId}/sharing/groups",       _STATUS),
    ("EditProjectSharingCollections",  "PATCH",  "/projects/{projectId}/sharing/collections",  GLOBAL_ONLY),
    ("EditProjectSharingOrgAndPublic", "PATCH",  "/projects/{projectId}/sharing/workspaceAndPublic", _STATUS),
    ("CreateCell",                     "POST",   "/cells",                                     _CONTENT),
    ("ListCells",                      "GET",    "/cells",                                     _CONTENT),
    ("GetCell",                        "GET",    "/cells/{cellId}",                            _CONTENT),
    ("UpdateCell",                     "PATCH",  "/cells/{cellId}",                            _CONTENT),
    ("DeleteCell",                     "DELETE", "/cells/{cellId}",                            _CONTENT),
    ("GetCellOutput",                  "GET",    "/cells/{cellId}/output",                     _STATUS),
    ("GetChartImageFromLogic",         "GET",    "/cells/{cellId}/image",                      _CHART),
    ("GetChartImageFromRun",           "GET",    "/projects/{projectId}/runs/{runId}/cells/{staticId}/image", _CHART),
    ("CreatePresignedUrl",             "POST",   "/embedding/createPresignedUrl/{projectId}",  GLOBAL_ONLY, REPEAT),
    ("CreateCollection",               "POST",   "/collections",                               GLOBAL_ONLY),
    ("ListCollections",                "GET",    "/collections",                               GLOBAL_ONLY),
    ("GetCollection",                  "GET",    "/collections/{collectionId}",                GLOBAL_ONLY),
    ("EditCollection",                 "PATCH",  "/collections/{collectionId}",                GLOBAL_ONLY),
    ("CreateGroup",                    "POST",   "/groups",                                    GLOBAL_ONLY),
    ("ListGroups",                     "GET",    "/groups",                                    GLOBAL_ONLY),
    ("GetGroup",                       "GET",    "/groups/{groupId}",                          GLOBAL_ONLY),
    ("EditGroup",                      "PATCH",  "/groups/{groupId}",                          GLOBAL_ONLY),
    ("DeleteGroup",                    "DELETE", "/groups/{groupId}",                          GLOBAL_ONLY),
    ("Me",                             "GET",    "/users/me",                                  _CONTENT),
    ("ListUsers",                      "GET",    "/users",                                     _CONTENT),
    ("DeactivateUser",                 "POST",   "/users/{userId}/deactivate",                 _CONTENT, REPEAT),
    ("ListDataConnections",            "GET",    "/data-connections",                          _STATUS),
    ("GetDataConnection",              "GET",    "/data-connections/{dataConnectionId}",       _STATUS),
    ("CreateDataConnection",           "POST",   "/data-connections",                          GLOBAL_ONLY),
    ("EditDataConnection",             "PATCH",  "/data-connections/{dataConnectionId}",       GLOBAL_ONLY),
    ("UpdateDataConnectionSchema",     "PATCH",  "/data-connections/{dataConnectionId}/schema", GLOBAL_ONLY),
    ("IngestSemanticProject",          "POST",   "/semantic-projects/{semanticProjectId}/ingest", _INGEST, REPEAT),
    ("UpdateSemanticProject",          "PATCH",  "/semantic-projects/{semanticProjectId}",     GLOBAL_ONLY),
    ("UpsertGuideDraft",               "PUT",    "/guides/draft",                              GLOBAL_ONLY),
    ("PublishGuideDrafts",             "POST",   "/guides/publish",                            GLOBAL_ONLY, REPEAT),
    ("DeleteGuideDraft",               "DELETE", "/guides/draft/{orgGuideFileId}",             GLOBAL_ONLY),
    ("ListDraftGuides",                "GET",    "/guides/draft/list",                         _CONTENT),
    ("CreateThread",                   "POST",   "/threads",                                   _RUN),
    ("ContinueThread",                 "POST",   "/threads/{id}/followup",                     _RUN),
    ("ListThreads",                    "GET",    "/threads",                                   _STATUS),
    ("GetThread",                      "GET",    "/threads/{id}",                              _STATUS),
    ("GetThreadMessages",              "GET",    "/threads/{threadId}/messages",               _STATUS),
    ("ListTopics",                     "GET",    "/context/topics",                            _STATUS),
)
# fmt: on


@dataclass(frozen=True)
class Endpoint:
    """One row of the table, with whether it is safe to repeat resolved."""

    operation: str
    method: str
    path: str
    rate_group: str | None
    safe_to_repeat: bool
    pattern: re.Pattern[str] = field(repr=False, compare=False)

    @property
    def document_path(self) -> str:
        """The path as the OpenAPI document writes it (with the ``/v1`` prefix)."""
        return "/v1" + self.path


def _endpoint(
    row: tuple[str, str, str, str | None] | tuple[str, str, str, str | None, bool],
) -> Endpoint:
    operation, method, path, group = row[:4]
    repeat = row[4] if len(row) == 5 else method in REPEATABLE_METHODS
    literal = [re.escape(part) for part in re.split(r"\{\w+\}", path)]
    return Endpoint(
        operation, method, path, group, repeat, re.compile("[^/]+".join(literal) + r"\Z")
    )


#: Every endpoint, by operation id.
ENDPOINTS: dict[str, Endpoint] = {row[0]: _endpoint(row) for row in _ROWS}
#: Operation id -> (HTTP method, path as the document writes it).
HEX_OPERATIONS: dict[str, tuple[str, str]] = {
    name: (end.method, end.document_path) for name, end in sorted(ENDPOINTS.items())
}
# Literal paths win over templated ones (``/projects/export`` over ``/projects/{projectId}``).
_BY_SPECIFICITY = sorted(ENDPOINTS.values(), key=lambda end: end.path.count("{"))


def endpoint_for(method: str, path: str) -> Endpoint | None:
    """The endpoint a request goes to (``path`` under ``/api/v1``, no query), if it is one."""
    for end in _BY_SPECIFICITY:
        if end.method == method and end.pattern.match(path):
            return end
    return None


def may_repeat(method: str, path: str) -> bool:
    """Whether a request is safe to send again: its endpoint's row, else its method."""
    end = endpoint_for(method, path)
    return end.safe_to_repeat if end is not None else method in REPEATABLE_METHODS


__all__ = [
    "CHART_IMAGE_GROUP",
    "CONTENT_GROUP",
    "ENDPOINTS",
    "HEX_OPERATIONS",
    "RUN_START_GROUP",
    "SEMANTIC_INGEST_GROUP",
    "STATUS_GROUP",
    "Endpoint",
    "endpoint_for",
    "may_repeat",
]
