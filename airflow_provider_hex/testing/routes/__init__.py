"""The simulator's route table, one module per area of the Hex API."""

from __future__ import annotations

from airflow_provider_hex.testing.router import Route, Router

from . import (
    cells,
    collections,
    data,
    directory,
    groups,
    guides,
    outputs,
    project_code,
    projects,
    runs,
    semantic,
    sharing,
    threads,
)


def build_router() -> Router:
    """Return a router over every simulated Hex operation."""
    routes: list[Route] = []
    modules = (runs, project_code, projects, sharing, cells, guides, groups, collections)
    for module in (*modules, directory, data, semantic, outputs, threads):
        routes.extend(module.ROUTES)
    return Router(routes)
