"""OpenLineage names of the tables a Hex project queries, by the warehouse behind them."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_hex.lineage import (
    UNMAPPED_NAMESPACE,
    LineageTable,
    project_url,
    table_dataset,
    warehouse_namespace,
)

CONN = "04ca4a56-3118-4a14-a171-f911c7ea3f73"


def connection(kind: str, **details: Any) -> dict[str, Any]:
    return {"id": CONN, "name": kind, "type": kind, "connectionDetails": {kind: details}}


@pytest.mark.parametrize(
    ("conn", "table", "expected"),
    [
        (
            connection("snowflake", accountName="ACME-Prod", database="ANALYTICS", schema="PUBLIC"),
            "ORDERS",
            LineageTable("snowflake://acme-prod", "ANALYTICS.PUBLIC.ORDERS"),
        ),
        (
            connection("snowflake", accountName="acme-prod", database="ANALYTICS"),
            "STAGING.RAW_ORDERS",
            LineageTable("snowflake://acme-prod", "ANALYTICS.STAGING.RAW_ORDERS"),
        ),
        (
            connection("bigquery", projectId="acme-data"),
            "sales.orders",
            LineageTable("bigquery", "acme-data.sales.orders"),
        ),
        (
            connection("postgres", hostname="DB.example.com", port=5433, database="analytics"),
            "public.Orders",
            LineageTable("postgres://db.example.com:5433", "analytics.public.orders"),
        ),
        (
            connection(
                "redshift",
                host="warehouse.abc123.us-east-1.redshift.amazonaws.com",
                port=5439,
                database="dev",
            ),
            "public.orders",
            LineageTable("redshift://warehouse.us-east-1:5439", "dev.public.orders"),
        ),
        (
            connection(
                "databricks",
                jdbcUrl="jdbc:databricks://adb-123.4.azuredatabricks.net:443/default;transportMode=http",
            ),
            "main.sales.orders",
            LineageTable("databricks://adb-123.4.azuredatabricks.net", "main.sales.orders"),
        ),
        (
            connection("trino", hostname="trino.example.com", port=8443, catalog="hive"),
            "sales.orders",
            LineageTable("trino://trino.example.com:8443", "hive.sales.orders"),
        ),
        (
            connection("athena", hostname="athena.eu-west-1.amazonaws.com", port=443),
            "sales.orders",
            LineageTable(
                "awsathena://athena.eu-west-1.amazonaws.com", "AwsDataCatalog.sales.orders"
            ),
        ),
        (
            connection("clickhouse", hostname="ch.example.com", port=9440),
            "sales.orders",
            LineageTable("clickhouse://ch.example.com:9440", "sales.orders"),
        ),
    ],
    ids=lambda v: v["type"] if isinstance(v, dict) else None,
)
def test_tables_follow_openlineage_naming(
    conn: dict[str, Any], table: str, expected: LineageTable
) -> None:
    assert table_dataset(conn, CONN, table) == expected


@pytest.mark.parametrize(
    "conn",
    [
        None,
        {"id": CONN, "type": "duckdb", "connectionDetails": None},
        connection("snowflake"),  # no account: nowhere to put the tables
        connection("redshift", host="localhost", port=5439),  # no region in the host
    ],
    ids=["unreadable", "unknown-type", "snowflake-without-account", "redshift-without-region"],
)
def test_unmappable_tables_are_still_reported(conn: dict[str, Any] | None) -> None:
    dataset = table_dataset(conn, CONN, "sales.orders")

    assert dataset == LineageTable(f"{UNMAPPED_NAMESPACE}://{CONN}", "sales.orders")
    assert warehouse_namespace(conn or {}) is None


def test_the_project_url_is_the_run_url_before_runs() -> None:
    project = "5a8591dd-4039-49df-9202-96385ba3eff8"
    run_url = f"https://app.hex.tech/acme/app/{project}/runs/78c33d18"

    assert project_url(run_url, project) == f"https://app.hex.tech/acme/app/{project}"
    assert project_url("https://app.hex.tech/somewhere/else", project) is None
    assert project_url(None, project) is None
