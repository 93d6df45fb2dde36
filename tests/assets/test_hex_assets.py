"""The ``hex`` asset URI scheme: one canonical URI per project, malformed ones refused."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from airflow.sdk import Asset

from airflow_provider_hex.assets import (
    hex_project_asset,
    hex_project_uri,
    parse_hex_project_uri,
    sanitize_uri,
)
from airflow_provider_hex.exceptions import HexInvalidArgumentError
from airflow_provider_hex.provider_info import get_provider_info

PROJECT = "5a8591dd-4039-49df-9202-96385ba3eff8"
URI = f"hex://app.hex.tech/projects/{PROJECT}"


@pytest.mark.parametrize(
    "host",
    [None, "app.hex.tech", "https://app.hex.tech", "https://APP.hex.tech/", "app.hex.tech/api/v1"],
)
def test_every_spelling_of_a_host_gives_one_uri(host: str | None) -> None:
    assert hex_project_uri(PROJECT.upper(), host) == URI


def test_the_helper_builds_an_airflow_asset_named_by_its_uri() -> None:
    asset = hex_project_asset(PROJECT, "eu.hex.tech")

    assert isinstance(asset, Asset)
    assert asset.uri == asset.name == f"hex://eu.hex.tech/projects/{PROJECT}"
    assert asset.group == "hex"


def test_a_host_with_a_port_keeps_it() -> None:
    assert hex_project_uri(PROJECT, "http://127.0.0.1:8123") == (
        f"hex://127.0.0.1:8123/projects/{PROJECT}"
    )


def test_the_helper_refuses_a_bad_id_or_host() -> None:
    with pytest.raises(HexInvalidArgumentError, match="project_id"):
        hex_project_uri("sales-report")
    with pytest.raises(HexInvalidArgumentError, match="host"):
        hex_project_uri(PROJECT, "app hex tech")


def test_airflow_normalizes_hex_uris_through_the_provider() -> None:
    asset = Asset(uri=f"hex://APP.HEX.TECH/projects/{PROJECT.upper()}")

    assert asset.uri == URI


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("hex://app.hex.tech/project/" + PROJECT, "path is /projects/<project UUID>"),
        ("hex://app.hex.tech/projects/not-a-uuid", "path is /projects/<project UUID>"),
        ("hex://app.hex.tech/projects/" + PROJECT + "/runs", "path is /projects/<project UUID>"),
        ("hex://app.hex.tech", "path is /projects/<project UUID>"),
        ("hex:///projects/" + PROJECT, "names the workspace host"),
        ("hex://app.hex.tech/projects/" + PROJECT + "?run=1", "no query or fragment"),
    ],
)
def test_malformed_uris_are_refused(uri: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        sanitize_uri(urlsplit(uri))
    with pytest.raises(ValueError, match=reason):
        Asset(uri=uri)  # Airflow calls the normalizer the provider registers


@pytest.mark.filterwarnings("ignore:An Asset URI should not contain a password")
@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("hex://user:secret@app.hex.tech/projects/" + PROJECT, "holds no credentials"),
        ("hex://app.hex.tech/projects/" + PROJECT + "#top", "no query or fragment"),
    ],
)
def test_credentials_and_fragments_are_refused_or_dropped_by_airflow(uri: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        sanitize_uri(urlsplit(uri))
    assert Asset(uri=uri).uri == URI  # Airflow drops both before the normalizer runs


def test_parse_gives_host_and_project() -> None:
    assert parse_hex_project_uri(f"hex://eu.hex.tech/projects/{PROJECT}") == (
        "eu.hex.tech",
        PROJECT,
    )


def test_the_scheme_is_registered_in_the_provider_info() -> None:
    (entry,) = get_provider_info()["asset-uris"]

    assert entry["schemes"] == ["hex"]
    assert entry["handler"] == "airflow_provider_hex.assets.sanitize_uri"
    assert entry["factory"] == "airflow_provider_hex.assets.create_asset"
