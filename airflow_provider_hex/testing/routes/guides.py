"""Workspace guides: UpsertGuideDraft, PublishGuideDrafts, DeleteGuideDraft, ListDraftGuides."""

from __future__ import annotations

import json
from typing import Any

from airflow_provider_hex.testing.errors import ApiError, ErrorStyle
from airflow_provider_hex.testing.limits import HEX_API_30RPM
from airflow_provider_hex.testing.models import Guide
from airflow_provider_hex.testing.pagination import paginate
from airflow_provider_hex.testing.params import (
    bad,
    body_object,
    get_bool,
    get_list,
    query_value,
    reject_unknown_keys,
)
from airflow_provider_hex.testing.router import Request, Response, Route
from airflow_provider_hex.testing.serialize import guide_json
from airflow_provider_hex.testing.state import Workspace, new_id

MAX_CONTENTS = 100_000
GITHUB_REQUIRED = ("owner", "repo", "branch", "commitHash", "path")


def _external_source(raw: Any) -> dict[str, Any] | None:
    """Validate an ``ExternalContextSourceInput`` (``unknown`` or ``github``)."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or raw.get("source") not in ("unknown", "github"):
        raise bad("externalSource.source must be 'unknown' or 'github'")
    if raw["source"] == "github":
        missing = [key for key in GITHUB_REQUIRED if not isinstance(raw.get(key), str)]
        if missing:
            raise bad(f"externalSource is missing {', '.join(missing)}")
    return dict(raw)


def upsert_guide_draft(ws: Workspace, req: Request) -> Response:
    """PUT /v1/guides/draft: create guides or update their drafts, by filePath.

    A guide that exists with a different external source is skipped with a warning unless
    ``forceWrite`` is true.
    """
    body = body_object(req.body)
    reject_unknown_keys(body, ("files", "forceWrite"))
    if "files" not in body:
        raise bad("files is required")
    files = get_list(body, "files")
    force = get_bool(body, "forceWrite", False)
    parsed: list[tuple[str, str, dict[str, Any] | None]] = []
    for item in files:
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("filePath"), str)
            or not item["filePath"]
        ):
            raise bad("each file needs a filePath")
        contents = item.get("contents")
        if not isinstance(contents, str):
            raise bad(f"{item['filePath']}: contents must be a string")
        if len(contents) > MAX_CONTENTS:
            raise bad(f"{item['filePath']}: contents must be at most {MAX_CONTENTS} characters")
        parsed.append((item["filePath"], contents, _external_source(item.get("externalSource"))))
    by_path = {guide.file_path: guide for guide in ws.guides.values()}
    written: list[dict[str, Any]] = []
    warnings: list[dict[str, str]] = []
    for path, contents, source in parsed:
        guide = by_path.get(path)
        if guide is None:
            guide = Guide(new_id(), path, contents, external_source=source)
            ws.guides[guide.id] = guide
            by_path[path] = guide
        elif guide.external_source != source and not force:
            message = "A guide with this path is synced from a different source; use forceWrite"
            warnings.append({"message": message, "filePath": path})
            continue
        else:
            guide.draft = contents
            guide.external_source = source
        written.append(guide_json(guide))
    return Response(200, {"files": written, "warnings": warnings, "traceId": req.trace_id})


def publish_guide_drafts(ws: Workspace, req: Request) -> Response:
    """POST /v1/guides/publish: publish the given drafts, or all (``publishAllDraftGuides``).

    Simulator choice: ``{}`` publishes nothing; an unknown id answers 404.
    """
    body = body_object(req.body)
    reject_unknown_keys(body, ("orgGuideFileIds", "publishAllDraftGuides"))
    if get_bool(body, "publishAllDraftGuides", False):
        targets = [guide for guide in ws.guides.values() if guide.draft is not None]
    else:
        targets = [ws.guide(str(gid)) for gid in get_list(body, "orgGuideFileIds")]
    published = []
    for guide in targets:
        if guide.draft is not None:
            guide.published, guide.draft = guide.draft, None
            published.append(guide_json(guide))
    message = f"Published {len(published)} guide(s)"
    return Response(
        200, {"message": message, "publishedGuides": published, "traceId": req.trace_id}
    )


def delete_guide_draft(ws: Workspace, req: Request) -> Response:
    """DELETE /v1/guides/draft/{orgGuideFileId}: drop the draft (204).

    A guide never published disappears entirely; one without a draft answers 404.
    """
    guide = ws.guide(req.params["orgGuideFileId"])
    if guide.draft is None:
        raise ApiError(404, f"Guide file {guide.id} has no draft")
    guide.draft = None
    if guide.published is None:
        del ws.guides[guide.id]
    return Response(204)


def list_draft_guides(ws: Workspace, req: Request) -> Response:
    """GET /v1/guides/draft/list: guides that have a draft, optionally by external source."""
    wanted: dict[str, Any] | None = None
    raw = query_value(req.query, "externalSource")
    if raw:
        try:
            wanted = json.loads(raw)
        except ValueError:
            raise bad("externalSource must be a JSON object") from None
        if not isinstance(wanted, dict):
            raise bad("externalSource must be a JSON object")
    guides = [
        guide
        for guide in sorted(ws.guides.values(), key=lambda g: g.file_path)
        if guide.draft is not None
        and (
            wanted is None
            or all((guide.external_source or {}).get(k) == v for k, v in wanted.items())
        )
    ]
    return Response(200, paginate(guides, req.query, guide_json, default_limit=100))


_TSOA, _CODE = ErrorStyle.TSOA, ErrorStyle.CODE
ROUTES = [
    Route("PUT", "/api/v1/guides/draft", upsert_guide_draft, "UpsertGuideDraft", _TSOA),
    Route("POST", "/api/v1/guides/publish", publish_guide_drafts, "PublishGuideDrafts", _TSOA),
    Route(
        "GET",
        "/api/v1/guides/draft/list",
        list_draft_guides,
        "ListDraftGuides",
        _CODE,
        (HEX_API_30RPM,),
    ),
    Route(
        "DELETE",
        "/api/v1/guides/draft/{orgGuideFileId}",
        delete_guide_draft,
        "DeleteGuideDraft",
        _TSOA,
    ),
]
