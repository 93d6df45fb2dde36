"""One version everywhere: the package, its installed metadata, the provider info Airflow
reads, the changelog's newest entry and the docs."""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import pytest

import airflow_provider_hex
from airflow_provider_hex.provider_info import get_provider_info

REPO = Path(__file__).resolve().parents[2]
VERSION = airflow_provider_hex.__version__


def changelog_top_version() -> str:
    """The version of the newest ``## [X.Y.Z]`` entry of CHANGELOG.md."""
    text = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    match = re.search(r"^## \[(\d+\.\d+\.\d+[^\]]*)\]", text, re.MULTILINE)
    assert match, "CHANGELOG.md has no '## [X.Y.Z]' entry"
    return match.group(1)


def mkdocs_version() -> str:
    """``extra: version:`` of mkdocs.yml."""
    text = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    match = re.search(r"^extra:\s*\n(?:\s+.*\n)*?\s+version:\s*['\"]?([^'\"\s]+)", text, re.M)
    assert match, "mkdocs.yml has no extra.version"
    return match.group(1)


def docs_index_version() -> str:
    """The version docs/index.md says it describes (``**version X.Y.Z**``)."""
    text = (REPO / "docs" / "index.md").read_text(encoding="utf-8")
    match = re.search(r"\*\*version (\d+\.\d+\.\d+\S*)\*\*", text)
    assert match, "docs/index.md does not name the version it describes"
    return match.group(1)


def test_version_is_semantic() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+((a|b|rc)\d+)?", VERSION)


@pytest.mark.parametrize(
    ("where", "read"),
    [
        ("installed metadata", lambda: version("airflow-provider-hex")),
        ("provider info", lambda: get_provider_info()["versions"][0]),
        ("CHANGELOG.md", changelog_top_version),
        ("mkdocs.yml", mkdocs_version),
        ("docs/index.md", docs_index_version),
    ],
    ids=["metadata", "provider-info", "changelog", "mkdocs", "docs-index"],
)
def test_version_agrees_with_the_package(where: str, read: Callable[[], str]) -> None:
    assert read() == VERSION, f"{where} says {read()}, the package says {VERSION}"


def test_provider_info_names_the_distribution() -> None:
    assert get_provider_info()["package-name"] == "airflow-provider-hex"
