"""Operators for Hex semantic projects: ingest a folder of models, set statuses.

A dbt build that produces semantic models, or a repository of Hex semantic-layer YAML,
hands them to Hex with :class:`HexIngestSemanticProjectOperator`; endorse the datasets and
views with :class:`HexUpdateSemanticProjectOperator`.
"""

from __future__ import annotations

import fnmatch
import io
import os
import time
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow_provider_hex.exceptions import HexInvalidArgumentError, HexRateLimitError
from airflow_provider_hex.hooks.api_semantic import MAX_ARCHIVE_BYTES
from airflow_provider_hex.operators._common import HexBaseOperator, check_static
from airflow_provider_hex.operators._status_batch import StatusBatchOperator
from airflow_provider_hex.types import SemanticObjectType
from airflow_provider_hex.validation import require_bool, require_uuid

if TYPE_CHECKING:
    from airflow.sdk import Context

#: Largest archive sent by default (Hex documents no limit; see ``max_archive_bytes``).
DEFAULT_MAX_ARCHIVE_BYTES = MAX_ARCHIVE_BYTES
#: Default longest wait, in seconds, for Hex's 3-ingests-a-minute limit.
DEFAULT_RATE_LIMIT_WAIT = 300.0
#: Wait before trying again after a 429 that did not say how long to wait.
_DEFAULT_RETRY_AFTER = 20.0


def require_folder(argument: str, value: Any) -> Path:
    """Check ``value`` names an existing local folder."""
    if not isinstance(value, str | os.PathLike) or not str(value):
        raise HexInvalidArgumentError(argument, value, "expected the path of a folder")
    path = Path(value)
    if not path.is_dir():
        raise HexInvalidArgumentError(argument, value, "is not an existing folder")
    return path


