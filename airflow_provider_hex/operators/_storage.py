"""Destinations in Airflow's object storage (``ObjectStoragePath``): local folders in tests,
any fsspec store (S3, GCS, ...) in production.

:func:`writable_folder` turns an argument into a folder and proves it can be written before
any request goes to Hex, so a task does not start work whose result it cannot keep.
"""

from __future__ import annotations

import os
import uuid
from typing import TYPE_CHECKING, Any

from airflow_provider_hex.exceptions import HexInvalidArgumentError

if TYPE_CHECKING:
    from airflow.sdk import ObjectStoragePath

_FILE_SCHEME = "file://"


def storage_folder(argument: str, value: Any) -> ObjectStoragePath:
    """Return ``value`` (an ``ObjectStoragePath``, a URL or a local path) as a folder path.

    ``file://`` URLs are read as local paths where Airflow's ``ObjectStoragePath`` refuses
    them (Airflow 3.0 with universal-pathlib 0.3).
    """
    from airflow.sdk import ObjectStoragePath

    if isinstance(value, ObjectStoragePath):
        return value
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str) or not value.strip():
        raise HexInvalidArgumentError(
            argument, value, "expected a folder: an ObjectStoragePath, a URL or a local path"
        )
    try:
        return ObjectStoragePath(value)
    except (TypeError, ValueError) as err:
        if value.startswith(_FILE_SCHEME):
            return ObjectStoragePath(value[len(_FILE_SCHEME) :])
        raise HexInvalidArgumentError(argument, value, f"not a storage path: {err}") from err


def writable_folder(argument: str, value: Any) -> ObjectStoragePath:
    """Return the folder ``value`` names, created if needed, after writing a probe file to it.

    :raises HexInvalidArgumentError: naming ``argument`` when the folder cannot be created
        or written (the probe is removed again).
    """
    folder = storage_folder(argument, value)
    probe = folder / f".hex-write-check-{uuid.uuid4().hex}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
        probe.unlink()
    except Exception as err:  # any store's error: permissions, missing bucket, read-only
        raise HexInvalidArgumentError(
            argument, str(folder), f"the folder is not writable ({type(err).__name__}: {err})"
        ) from err
    return folder


__all__ = ["storage_folder", "writable_folder"]
