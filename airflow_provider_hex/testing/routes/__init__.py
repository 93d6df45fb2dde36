"""The simulator's route table, one module per area of the Hex API."""

from __future__ import annotations

from airflow_provider_hex.testing.router import Route, Router

from . import (
    cells,
    collections,
    directory,
    groups,
    guides,
    outputs,
    projects,
    runs,
    sharing,
    threads,
)


def build_router() -> Router:
    """Return a router over every simulated Hex operation."""
    routes: list[Route] = []
    modules = (runs, projects, sharing, cells, guides, groups, collections, directory)
    for module in (*modules, outputs, threads):
        routes.extend(module.ROUTES)
    return Router(routes)
