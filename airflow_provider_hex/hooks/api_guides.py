"""Workspace guides: upsert drafts, publish them, delete a draft, list drafts."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from airflow_provider_hex.exceptions import HexInvalidArgumentError
from airflow_provider_hex.hooks.pagination import Pager, cursor_pager
from airflow_provider_hex.hooks.transport import HexRequest
from airflow_provider_hex.operations import CONTENT_GROUP
from airflow_provider_hex.types import (
    GuideFile,
    GuideFileInput,
    PublishGuidesResult,
    UpsertGuidesResult,
)
from airflow_provider_hex.validation import (
    require_json_object,
    require_limit,
    require_text,
    require_uuid,
    require_uuids,
)

#: Hex's limit on one guide file's contents, in characters.
MAX_GUIDE_CHARS = 100_000


def guide_files(files: Mapping[str, str] | Sequence[GuideFileInput]) -> list[dict[str, Any]]:
    """Check guide files given as ``{path: contents}`` or as ``GuideFileInput`` dicts."""
    if isinstance(files, Mapping):
        items: list[Any] = [{"filePath": p, "contents": c} for p, c in files.items()]
    elif isinstance(files, Sequence) and not isinstance(files, str | bytes):
        items = list(files)
    else:
        raise HexInvalidArgumentError("files", files, "expected {path: contents} or a list")
    if not items:
        raise HexInvalidArgumentError("files", files, "no guide files given")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise HexInvalidArgumentError(f"files[{i}]", item, "expected a dict")
        path = require_text(f"files[{i}].filePath", item.get("filePath"))
        contents = item.get("contents")
        if not isinstance(contents, str):
            raise HexInvalidArgumentError(
                f"files[{path!r}].contents", type(contents).__name__, "expected a string"
            )
        if len(contents) > MAX_GUIDE_CHARS:
            raise HexInvalidArgumentError(
                f"files[{path!r}].contents",
                f"<{len(contents)} chars>",
                f"Hex takes at most {MAX_GUIDE_CHARS:,} characters per guide; split the file",
            )
        out.append(dict(item))
    return out


class GuidesAPI:
    """Hex operations on workspace guides."""

    if TYPE_CHECKING:

        def _call(self, request: HexRequest) -> Any: ...

    def upsert_guide_draft(
        self, files: Mapping[str, str] | Sequence[GuideFileInput], *, force_write: bool = False
    ) -> UpsertGuidesResult:
        """Create or update guide drafts by file path (UpsertGuideDraft).

        :param files: ``{"guide.md": "# Guide..."}`` or a list of ``GuideFileInput``.
        :param force_write: overwrite a same-named guide that came from another source.
        """
        body: dict[str, Any] = {"files": guide_files(files)}
        if force_write:
            body["forceWrite"] = True
        return cast(UpsertGuidesResult, self._call(HexRequest("PUT", "/guides/draft", body=body)))

    def publish_guide_drafts(
        self, org_guide_file_ids: Sequence[str] | None = None, *, publish_all: bool = False
    ) -> PublishGuidesResult:
        """Publish the given draft guides, or every draft with ``publish_all``."""
        if publish_all:
            body: dict[str, Any] = {"publishAllDraftGuides": True}
        elif org_guide_file_ids:
            body = {"orgGuideFileIds": require_uuids("org_guide_file_ids", org_guide_file_ids)}
        else:
            raise HexInvalidArgumentError(
                "org_guide_file_ids", org_guide_file_ids, "give guide ids, or publish_all=True"
            )
        return cast(
            PublishGuidesResult, self._call(HexRequest("POST", "/guides/publish", body=body))
        )

    def delete_guide_draft(self, org_guide_file_id: str) -> None:
        """Delete a guide draft (DeleteGuideDraft)."""
        require_uuid("org_guide_file_id", org_guide_file_id)
        self._call(HexRequest("DELETE", f"/guides/draft/{org_guide_file_id}", expect_object=False))

    def list_draft_guides(
        self, *, limit: int = 100, external_source: Mapping[str, Any] | None = None
    ) -> Pager[GuideFile]:
        """List every draft guide (ListDraftGuides), lazily.

        :param external_source: only guides synced from this source, e.g.
            ``{"source": "github", "owner": "acme", "repo": "guides", ...}``.
        """
        require_limit("limit", limit, 100)
        params: dict[str, Any] = {}
        if external_source is not None:
            source = require_json_object("external_source", external_source)
            params["externalSource"] = json.dumps(source, separators=(",", ":"))
        return cursor_pager(
            self._call, "/guides/draft/list", params, limit=limit, rate_group=CONTENT_GROUP
        )
