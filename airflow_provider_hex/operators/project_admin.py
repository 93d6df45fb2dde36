"""Operators that create Hex projects and export them as code (``.hex.yaml`` files)."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from airflow_provider_hex.exceptions import HexInvalidArgumentError
from airflow_provider_hex.operators._common import HexBaseOperator, check_static
from airflow_provider_hex.validation import (
    is_templated,
    require_export_version,
    require_text,
    require_uuid,
    require_uuids,
)

if TYPE_CHECKING:
    from airflow.sdk import Context, ObjectStoragePath

_UNSAFE = re.compile(r"[^\w.-]+")


def require_project_ids(argument: str, value: Any) -> list[str]:
    """Check one project id or a list of them; return them as a list without repeats."""
    ids = [value] if isinstance(value, str) else require_uuids(argument, value)
    if not ids:
        raise HexInvalidArgumentError(argument, value, "names no project to export")
    return list(dict.fromkeys(require_uuid(argument, i) for i in ids))


def _storage_path(destination: str | os.PathLike[str]) -> ObjectStoragePath:
    """``ObjectStoragePath(destination)``, with ``file://`` URLs read on every Airflow.

    Airflow 3.0's ``ObjectStoragePath`` refuses ``file://`` URLs with the
    ``universal_pathlib`` 0.3 it is installed with; a local path works there.
    """
    from airflow.sdk import ObjectStoragePath

    try:
        return ObjectStoragePath(destination)
    except TypeError:
        text = str(destination)
        if not text.startswith("file://"):
            raise
        return ObjectStoragePath(url2pathname(urlsplit(text).path))


def writable_folder(argument: str, destination: Any) -> ObjectStoragePath:
    """Return ``destination`` as an ``ObjectStoragePath`` folder proven writable.

    Makes the folder if needed, then writes and deletes a small probe file in it.
    """
    from airflow.sdk import ObjectStoragePath

    if not isinstance(destination, str | os.PathLike) or not str(destination):
        raise HexInvalidArgumentError(
            argument, destination, "expected a folder URL such as 'file:///backups/hex'"
        )
    try:
        folder = (
            destination
            if isinstance(destination, ObjectStoragePath)
            else _storage_path(destination)
        )
        probe = folder / f".hex-write-check-{uuid.uuid4().hex}"
        folder.mkdir(parents=True, exist_ok=True)
        probe.write_text("")
        probe.unlink()
    except Exception as err:  # any store, any failure: say it before asking Hex for anything
        raise HexInvalidArgumentError(
            argument, str(destination), f"is not a writable folder ({type(err).__name__}: {err})"
        ) from None
    return folder


class HexCreateProjectOperator(HexBaseOperator):
    """Create an empty Hex project.

    Project titles need not be unique in Hex: every successful try creates a new project.
    The request is never repeated after an ambiguous failure (no answer, a 5xx), but a
    retry of the task after one may create a second project with the same title; look it
    up with ``HexHook.list_projects`` before retrying by hand if that matters.

    :param title: the project's title.
    :param description: its description.
    :return: ``{"id", "title", "description"}``; ``id`` is also pushed as an XCom of its own
        (``create_project.output["id"]``).
    """

    output_keys = ("id",)

    template_fields: Sequence[str] = ("title", "description")

    def __init__(self, *, title: str, description: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.title = title
        self.description = description
        check_static(require_text, "title", title)

    def execute(self, context: Context) -> dict[str, Any]:
        """Create the project."""
        project = self.hook.create_project(
            require_text("title", self.title), description=self.description
        )
        self.log.info("Created Hex project %r (%s)", project.get("title"), project.get("id"))
        result = {
            "id": project.get("id"),
            "title": project.get("title"),
            "description": project.get("description"),
        }
        return self.push_outputs(context, result)


class HexExportProjectOperator(HexBaseOperator):
    """Export projects as ``.hex.yaml`` files to a folder of any Airflow object store.

    ::

        HexExportProjectOperator(
            task_id="back_up_reports",
            project_ids=["5a8591dd-4039-49df-9202-96385ba3eff8", ...],
            destination="s3://aws_default@backups/hex/{{ ds }}/",
        )

    Every project is exported before any file is written, so a failure leaves no partial
    set behind. One file per project, named as Hex names the export (the project's title), or
    ``<name>-<project id>.hex.yaml`` when two projects share a name; existing files are
    overwritten. The destination is made if need be and proven writable before any
    request to Hex. ExportProject is enabled per workspace by Hex support: without it the
    task fails on the first project with an error that says so.

    :param project_ids: one project id or a list of them.
    :param destination: a folder as an ``ObjectStoragePath`` or its URL
        (``file:///...``, ``s3://conn_id@bucket/prefix/``...).
    :param version: ``"draft"`` (the notebook now), ``"latest"`` (the published app) or a
        published version number.
    :return: the written files' URLs, in the order of ``project_ids``.
    """

    template_fields: Sequence[str] = ("project_ids", "destination", "version")

    def __init__(
        self,
        *,
        project_ids: str | Sequence[str],
        destination: str | os.PathLike[str],
        version: int | str = "draft",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.project_ids = project_ids
        self.destination = destination
        self.version = version
        check_static(require_project_ids, "project_ids", project_ids)
        if not is_templated(version):
            require_export_version("version", version)

    def execute(self, context: Context) -> list[str]:
        """Check the destination, then export and write each project."""
        ids = require_project_ids("project_ids", self.project_ids)
        version = require_export_version("version", self.version)
        folder = writable_folder("destination", self.destination)
        exports = [(pid, self.hook.export_project(pid, version=version)) for pid in ids]
        names = [
            _UNSAFE.sub("-", os.path.basename(e["filename"])) or "project.hex.yaml"
            for _, e in exports
        ]
        paths: list[str] = []
        for (project_id, export), name in zip(exports, names, strict=True):
            if names.count(name) > 1:
                stem = name.removesuffix(".hex.yaml")
                name = f"{stem}-{project_id}.hex.yaml"
            target = folder / name
            target.write_text(export["content"])
            self.log.info("Exported project %s to %s", project_id, target)
            paths.append(str(target))
        return paths


__all__ = ["HexCreateProjectOperator", "HexExportProjectOperator"]