def folder_files(folder: Path, patterns: Sequence[str] | None) -> list[Path]:
    """The files under ``folder`` (relative paths matching ``patterns``), sorted."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    if patterns:
        files = [
            p
            for p in files
            if any(fnmatch.fnmatch(p.relative_to(folder).as_posix(), pat) for pat in patterns)
        ]
    return files


def zip_folder(
    folder: Path, patterns: Sequence[str] | None = None, *, max_bytes: int
) -> tuple[bytes, list[str]]:
    """Zip the files of ``folder`` (paths kept relative to it); return bytes and names.

    :raises HexInvalidArgumentError: when the folder holds no matching file, or the
        archive is larger than ``max_bytes``.
    """
    files = folder_files(folder, patterns)
    if not files:
        what = f"no file matching {list(patterns)}" if patterns else "no files"
        raise HexInvalidArgumentError("folder", str(folder), f"holds {what} to ingest")
    out = io.BytesIO()
    names = [p.relative_to(folder).as_posix() for p in files]
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for path, name in zip(files, names, strict=True):
            zipped.write(path, name)
            if out.tell() > max_bytes:
                break
    data = out.getvalue()
    if len(data) > max_bytes:
        raise HexInvalidArgumentError(
            "folder",
            str(folder),
            f"zips to more than max_archive_bytes={max_bytes} bytes; ingest a smaller folder "
            "or narrow it with patterns",
        )
    return data, names


class HexIngestSemanticProjectOperator(HexBaseOperator):
    """Zip a folder and ingest it into a Hex semantic project.

    ::

        HexIngestSemanticProjectOperator(
            task_id="sync_semantic_models",
            semantic_project_id="3b0c7d1e-6f2a-4e59-8c41-9d2e7a5b6c10",
            folder="/opt/airflow/dbt/models/semantic",
            patterns=["*.yml", "*.yaml"],
        )

    Everything is checked before a request is sent: the folder must exist and hold at least
    one (matching) file, and the archive must fit in ``max_archive_bytes``. Hex accepts 3
    ingests a minute: the shared request budget spaces them out, and a 429 is waited out
    (up to ``rate_limit_wait`` seconds in all) instead of failing the task. Ingesting the
    same folder again gives the same semantic project, so retries are safe.

    :param semantic_project_id: the semantic project (Settings > Semantic projects in Hex).
    :param folder: the local folder to zip; paths in the archive are relative to it.
    :param patterns: glob patterns on those relative paths (``"*.yml"`` matches at any
        depth); None takes every file.
    :param validate_only: have Hex check the archive without changing the semantic project
        (Hex's ``dryRun``; named so because Airflow operators have a ``dry_run`` method).
    :param max_archive_bytes: refuse larger archives (default 50 MiB).
    :param rate_limit_wait: longest time to wait out Hex's rate limit, in seconds.
    :return: ``{"semantic_project_id", "files", "contents", "warnings", "problems"}``:
        the archive's files and what Hex reports having synced.
    """

    template_fields: Sequence[str] = ("semantic_project_id", "folder", "patterns")

    def __init__(
        self,
        *,
        semantic_project_id: str,
        folder: str | os.PathLike[str],
        patterns: Sequence[str] | None = None,
        validate_only: bool = False,
        max_archive_bytes: int = DEFAULT_MAX_ARCHIVE_BYTES,
        rate_limit_wait: float = DEFAULT_RATE_LIMIT_WAIT,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.semantic_project_id = semantic_project_id
        self.folder = folder
        self.patterns = patterns
        self.validate_only = require_bool("validate_only", validate_only)
        self.max_archive_bytes = max_archive_bytes
        self.rate_limit_wait = rate_limit_wait
        check_static(require_uuid, "semantic_project_id", semantic_project_id)

    def execute(self, context: Context) -> dict[str, Any]:
        """Zip the folder, then ingest it, waiting out Hex's rate limit if need be."""
        require_uuid("semantic_project_id", self.semantic_project_id)
        folder = require_folder("folder", self.folder)
        archive, names = zip_folder(folder, self.patterns, max_bytes=self.max_archive_bytes)
        self.log.info(
            "Ingesting %d file(s) from %s (%d bytes zipped) into semantic project %s",
            len(names),
            folder,
            len(archive),
            self.semantic_project_id,
        )
        result = self._ingest(archive)
        for warning in result.get("warnings") or []:
            self.log.warning("Hex: %s", warning)
        return {
            "semantic_project_id": self.semantic_project_id,
            "files": names,
            "contents": list(result.get("contents") or []),
            "warnings": list(result.get("warnings") or []),
            "problems": list(result.get("problems") or []),
        }

    def _ingest(self, archive: bytes) -> Mapping[str, Any]:
        deadline = time.monotonic() + self.rate_limit_wait
        while True:
            try:
                return self.hook.ingest_semantic_project(
                    self.semantic_project_id,
                    archive,
                    dry_run=self.validate_only,
                    max_bytes=self.max_archive_bytes,
                )
            except HexRateLimitError as err:
                wait = err.retry_after if err.retry_after is not None else _DEFAULT_RETRY_AFTER
                if time.monotonic() + wait > deadline:
                    raise
                self.log.info("Hex's ingest limit (3 a minute) reached; waiting %.1fs", wait)
                time.sleep(wait)


class HexUpdateSemanticProjectOperator(StatusBatchOperator):
    """Add or remove statuses on a semantic project's datasets and views.

    ``updates`` is a batch of ``{"type": "DATASET"|"VIEW", "name", "status"}`` (``status``
    None removes it), checked in full before it is sent; Hex applies it atomically. Setting
    the same statuses again changes nothing, so retries are safe.

    :param semantic_project_id: the semantic project.
    :param updates: the status changes.
    :return: ``{"semantic_project_id", "updated"}`` with Hex's ``datasets`` and ``views``.
    """

    template_fields: Sequence[str] = ("semantic_project_id", "updates")
    target_argument = "semantic_project_id"
    object_types = SemanticObjectType

    def __init__(
        self, *, semantic_project_id: str, updates: Sequence[Mapping[str, Any]], **kwargs: Any
    ) -> None:
        super().__init__(updates=updates, **kwargs)
        self.semantic_project_id = semantic_project_id
        self.check_literals()

    def send(self, target_id: str, batch: list[dict[str, Any]]) -> Mapping[str, Any]:
        """Send the batch with UpdateSemanticProject."""
        return self.hook.update_semantic_project(target_id, batch)


__all__ = [
    "HexIngestSemanticProjectOperator",
    "HexUpdateSemanticProjectOperator",
    "zip_folder",
]
