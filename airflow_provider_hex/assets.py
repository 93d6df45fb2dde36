"""Hex projects as Airflow assets: the ``hex`` URI scheme.

One project has one asset URI, stable across releases::

    hex://<workspace host>/projects/<project id>

for example ``hex://app.hex.tech/projects/5a8591dd-4039-49df-9202-96385ba3eff8``. The host is
the workspace's host as in the Hex connection (``app.hex.tech``, ``eu.hex.tech``, a
single-tenant host, with its port if it has one); the id is lower-case. The same URI is the
run operator's outlet, the watcher's asset
(:class:`~airflow_provider_hex.triggers.project_runs.HexProjectRunEventTrigger`) and the
output dataset of the run operator's OpenLineage events (namespace ``hex://<host>``, name
``projects/<id>``), so one asset joins all three.

Airflow normalizes every ``hex://`` URI with :func:`sanitize_uri` (registered through
``asset-uris`` in the provider info), which refuses malformed ones.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, urlsplit

from airflow_provider_hex.connection_form import DEFAULT_HOST
from airflow_provider_hex.exceptions import HexInvalidArgumentError
from airflow_provider_hex.validation import require_uuid

if TYPE_CHECKING:
    from airflow.sdk import Asset, AssetWatcher

__all__ = [
    "DEFAULT_ASSET_HOST",
    "HEX_SCHEME",
    "asset_host",
    "convert_asset_to_openlineage",
    "create_asset",
    "hex_project_asset",
    "hex_project_uri",
    "parse_hex_project_uri",
    "sanitize_uri",
]

HEX_SCHEME = "hex"
#: The host of Hex's multi-tenant workspace, used when no host is given.
DEFAULT_ASSET_HOST = urlsplit(DEFAULT_HOST).netloc
_PATH = re.compile(
    r"^/projects/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
)
_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?$")


def asset_host(host: str | None = None) -> str:
    """Return the URI host of a workspace from ``app.hex.tech``, ``https://eu.hex.tech/``...

    Accepts what a Hex connection's host accepts (a bare host, or a URL whose path is
    dropped) and gives the lower-case ``host[:port]``.
    """
    raw = (host or "").strip() or DEFAULT_ASSET_HOST
    parts = urlsplit(raw if "://" in raw else "https://" + raw)
    netloc = parts.netloc.lower()
    if parts.username is not None or parts.password is not None or not _HOST.match(netloc):
        shown = "<redacted>" if "@" in raw else raw
        raise HexInvalidArgumentError("host", shown, "expected a Hex host such as app.hex.tech")
    return netloc


def hex_project_uri(project_id: str, host: str | None = None) -> str:
    """Return the canonical ``hex://<host>/projects/<id>`` URI of a project."""
    project = require_uuid("project_id", project_id).lower()
    return f"{HEX_SCHEME}://{asset_host(host)}/projects/{project}"


def hex_project_asset(
    project_id: str,
    host: str | None = None,
    *,
    name: str | None = None,
    group: str = "hex",
    extra: Mapping[str, Any] | None = None,
    watchers: Sequence[AssetWatcher] | None = None,
) -> Asset:
    """Return the Airflow asset of a Hex project, to use as an outlet, schedule or watcher.

    :param project_id: the project's UUID.
    :param host: the workspace host, as in the Hex connection (default ``app.hex.tech``).
    :param name: the asset's name in Airflow (default: its URI).
    :param group: the asset's group.
    :param extra: the asset's own extra (not an event's).
    :param watchers: ``AssetWatcher`` s whose events update the asset, for example one with a
        :class:`~airflow_provider_hex.triggers.project_runs.HexProjectRunEventTrigger`.
    """
    from airflow.sdk import Asset

    uri = hex_project_uri(project_id, host)
    more: dict[str, Any] = {"watchers": list(watchers)} if watchers else {}
    return Asset(name=name or uri, uri=uri, group=group, extra=dict(extra or {}), **more)


def create_asset(*, project_id: str, host: str | None = None, **kwargs: Any) -> Asset:
    """Asset factory registered in the provider info (same as :func:`hex_project_asset`)."""
    return hex_project_asset(project_id, host, **kwargs)


def parse_hex_project_uri(uri: str) -> tuple[str, str]:
    """Return ``(host, project_id)`` of a ``hex://`` project URI; ValueError if malformed."""
    parts = sanitize_uri(urlsplit(uri))
    match = _PATH.match(parts.path)
    assert match is not None  # sanitize_uri checked it
    return parts.netloc, match.group(1)


def sanitize_uri(uri: SplitResult) -> SplitResult:
    """Normalize a ``hex://`` URI for Airflow, or raise ValueError saying what is wrong.

    The host is lower-cased, the project id too; credentials, queries, fragments, a
    missing host and any path but ``/projects/<uuid>`` are refused.
    """
    if uri.scheme != HEX_SCHEME:
        raise ValueError(f"a Hex asset URI starts with hex://, not {uri.scheme}://")
    if uri.username is not None or uri.password is not None:
        raise ValueError("a Hex asset URI holds no credentials")
    netloc = uri.netloc.lower()
    if not netloc or not _HOST.match(netloc):
        raise ValueError(
            "a Hex asset URI names the workspace host: hex://app.hex.tech/projects/<project id>"
        )
    if uri.query or uri.fragment:
        raise ValueError("a Hex asset URI has no query or fragment")
    match = _PATH.match(uri.path)
    if match is None:
        raise ValueError(
            f"a Hex asset URI's path is /projects/<project UUID>, not {uri.path or '(empty)'!r}"
        )
    return uri._replace(netloc=netloc, path=f"/projects/{match.group(1).lower()}")


def convert_asset_to_openlineage(asset: Asset, lineage_context: Any = None) -> Any:
    """Return the OpenLineage dataset of a ``hex://`` asset (namespace ``hex://<host>``).

    Registered as the scheme's ``to_openlineage_converter``; needs the OpenLineage provider.
    """
    from airflow.providers.common.compat.openlineage.facet import Dataset

    host, project_id = parse_hex_project_uri(asset.uri)
    return Dataset(namespace=f"{HEX_SCHEME}://{host}", name=f"projects/{project_id}")
