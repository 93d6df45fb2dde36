"""OpenLineage for Hex runs: which warehouse tables a project reads, and what it produces.

Used by :class:`~airflow_provider_hex.operators.hex.HexRunProjectOperator`'s
``get_openlineage_facets_on_complete`` / ``_on_failure`` when
``apache-airflow-providers-openlineage`` is installed (``airflow-provider-hex[openlineage]``).
Nothing here imports OpenLineage at module level, and nothing runs at DAG parse time.

* **Inputs**: the project's queried tables (GetQueriedTables), named by OpenLineage's
  dataset naming conventions for the warehouse behind each table's data connection
  (GetDataConnection): ``snowflake://<account>``, ``bigquery``, ``postgres://<host>:<port>``,
  ``redshift://<cluster>.<region>:<port>``, ``databricks://<host>``, ``trino://<host>:<port>``,
  ``awsathena://athena.<region>.amazonaws.com``, ``clickhouse://<host>:<port>``. A table
  whose connection cannot be mapped is still reported, under
  ``hex-unmapped://<data connection id>``, and logged.
* **Output**: the Hex project as the dataset of its ``hex://`` asset.
* **Cost**: the tables, connections and title of a project are read once per process and
  kept for :data:`CACHE_SECONDS`; a read the rate budget would make wait is skipped (the
  event then has no inputs), and no failure here ever fails the task.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from airflow_provider_hex.assets import HEX_SCHEME, asset_host

if TYPE_CHECKING:
    from airflow_provider_hex.hooks.hex import HexHook

__all__ = [
    "CACHE_SECONDS",
    "UNMAPPED_NAMESPACE",
    "LineageTable",
    "ProjectLineage",
    "forget_lineage",
    "project_lineage",
    "table_dataset",
    "warehouse_namespace",
]

log = logging.getLogger(__name__)

#: How long a project's lineage (tables, connections, title) is reused, in seconds.
CACHE_SECONDS = 3600.0
#: Namespace scheme of tables whose data connection cannot be mapped to a warehouse.
UNMAPPED_NAMESPACE = "hex-unmapped"
#: Most queried tables read for one project (a few pages).
MAX_TABLES = 500
_REGION = re.compile(r"\.([a-z]{2}-[a-z]+-\d)\.")
T = TypeVar("T")


@dataclass(frozen=True)
class LineageTable:
    """One input dataset: an OpenLineage namespace and name."""

    namespace: str
    name: str


@dataclass(frozen=True)
class ProjectLineage:
    """What lineage knows of a project: its input tables and its title."""

    tables: tuple[LineageTable, ...]
    title: str | None


def _kind_and_details(connection: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    """The connection's type and its type's settings (``connectionDetails.<type>``)."""
    kind = str(connection.get("type") or "").lower()
    every = connection.get("connectionDetails")
    details = every.get(kind) if isinstance(every, Mapping) else None
    return kind, details if isinstance(details, Mapping) else {}


def _host_port(host: Any, port: Any, default_port: int) -> str | None:
    if not host:
        return None
    return f"{str(host).lower()}:{int(port) if port else default_port}"


def warehouse_namespace(connection: Mapping[str, Any]) -> str | None:
    """Return the OpenLineage namespace of a Hex data connection, or None if unknown."""
    kind, details = _kind_and_details(connection)
    if kind == "bigquery":
        return "bigquery"
    if kind == "snowflake":
        account = details.get("accountName")
        return f"snowflake://{str(account).lower()}" if account else None
    if kind in ("postgres", "trino", "clickhouse"):
        default = {"postgres": 5432, "trino": 443, "clickhouse": 8443}[kind]
        where = _host_port(details.get("hostname"), details.get("port"), default)
        return f"{kind}://{where}" if where else None
    if kind == "redshift":
        host = str(details.get("host") or "").lower()
        region = _REGION.search(host)
        if not host or region is None:
            return None
        cluster = host.split(".", 1)[0]
        return f"redshift://{cluster}.{region.group(1)}:{int(details.get('port') or 5439)}"
    if kind == "databricks":
        url = str(details.get("jdbcUrl") or "")
        found = urlsplit(url.removeprefix("jdbc:")).hostname if url else None
        return f"databricks://{found.lower()}" if found else None
    if kind == "athena":
        host = str(details.get("hostname") or "").lower()
        region = _REGION.search(f".{host}.")
        return f"awsathena://athena.{region.group(1)}.amazonaws.com" if region else None
    return None


def _qualified(connection: Mapping[str, Any], table: str) -> str:
    """The table's name as the convention wants it, filling in the connection's defaults."""
    kind, details = _kind_and_details(connection)
    parts = [p.strip('"`') for p in table.split(".") if p]
    defaults = {
        "snowflake": (details.get("database"), details.get("schema")),
        "postgres": (details.get("database"), "public"),
        "redshift": (details.get("database"), "public"),
        "bigquery": (details.get("projectId"), None),
        "trino": (details.get("catalog"), details.get("schema")),
        "athena": (details.get("catalog") or "AwsDataCatalog", None),
    }.get(kind, (None, None))
    if len(parts) == 2 and defaults[0]:
        parts = [str(defaults[0]), *parts]
    elif len(parts) == 1 and all(defaults):
        parts = [str(defaults[0]), str(defaults[1]), *parts]
    name = ".".join(parts)
    return name.lower() if kind in ("postgres", "redshift") else name


def table_dataset(
    connection: Mapping[str, Any] | None, data_connection_id: str, table: str
) -> LineageTable:
    """The dataset of one queried table (under ``hex-unmapped://`` when not mappable)."""
    namespace = warehouse_namespace(connection) if connection else None
    if namespace is None:
        kind = (connection or {}).get("type") or "unknown type"
        log.info(
            "No OpenLineage namespace for data connection %s (%s); reporting table %s under %s",
            data_connection_id,
            kind,
            table,
            UNMAPPED_NAMESPACE,
        )
        return LineageTable(f"{UNMAPPED_NAMESPACE}://{data_connection_id}", table)
    return LineageTable(namespace, _qualified(connection or {}, table))


_lock = threading.Lock()
_cache: dict[tuple[Any, str], tuple[float, ProjectLineage]] = {}


def forget_lineage() -> None:
    """Drop the cached lineage of every project (tests; or to re-read at once)."""
    with _lock:
        _cache.clear()


def _affordable(hook: HexHook, group: str | None) -> bool:
    """Whether the shared rate budget lets a request go now, without waiting."""
    budget = getattr(hook.transport, "budget", None)
    return budget is None or budget.peek(group) <= 0


def _read(hook: HexHook, group: str | None, what: str, read: Callable[[], T]) -> T | None:
    if not _affordable(hook, group):
        log.info("Skipping %s for lineage: the Hex request budget is busy", what)
        return None
    try:
        return read()
    except Exception as err:  # lineage never fails a task
        log.warning("Could not read %s for lineage: %s", what, err)
        return None


def _first(values: Iterable[T], most: int) -> list[T]:
    out = []
    for value in values:
        out.append(value)
        if len(out) >= most:
            break
    return out


def project_lineage(hook: HexHook, project_id: str) -> ProjectLineage:
    """Read (or reuse) a project's input tables and title; never raises.

    Costs, once per project and process per :data:`CACHE_SECONDS`: one GetQueriedTables
    page per 100 tables, one GetDataConnection per data connection and one GetProject.
    """
    key = (hook.settings.budget_key, project_id)
    with _lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
    from airflow_provider_hex.operations import STATUS_GROUP

    listed = _read(
        hook,
        None,
        f"the tables project {project_id} queries",
        lambda: _first(hook.get_queried_tables(project_id), MAX_TABLES),
    )
    connections: dict[str, Mapping[str, Any] | None] = {}
    tables = []
    for entry in listed or []:
        conn_id = str(entry.get("dataConnectionId") or "")
        if conn_id and conn_id not in connections:
            connections[conn_id] = _read(
                hook,
                STATUS_GROUP,
                f"data connection {conn_id}",
                lambda conn_id=conn_id: hook.get_data_connection(conn_id),  # type: ignore[misc]
            )
        tables.append(table_dataset(connections.get(conn_id), conn_id, str(entry["tableName"])))
    project = _read(
        hook, STATUS_GROUP, f"project {project_id}", lambda: hook.get_project(project_id)
    )
    lineage = ProjectLineage(tuple(tables), project.get("title") if project else None)
    if listed is not None and project is not None:  # complete: keep it
        with _lock:
            _cache[key] = (time.monotonic() + CACHE_SECONDS, lineage)
    return lineage


def project_namespace(base_url: str) -> str:
    """The OpenLineage namespace of a workspace's projects: ``hex://<host>``."""
    return f"{HEX_SCHEME}://{asset_host(base_url)}"


def operator_lineage(
    hook: HexHook,
    project_id: str,
    run: Mapping[str, Any] | None,
    *,
    run_url: str | None,
) -> Any:
    """Build the ``OperatorLineage`` of one Hex run (needs the OpenLineage provider).

    Returns None when the provider is not installed; never raises for Hex's sake: a read
    that fails or would wait only leaves its part out.
    """
    try:
        from airflow.providers.openlineage.extractors import OperatorLineage
        from openlineage.client.event_v2 import Dataset
        from openlineage.client.generated.documentation_job import DocumentationJobFacet
        from openlineage.client.generated.external_query_run import ExternalQueryRunFacet

        from airflow_provider_hex.lineage_facets import HexProjectJobFacet, HexRunFacet
    except ImportError:
        return None
    run = run or {}
    lineage = project_lineage(hook, project_id)
    namespace = project_namespace(hook.base_url)
    elapsed = run.get("elapsedTime")
    url = run.get("runUrl") or run_url
    run_facets: dict[str, Any] = {
        "hex_run": HexRunFacet(
            runId=str(run.get("runId") or ""),
            runUrl=url,
            status=run.get("status"),
            elapsedSeconds=None if elapsed is None else round(float(elapsed) / 1000.0, 3),
            projectVersion=None
            if run.get("projectVersion") is None
            else str(run["projectVersion"]),
            runTrigger=run.get("runTrigger"),
        )
    }
    if run.get("runId"):
        run_facets["externalQuery"] = ExternalQueryRunFacet(
            externalQueryId=str(run["runId"]), source=namespace
        )
    job_facets: dict[str, Any] = {
        "hex_project": HexProjectJobFacet(
            projectId=project_id, title=lineage.title, url=project_url(url, project_id)
        )
    }
    if lineage.title:
        job_facets["documentation"] = DocumentationJobFacet(description=lineage.title)
    return OperatorLineage(
        inputs=[Dataset(namespace=t.namespace, name=t.name) for t in lineage.tables],
        outputs=[Dataset(namespace=namespace, name=f"projects/{project_id.lower()}")],
        run_facets=run_facets,
        job_facets=job_facets,
    )


def project_url(run_url: str | None, project_id: str) -> str | None:
    """The project's page in Hex, read off a run URL (the part before ``/runs/``)."""
    if not run_url or "/runs/" not in run_url or project_id.lower() not in run_url.lower():
        return None
    return run_url.split("/runs/", 1)[0]
