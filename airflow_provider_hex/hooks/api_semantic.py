"""Semantic projects: ingest a zipped project (for example dbt semantic models), set statuses.

IngestSemanticProject takes a zip archive. Hex's OpenAPI document says so but declares only
its JSON options (``verbose``, ``debug``, ``dryRun``), so the hook sends a
``multipart/form-data`` upload: the archive as the ``file`` part, the options as form
fields. Hex allows 3 ingests a minute; the shared request budget spaces them out, so a
caller waits instead of failing.
"""

from __future__ import annotations

import io
import re
import uuid
import zipfile
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from airflow_provider_hex.exceptions import HexInvalidArgumentError
from airflow_provider_hex.hooks.access import limited_operation
from airflow_provider_hex.hooks.transport import FormBody, HexRequest
from airflow_provider_hex.operations import SEMANTIC_INGEST_GROUP
from airflow_provider_hex.types import (
    SemanticIngestResult,
    SemanticObjectType,
    SemanticUpdateResult,
)
from airflow_provider_hex.validation import (
    require_bool,
    require_status_updates,
    require_text,
    require_uuid,
)

#: Largest archive the hook sends. Hex documents no limit; this keeps a wrong folder (a
#: whole dbt ``target/``) from being uploaded by mistake. Pass ``max_bytes`` to change it.
MAX_ARCHIVE_BYTES = 50 * 1024 * 1024
_FILENAME = re.compile(r"^[\w.-]+$")
_AVAILABILITY = "workspaces with Hex's semantic projects enabled"


def check_archive(archive: Any, *, max_bytes: int = MAX_ARCHIVE_BYTES) -> list[str]:
    """Check ``archive`` is a non-empty zip of at most ``max_bytes``; return its file names."""
    if not isinstance(archive, bytes | bytearray):
        raise HexInvalidArgumentError("archive", type(archive).__name__, "expected zip bytes")
    if len(archive) > max_bytes:
        raise HexInvalidArgumentError(
            "archive",
            f"<{len(archive)} bytes>",
            f"larger than the {max_bytes} bytes allowed (max_bytes)",
        )
    try:
        with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
            names = [info.filename for info in zipped.infolist() if not info.is_dir()]
    except zipfile.BadZipFile:
        raise HexInvalidArgumentError(
            "archive", f"<{len(archive)} bytes>", "not a zip archive"
        ) from None
    if not names:
        raise HexInvalidArgumentError("archive", "<empty zip>", "holds no files to ingest")
    return names


def form_body(fields: Mapping[str, str], file_field: str, filename: str, data: bytes) -> FormBody:
    """Encode ``fields`` and one file as a ``multipart/form-data`` body."""
    boundary = uuid.uuid4().hex
    while boundary.encode() in data:  # pragma: no cover - 2**-128 odds
        boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(value.encode() + b"\r\n")
    out.write(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
        f'filename="{filename}"\r\nContent-Type: application/zip\r\n\r\n'.encode()
    )
    out.write(bytes(data) + f"\r\n--{boundary}--\r\n".encode())
    return FormBody(out.getvalue(), f"multipart/form-data; boundary={boundary}")


class SemanticAPI:
    """Hex operations on semantic projects (semantic models)."""

    if TYPE_CHECKING:

        def _call(self, request: HexRequest) -> Any: ...

    def ingest_semantic_project(
        self,
        semantic_project_id: str,
        archive: bytes,
        *,
        verbose: bool = True,
        debug: bool = False,
        dry_run: bool = False,
        filename: str = "semantic_project.zip",
        max_bytes: int = MAX_ARCHIVE_BYTES,
    ) -> SemanticIngestResult:
        """Ingest a zipped semantic project into Hex (IngestSemanticProject).

        :param archive: the zip's bytes (see ``HexIngestSemanticProjectOperator`` to zip a
            folder); an empty, non-zip or oversize archive is refused before sending.
        :param verbose: ask Hex to list what it synced (``contents``).
        :param debug: ask Hex for debug information.
        :param dry_run: validate without writing anything.
        :return: ``contents`` synced, and ``warnings``, ``skipped`` and ``problems``.

        Limited to 3 requests a minute: the shared budget waits for a slot, and a 429 is
        waited out and retried. Ingesting the same archive again gives the same semantic
        project, so a request that got no answer is sent again. Available where Hex's
        semantic projects are enabled; a 403 or 404 says so.
        """
        require_uuid("semantic_project_id", semantic_project_id)
        check_archive(archive, max_bytes=max_bytes)
        if not _FILENAME.match(require_text("filename", filename)):
            raise HexInvalidArgumentError("filename", filename, "expected a plain file name")
        fields = {
            "verbose": str(require_bool("verbose", verbose)).lower(),
            "debug": str(require_bool("debug", debug)).lower(),
            "dryRun": str(require_bool("dry_run", dry_run)).lower(),
        }
        request = HexRequest(
            "POST",
            f"/semantic-projects/{semantic_project_id}/ingest",
            form=form_body(fields, "file", filename, archive),
            rate_group=SEMANTIC_INGEST_GROUP,
        )
        with limited_operation("IngestSemanticProject", _AVAILABILITY):
            return cast(SemanticIngestResult, self._call(request))

    def update_semantic_project(
        self, semantic_project_id: str, updates: Sequence[Mapping[str, Any]]
    ) -> SemanticUpdateResult:
        """Set or remove statuses (endorsements included) on a semantic project's objects.

        ``updates`` is a batch of ``{"type": "DATASET"|"VIEW", "name": ..., "status":
        "Endorsed" | None}``, checked here before it is sent. Hex applies it atomically:
        one refused update (unknown name or status) changes nothing.
        """
        require_uuid("semantic_project_id", semantic_project_id)
        batch = require_status_updates("updates", updates, SemanticObjectType)
        request = HexRequest(
            "PATCH", f"/semantic-projects/{semantic_project_id}", body={"updates": batch}
        )
        with limited_operation("UpdateSemanticProject", _AVAILABILITY):
            return cast(SemanticUpdateResult, self._call(request))


__all__ = ["MAX_ARCHIVE_BYTES", "SemanticAPI", "check_archive", "form_body"]
