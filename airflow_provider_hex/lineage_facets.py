"""OpenLineage facets of a Hex run and project (imported only with OpenLineage installed)."""

from __future__ import annotations

import attr
from openlineage.client.generated.base import JobFacet, RunFacet

__all__ = ["HexProjectJobFacet", "HexRunFacet"]

#: Custom facets name their schema; these have no published JSON schema, so a URN says whose
#: they are (OpenLineage only requires a URI).
_SCHEMA = "urn:airflow-provider-hex:facet:{name}:1"


@attr.define
class HexRunFacet(RunFacet):  # type: ignore[misc,unused-ignore]
    """The Hex run behind an Airflow task: its id, URL, status, time and version."""

    runId: str
    runUrl: str | None = None
    status: str | None = None
    elapsedSeconds: float | None = None
    projectVersion: str | None = None
    runTrigger: str | None = None

    @staticmethod
    def _get_schema() -> str:
        return _SCHEMA.format(name="HexRunFacet")


@attr.define
class HexProjectJobFacet(JobFacet):  # type: ignore[misc,unused-ignore]
    """The Hex project a task runs: its id, title and page."""

    projectId: str
    title: str | None = None
    url: str | None = None

    @staticmethod
    def _get_schema() -> str:
        return _SCHEMA.format(name="HexProjectJobFacet")
