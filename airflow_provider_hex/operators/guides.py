"""Guides as code: upload guide drafts from a folder or from strings, publish, delete.

Hex takes at most 100,000 characters per guide file; a longer file fails the task before
anything is sent, naming the file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow_provider_hex.exceptions import HexInvalidArgumentError, HexNotFoundError
from airflow_provider_hex.hooks.api_guides import MAX_GUIDE_CHARS
from airflow_provider_hex.operators._common import HexBaseOperator, check_static
from airflow_provider_hex.validation import require_bool, require_text, require_uuid, require_uuids

if TYPE_CHECKING:
    from airflow.sdk import Context


def _check_size(file_path: str, contents: str, origin: str | None = None) -> None:
    if len(contents) > MAX_GUIDE_CHARS:
        where = f" ({origin})" if origin else ""
        raise HexInvalidArgumentError(
            f"guide file {file_path!r}{where}",
            f"<{len(contents):,} characters>",
            f"Hex takes at most {MAX_GUIDE_CHARS:,} characters per guide file; split it",
        )


def read_guide_folder(folder: Path, pattern: str) -> dict[str, str]:
    """Read every file under ``folder`` matching ``pattern`` as ``{relative posix path: text}``.

    :raises HexInvalidArgumentError: no such folder, no matching file, a file that is not
        UTF-8, or a file over Hex's size limit (named in the message).
    """
    if not folder.is_dir():
        raise HexInvalidArgumentError("folder", str(folder), "no such folder")
    files: dict[str, str] = {}
    for path in sorted(p for p in folder.glob(pattern) if p.is_file()):
        name = path.relative_to(folder).as_posix()
        try:
            contents = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as err:
            raise HexInvalidArgumentError(
                f"guide file {name!r}", str(path), f"not UTF-8 text ({err.reason})"
            ) from None
        _check_size(name, contents, str(path))
        files[name] = contents
    if not files:
        raise HexInvalidArgumentError(
            "folder", str(folder), f"no files match {pattern!r}; nothing to upload"
        )
    return files


def _check_files(files: Any) -> dict[str, str]:
    if not isinstance(files, Mapping) or not files:
        raise HexInvalidArgumentError("files", files, "expected a non-empty dict of path -> text")
    for path, contents in files.items():
        require_text("files key", path)
        if not isinstance(contents, str):
            raise HexInvalidArgumentError(
                f"guide file {path!r}", type(contents).__name__, "expected the file's text"
            )
        _check_size(path, contents)
    return dict(files)


class HexUpsertGuideDraftsOperator(HexBaseOperator):
    """Create or update guide drafts in Hex from a folder of files or from strings.

    Each file becomes the draft of the guide with the same path (created if new). Publish
    the drafts with :class:`HexPublishGuideDraftsOperator`, handing it the uploaded
    guides' ids as ``upload.output["guide_ids"]``.

    :param folder: a folder of guide files; a relative path is taken from the DAG file's
        folder. The guide paths are the files' paths relative to it.
    :param files: ``{"path.md": "text"}`` instead of a folder. Templated: wrap text that
        holds ``{{`` in :func:`airflow.sdk.literal`.
    :param pattern: which files of ``folder`` to upload (a glob; default ``**/*.md``).
    :param force_write: overwrite guides of the same path that came from another source.
    :return: ``{"files": [{"id", "filePath"}], "guide_ids": [...], "warnings": [...]}``;
        ``warnings`` lists files Hex skipped (say, synced from elsewhere without force_write).
        ``guide_ids`` is also pushed as an XCom of its own.
    """

    output_keys = ("guide_ids",)

    template_fields: Sequence[str] = ("folder", "files", "pattern")

    def __init__(
        self,
        *,
        folder: str | os.PathLike[str] | None = None,
        files: Mapping[str, str] | None = None,
        pattern: str = "**/*.md",
        force_write: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if (folder is None) == (files is None):
            raise HexInvalidArgumentError("folder", folder, "give folder or files, not both")
        self.folder = None if folder is None else os.fspath(folder)
        self.files = files
        self.pattern = pattern
        self.force_write = require_bool("force_write", force_write)
        check_static(require_text, "pattern", pattern)
        check_static(lambda _arg, value: _check_files(value), "files", files)

    def _folder(self, context: Context) -> Path:
        folder = Path(require_text("folder", self.folder))
        if not folder.is_absolute():
            dag = context.get("dag") or (self.dag if self.has_dag() else None)  # type: ignore[no-untyped-call]
            fileloc = getattr(dag, "fileloc", None)
            if fileloc:
                folder = Path(fileloc).parent / folder
        return folder

    def collect(self, context: Context) -> dict[str, str]:
        """Read and check the guide files, before anything is sent to Hex."""
        if self.files is not None:
            return _check_files(self.files)
        return read_guide_folder(self._folder(context), require_text("pattern", self.pattern))

    def execute(self, context: Context) -> dict[str, Any]:
        """Upload every file as a guide draft in one request."""
        files = self.collect(context)
        answer = self.hook.upsert_guide_draft(files, force_write=self.force_write)
        written = [dict(f) for f in answer.get("files") or []]
        warnings = [dict(w) for w in answer.get("warnings") or []]
        for guide in written:
            self.log.info("Guide draft %s saved as %s", guide.get("filePath"), guide.get("id"))
        for warning in warnings:
            self.log.warning(
                "Hex skipped guide %s: %s", warning.get("filePath"), warning.get("message")
            )
        self.log.info("Uploaded %d of %d guide file(s) as drafts", len(written), len(files))
        guide_ids = [str(f["id"]) for f in written]
        return self.push_outputs(
            context, {"files": written, "guide_ids": guide_ids, "warnings": warnings}
        )


class HexPublishGuideDraftsOperator(HexBaseOperator):
    """Publish guide drafts: the given ones, or every draft with ``publish_all=True``.

    :param guide_ids: ids of the guides to publish (templated; an empty list publishes
        nothing and succeeds).
    :param publish_all: publish every draft of the workspace.
    :return: ``{"published": [{"id", "filePath"}], "guide_ids": [...], "message"}``.
    """

    template_fields: Sequence[str] = ("guide_ids",)

    def __init__(
        self,
        *,
        guide_ids: Sequence[str] | None = None,
        publish_all: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.guide_ids = guide_ids
        self.publish_all = require_bool("publish_all", publish_all)
        if (guide_ids is None) == (not publish_all):
            raise HexInvalidArgumentError(
                "guide_ids", guide_ids, "give guide_ids, or publish_all=True (not both)"
            )
        check_static(require_uuids, "guide_ids", guide_ids)

    def execute(self, context: Context) -> dict[str, Any]:
        """Publish the drafts and log which guides went live."""
        if self.publish_all:
            result = self.hook.publish_guide_drafts(publish_all=True)
        else:
            ids = require_uuids("guide_ids", self.guide_ids or [])
            if not ids:
                self.log.info("No guide ids given: nothing to publish")
                return {"published": [], "guide_ids": [], "message": "nothing to publish"}
            result = self.hook.publish_guide_drafts(ids)
        published = [dict(g) for g in result.get("publishedGuides") or []]
        for guide in published:
            self.log.info("Published guide %s (%s)", guide.get("filePath"), guide.get("id"))
        self.log.info("Hex: %s", result.get("message"))
        return {
            "published": published,
            "guide_ids": [str(g["id"]) for g in published],
            "message": result.get("message"),
        }


class HexDeleteGuideDraftOperator(HexBaseOperator):
    """Delete a guide draft, named by id or by file path; one already gone is success.

    :param guide_id: the guide's id (``orgGuideFileId``).
    :param file_path: the guide's path instead, looked up among the drafts.
    :return: ``{"guide_id", "file_path", "deleted"}``; ``deleted`` is False when there was
        no such draft (Hex answered 404, or no draft has the path).
    """

    template_fields: Sequence[str] = ("guide_id", "file_path")

    def __init__(
        self, *, guide_id: str | None = None, file_path: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        if (guide_id is None) == (file_path is None):
            raise HexInvalidArgumentError("guide_id", guide_id, "give guide_id or file_path")
        self.guide_id = guide_id
        self.file_path = file_path
        check_static(require_uuid, "guide_id", guide_id)
        check_static(require_text, "file_path", file_path)

    def execute(self, context: Context) -> dict[str, Any]:
        """Find the draft if named by path, then delete it."""
        guide_id, path = self.guide_id, self.file_path
        if guide_id is not None:
            require_uuid("guide_id", guide_id)
        else:
            require_text("file_path", path)
            found = [g for g in self.hook.list_draft_guides() if g.get("filePath") == path]
            if not found:
                self.log.info("No guide draft at %r: nothing to delete", path)
                return {"guide_id": None, "file_path": path, "deleted": False}
            guide_id = str(found[0]["id"])
        try:
            self.hook.delete_guide_draft(guide_id)
        except HexNotFoundError:
            self.log.info("Guide draft %s was already deleted: nothing to do", guide_id)
            return {"guide_id": guide_id, "file_path": path, "deleted": False}
        self.log.info("Deleted guide draft %s%s", guide_id, f" ({path})" if path else "")
        return {"guide_id": guide_id, "file_path": path, "deleted": True}


__all__ = [
    "HexDeleteGuideDraftOperator",
    "HexPublishGuideDraftsOperator",
    "HexUpsertGuideDraftsOperator",
]
