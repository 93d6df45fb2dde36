"""What the simulator knows beyond projects and runs: warehouse schemas, queried tables,
data-connection secrets and settings, semantic projects, and operations a workspace lacks.

Tests declare it through :class:`~airflow_provider_hex.testing.HexSimulator`
(``add_data_connection``, ``set_queried_tables``, ``add_semantic_project``,
``disable_operation``) and read it back from ``sim.state.catalog``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Object kinds of a data connection's schema, outermost first.
SCHEMA_KINDS = ("DATABASE", "SCHEMA", "TABLE")
#: Object kinds of a semantic project.
SEMANTIC_KINDS = ("DATASET", "VIEW")


@dataclass
class SchemaCatalog:
    """The databases, schemas and tables of one data connection, with their statuses.

    ``statuses`` maps ``(kind, qualified name)`` to a status name or None; every object
    the connection has is a key.
    """

    statuses: dict[tuple[str, str], str | None] = field(default_factory=dict)

    def add_table(self, qualified: str) -> None:
        """Add a table by qualified name (``db.schema.table`` or ``schema.table``)."""
        parts = qualified.split(".")
        if len(parts) not in (2, 3) or not all(parts):
            raise ValueError(f"table {qualified!r}: expected db.schema.table or schema.table")
        if len(parts) == 3:
            self.statuses.setdefault(("DATABASE", parts[0]), None)
        self.statuses.setdefault(("SCHEMA", ".".join(parts[:-1])), None)
        self.statuses.setdefault(("TABLE", qualified), None)

    def status(self, kind: str, name: str) -> str | None:
        """Return an object's status (KeyError for an unknown object)."""
        return self.statuses[(kind, name)]


@dataclass
class SemanticProject:
    """A semantic project: its ingested files, and its datasets and views with statuses."""

    id: str
    name: str
    files: dict[str, bytes] = field(default_factory=dict)
    datasets: dict[str, str | None] = field(default_factory=dict)
    views: dict[str, str | None] = field(default_factory=dict)
    ingests: int = 0

    def objects(self, kind: str) -> dict[str, str | None]:
        """The datasets (``DATASET``) or views (``VIEW``)."""
        return self.datasets if kind == "DATASET" else self.views


@dataclass
class Catalog:
    """State the data, semantic and export routes share; see the module docs."""

    schemas: dict[str, SchemaCatalog] = field(default_factory=dict)
    queried_tables: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    connection_secrets: dict[str, dict[str, Any]] = field(default_factory=dict)
    connection_settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    semantic_projects: dict[str, SemanticProject] = field(default_factory=dict)
    disabled_operations: set[str] = field(default_factory=set)

    def schema(self, connection_id: str) -> SchemaCatalog:
        """The schema catalog of a data connection (made empty on first use)."""
        return self.schemas.setdefault(connection_id, SchemaCatalog())


__all__ = ["SCHEMA_KINDS", "SEMANTIC_KINDS", "Catalog", "SchemaCatalog", "SemanticProject"]
