"""Finding a project by its title: found, not found, ambiguous, archived, and one listing."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_hex.exceptions import HexInvalidArgumentError
from airflow_provider_hex.hooks.hex import HexHook
from airflow_provider_hex.hooks.project_names import (
    check_project_reference,
    find_project_id,
    forget_project_titles,
    resolve_project,
)
from airflow_provider_hex.testing import HexSimulator

LISTINGS = r"/projects$"


@pytest.fixture
def hook(sim: HexSimulator, conn_id: str) -> HexHook:
    return HexHook(conn_id)


def listings(sim: HexSimulator) -> int:
    return sim.count("GET", LISTINGS)


def test_a_unique_title_gives_its_project_id(sim: HexSimulator, hook: HexHook) -> None:
    wanted = sim.add_project("Daily sales report")
    sim.add_project("Weekly marketing funnel")

    assert find_project_id(hook, "Daily sales report") == wanted


def test_case_and_surrounding_spaces_are_forgiven_when_nothing_matches_exactly(
    sim: HexSimulator, hook: HexHook
) -> None:
    wanted = sim.add_project("Daily Sales Report")

    assert find_project_id(hook, "  daily sales report ") == wanted


def test_no_match_fails_with_the_closest_titles(sim: HexSimulator, hook: HexHook) -> None:
    sim.add_project("Daily sales report")
    sim.add_project("Daily sales report (EU)")
    sim.add_project("Inventory forecast")

    with pytest.raises(HexInvalidArgumentError) as caught:
        find_project_id(hook, "Daily sales reprot")

    message = str(caught.value)
    assert "project_name='Daily sales reprot'" in message
    assert "among 3 projects" in message
    assert "closest titles: 'Daily sales report'" in message
    assert "Inventory forecast" not in message


def test_several_matches_fail_with_the_candidates_ids(sim: HexSimulator, hook: HexHook) -> None:
    first = sim.add_project("KPIs")
    second = sim.add_project("KPIs")

    with pytest.raises(HexInvalidArgumentError) as caught:
        find_project_id(hook, "KPIs")

    message = str(caught.value)
    assert "2 Hex projects have this title" in message
    assert first in message
    assert second in message
    assert "pass project_id" in message


def test_archived_projects_match_only_when_asked(sim: HexSimulator, hook: HexHook) -> None:
    archived = sim.add_project("Old KPI dashboard", archived=True)

    with pytest.raises(HexInvalidArgumentError, match="archived and trashed ones left out"):
        find_project_id(hook, "Old KPI dashboard")

    assert find_project_id(hook, "Old KPI dashboard", include_archived=True) == archived


def test_one_listing_serves_many_lookups_until_forgotten(sim: HexSimulator, hook: HexHook) -> None:
    ids = {f"Report {n}": sim.add_project(f"Report {n}") for n in range(20)}

    found = {title: find_project_id(hook, title) for title in ids}

    assert found == ids
    assert listings(sim) == 1
    forget_project_titles()
    find_project_id(hook, "Report 3")
    assert listings(sim) == 2


def test_the_listing_reads_every_page(sim: HexSimulator, hook: HexHook) -> None:
    oldest = sim.add_project("The oldest one")  # last in Hex's newest-first order
    for n in range(120):
        sim.add_project(f"Bulk {n}")

    assert find_project_id(hook, "The oldest one") == oldest
    assert find_project_id(hook, "Bulk 119")
    assert listings(sim) == 2  # 121 projects: one listing of two pages of 100


@pytest.mark.parametrize(
    ("project_id", "project_name", "match"),
    [
        (None, None, "pass the project's id, or its title"),
        ("5a8591dd-4039-49df-9202-96385ba3eff8", "Sales", "pass either project_id"),
        (None, "  ", "expected a project title"),
    ],
)
def test_exactly_one_of_id_and_name(project_id: Any, project_name: Any, match: str) -> None:
    with pytest.raises(HexInvalidArgumentError, match=match):
        check_project_reference(project_id, project_name)


def test_resolving_an_id_sends_nothing(sim: HexSimulator, hook: HexHook) -> None:
    project_id = "5a8591dd-4039-49df-9202-96385ba3eff8"

    assert resolve_project(hook, project_id, None) == project_id
    assert sim.requests == []
