"""The operations of Hex's published OpenAPI document ("Hex API 1.0.0"), by operation id.

A reference table, not used to send requests: the docs' coverage page and its test check
that every operation here has a ``HexHook`` method and a simulator route. The semantic
paths are written as Hex serves them (``/v1/semantic-projects/...``; the document gives
them as the pattern ``semantic-(projects|models)``, and ``semantic-models`` works too).
"""

from __future__ import annotations

#: Operation id -> (HTTP method, path under the API root).
HEX_OPERATIONS: dict[str, tuple[str, str]] = {
    "CancelRun": ("DELETE", "/v1/projects/{projectId}/runs/{runId}"),
    "ContinueThread": ("POST", "/v1/threads/{id}/followup"),
    "CreateCell": ("POST", "/v1/cells"),
    "CreateCollection": ("POST", "/v1/collections"),
    "CreateDataConnection": ("POST", "/v1/data-connections"),
    "CreateGroup": ("POST", "/v1/groups"),
    "CreatePresignedUrl": ("POST", "/v1/embedding/createPresignedUrl/{projectId}"),
    "CreateProject": ("POST", "/v1/projects"),
    "CreateThread": ("POST", "/v1/threads"),
    "DeactivateUser": ("POST", "/v1/users/{userId}/deactivate"),
    "DeleteCell": ("DELETE", "/v1/cells/{cellId}"),
    "DeleteGroup": ("DELETE", "/v1/groups/{groupId}"),
    "DeleteGuideDraft": ("DELETE", "/v1/guides/draft/{orgGuideFileId}"),
    "EditCollection": ("PATCH", "/v1/collections/{collectionId}"),
    "EditDataConnection": ("PATCH", "/v1/data-connections/{dataConnectionId}"),
    "EditGroup": ("PATCH", "/v1/groups/{groupId}"),
    "EditProjectSharingCollections": ("PATCH", "/v1/projects/{projectId}/sharing/collections"),
    "EditProjectSharingGroups": ("PATCH", "/v1/projects/{projectId}/sharing/groups"),
    "EditProjectSharingOrgAndPublic": (
        "PATCH",
        "/v1/projects/{projectId}/sharing/workspaceAndPublic",
    ),
    "EditProjectSharingUsers": ("PATCH", "/v1/projects/{projectId}/sharing/users"),
    "ExportProject": ("POST", "/v1/projects/export"),
    "GetCell": ("GET", "/v1/cells/{cellId}"),
    "GetCellOutput": ("GET", "/v1/cells/{cellId}/output"),
    "GetChartImageFromLogic": ("GET", "/v1/cells/{cellId}/image"),
    "GetChartImageFromRun": ("GET", "/v1/projects/{projectId}/runs/{runId}/cells/{staticId}/image"),
    "GetCollection": ("GET", "/v1/collections/{collectionId}"),
    "GetDataConnection": ("GET", "/v1/data-connections/{dataConnectionId}"),
    "GetGroup": ("GET", "/v1/groups/{groupId}"),
    "GetProject": ("GET", "/v1/projects/{projectId}"),
    "GetProjectRuns": ("GET", "/v1/projects/{projectId}/runs"),
    "GetQueriedTables": ("GET", "/v1/projects/{projectId}/queriedTables"),
    "GetRunStatus": ("GET", "/v1/projects/{projectId}/runs/{runId}"),
    "GetThread": ("GET", "/v1/threads/{id}"),
    "GetThreadMessages": ("GET", "/v1/threads/{threadId}/messages"),
    "IngestSemanticProject": ("POST", "/v1/semantic-projects/{semanticProjectId}/ingest"),
    "ListCells": ("GET", "/v1/cells"),
    "ListCollections": ("GET", "/v1/collections"),
    "ListDataConnections": ("GET", "/v1/data-connections"),
    "ListDraftGuides": ("GET", "/v1/guides/draft/list"),
    "ListGroups": ("GET", "/v1/groups"),
    "ListProjects": ("GET", "/v1/projects"),
    "ListThreads": ("GET", "/v1/threads"),
    "ListTopics": ("GET", "/v1/context/topics"),
    "ListUsers": ("GET", "/v1/users"),
    "Me": ("GET", "/v1/users/me"),
    "PublishGuideDrafts": ("POST", "/v1/guides/publish"),
    "RunProject": ("POST", "/v1/projects/{projectId}/runs"),
    "UpdateCell": ("PATCH", "/v1/cells/{cellId}"),
    "UpdateDataConnectionSchema": ("PATCH", "/v1/data-connections/{dataConnectionId}/schema"),
    "UpdateProject": ("PATCH", "/v1/projects/{projectId}"),
    "UpdateSemanticProject": ("PATCH", "/v1/semantic-projects/{semanticProjectId}"),
    "UpsertGuideDraft": ("PUT", "/v1/guides/draft"),
}

__all__ = ["HEX_OPERATIONS"]
