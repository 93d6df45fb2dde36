"""The cell operators send exactly the requests Hex expects, and find cells by label."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

try:
    from airflow.sdk import literal
except ImportError:  # Airflow 3.0
    from airflow.sdk.definitions.template import literal

from airflow_provider_hex.exceptions import HexInvalidArgumentError
from airflow_provider_hex.operators.cells import (
    HexCreateCellOperator,
    HexDeleteCellOperator,
    HexUpdateCellOperator,
)

API = "https://app.hex.tech/api/v1"
PROJECT = "5a8591dd-4039-49df-9202-96385ba3eff8"
CELL = "95ce0b43-2a78-4161-b12a-e715474d967d"
OTHER = "63e12af8-1cfd-46d2-860d-95606666795b"
CONN = "04ca4a56-3118-4a14-a171-f911c7ea3f73"
CTX: Any = {}

pytestmark = pytest.mark.usefixtures("hex_conn")


def cell(cell_id: str, label: str | None, cell_type: str = "SQL") -> dict[str, Any]:
    key = {"SQL": "sqlCell", "CODE": "codeCell"}[cell_type]
    return {
        "id": cell_id,
        "staticId": cell_id,
        "cellType": cell_type,
        "label": label,
        "dataConnectionId": None,
        "contents": {key: {"source": "select 1"}},
        "projectId": PROJECT,
    }


class FakeTaskInstance:
    """Records the XComs an operator pushes besides its return value."""

    def __init__(self) -> None:
        self.pushed: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.pushed[key] = value


def sent(m: Any) -> list[tuple[str, str, dict[str, list[str]], Any]]:
    """Every request as (method, path, query, JSON body)."""
    out = []
    for r in m.request_history:
        url = urlsplit(r.url)
        out.append(
            (r.method, url.path, parse_qs(url.query), json.loads(r.body) if r.body else None)
        )
    return out


def mock_cell_pages(m: Any, pages: list[list[dict[str, Any]]]) -> None:
    """Serve ListCells as ``pages``, chained by ``after`` cursors "p1", "p2"…"""

    def answer(request: Any, context: Any) -> dict[str, Any]:
        after = parse_qs(urlsplit(request.url).query).get("after", ["p0"])[0]
        index = int(after[1:])
        more = index + 1 < len(pages)
        return {
            "values": pages[index],
            "pagination": {"after": f"p{index + 1}" if more else None, "before": None},
        }

    m.get(f"{API}/cells", json=answer)


def logged(capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> str:
    out = capsys.readouterr()
    return out.out + out.err + caplog.text


# -- create -------------------------------------------------------------------------------


def test_create_sql_cell_sends_label_connection_and_placement(requests_mock: Any) -> None:
    requests_mock.post(f"{API}/cells", json=cell(CELL, "orders"))
    op = HexCreateCellOperator(
        task_id="create",
        project_id=PROJECT,
        cell_type="SQL",
        source="select * from orders",
        cell_label="orders",
        data_connection_id=CONN,
        output_dataframe="orders_df",
        insert_after_cell_id=OTHER,
    )

    result = op.execute(CTX)

    assert sent(requests_mock) == [
        (
            "POST",
            "/api/v1/cells",
            {},
            {
                "projectId": PROJECT,
                "cellType": "SQL",
                "label": "orders",
                "contents": {
                    "sqlCell": {
                        "source": "select * from orders",
                        "dataConnectionId": CONN,
                        "outputDataframe": "orders_df",
                    }
                },
                "location": {"insertAfterCellId": OTHER},
            },
        )
    ]
    assert result["id"] == CELL
    json.dumps(result)


def test_create_code_cell_after_a_labelled_cell_looks_the_label_up_first(
    requests_mock: Any,
) -> None:
    mock_cell_pages(requests_mock, [[cell(OTHER, "summarise", "CODE")]])
    requests_mock.post(f"{API}/cells", json=cell(CELL, None, "CODE"))
    op = HexCreateCellOperator(
        task_id="create",
        project_id=PROJECT,
        cell_type="CODE",
        source="print(1)",
        insert_after_cell_label="summarise",
    )

    op.execute(CTX)

    (list_call, create_call) = sent(requests_mock)
    assert list_call[:3] == ("GET", "/api/v1/cells", {"projectId": [PROJECT], "limit": ["100"]})
    assert create_call[3] == {
        "projectId": PROJECT,
        "cellType": "CODE",
        "contents": {"codeCell": {"source": "print(1)"}},
        "location": {"insertAfterCellId": OTHER},
    }


def test_create_pushes_the_new_cells_id_as_its_own_xcom(requests_mock: Any) -> None:
    requests_mock.post(f"{API}/cells", json=cell(CELL, None, "CODE"))  # label None: not pushed
    ti = FakeTaskInstance()
    op = HexCreateCellOperator(task_id="c", project_id=PROJECT, cell_type="CODE", source="1")

    op.execute({"ti": ti})  # type: ignore[arg-type]

    assert ti.pushed == {"id": CELL}


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"cell_type": "CHART"}, "cell_type"),
        ({"project_id": "not-a-uuid"}, "project_id"),
        ({"cell_type": "CODE", "data_connection_id": CONN}, "data_connection_id"),
        ({"data_connection_id": CONN, "is_dataframe_sql": True}, "is_dataframe_sql"),
        (
            {"insert_after_cell_id": OTHER, "insert_after_cell_label": "x"},
            "insert_after_cell_label",
        ),
        ({"child_position": "MIDDLE"}, "child_position"),
    ],
    ids=[
        "unknown-type",
        "bad-project",
        "sql-arg-on-code",
        "dataframe-and-conn",
        "two-places",
        "pos",
    ],
)
def test_create_refuses_bad_arguments_when_the_dag_is_parsed(
    kwargs: dict[str, Any], argument: str
) -> None:
    args = {"project_id": PROJECT, "cell_type": "SQL", "source": "select 1", **kwargs}

    with pytest.raises(HexInvalidArgumentError) as err:
        HexCreateCellOperator(task_id="create", **args)

    assert err.value.argument == argument


def test_create_checks_rendered_templates_again_before_any_request(requests_mock: Any) -> None:
    op = HexCreateCellOperator(
        task_id="create", project_id="{{ params.project }}", cell_type="SQL", source="select 1"
    )
    op.render_template_fields({"params": {"project": "oops"}})  # type: ignore[arg-type]

    with pytest.raises(HexInvalidArgumentError, match="project_id"):
        op.execute(CTX)

    assert requests_mock.request_history == []


# -- update -------------------------------------------------------------------------------


def test_update_by_label_reads_every_page_then_patches_the_sql_source(requests_mock: Any) -> None:
    mock_cell_pages(
        requests_mock,
        [[cell(OTHER, "summarise", "CODE")], [cell(CELL, "orders_query")]],
    )
    requests_mock.patch(f"{API}/cells/{CELL}", json=cell(CELL, "orders_query"))
    op = HexUpdateCellOperator(
        task_id="update", project_id=PROJECT, cell_label="orders_query", source="select 2"
    )

    result = op.execute(CTX)

    assert [(m, p, q.get("after")) for m, p, q, _ in sent(requests_mock)] == [
        ("GET", "/api/v1/cells", None),
        ("GET", "/api/v1/cells", ["p1"]),
        ("PATCH", f"/api/v1/cells/{CELL}", None),
    ]
    assert sent(requests_mock)[-1][3] == {"contents": {"sqlCell": {"source": "select 2"}}}
    assert result["id"] == CELL


def test_update_by_missing_label_fails_naming_the_labels_it_saw(requests_mock: Any) -> None:
    mock_cell_pages(requests_mock, [[cell(OTHER, "summarise", "CODE")], [cell(CELL, "orders")]])
    op = HexUpdateCellOperator(task_id="u", project_id=PROJECT, cell_label="revenue", source="x")

    with pytest.raises(HexInvalidArgumentError) as err:
        op.execute(CTX)

    assert "no cell of project" in str(err.value)
    assert "'orders'" in str(err.value)
    assert "'summarise'" in str(err.value)
    assert all(method == "GET" for method, *_ in sent(requests_mock))


def test_update_by_ambiguous_label_fails_naming_every_match(requests_mock: Any) -> None:
    mock_cell_pages(requests_mock, [[cell(CELL, "chart_data")], [cell(OTHER, "chart_data")]])
    op = HexUpdateCellOperator(task_id="u", project_id=PROJECT, cell_label="chart_data", source="x")

    with pytest.raises(HexInvalidArgumentError) as err:
        op.execute(CTX)

    assert CELL in str(err.value)
    assert OTHER in str(err.value)
    assert "2 cells" in str(err.value)
    assert all(method == "GET" for method, *_ in sent(requests_mock))


def test_update_by_id_reads_the_cell_type_when_not_given(requests_mock: Any) -> None:
    requests_mock.get(f"{API}/cells/{CELL}", json=cell(CELL, None, "CODE"))
    requests_mock.patch(f"{API}/cells/{CELL}", json=cell(CELL, None, "CODE"))

    HexUpdateCellOperator(task_id="u", cell_id=CELL, source="x = 1").execute(CTX)

    assert sent(requests_mock) == [
        ("GET", f"/api/v1/cells/{CELL}", {}, None),
        ("PATCH", f"/api/v1/cells/{CELL}", {}, {"contents": {"codeCell": {"source": "x = 1"}}}),
    ]


@pytest.mark.parametrize(
    ("kwargs", "body"),
    [
        ({"data_connection_id": CONN}, {"dataConnectionId": CONN}),
        ({"detach_data_connection": True}, {"dataConnectionId": None}),
        (
            {"cell_type": "SQL", "source": "select 3", "output_dataframe": "df"},
            {"contents": {"sqlCell": {"source": "select 3", "outputDataframe": "df"}}},
        ),
        (
            {"cell_type": "SQL", "source": "select 3", "data_connection_id": CONN},
            {"contents": {"sqlCell": {"source": "select 3"}}, "dataConnectionId": CONN},
        ),
    ],
    ids=["attach-connection", "detach-connection", "source-and-dataframe", "source-and-connection"],
)
def test_update_by_id_sends_one_patch_with_the_changes(
    requests_mock: Any, kwargs: dict[str, Any], body: dict[str, Any]
) -> None:
    requests_mock.patch(f"{API}/cells/{CELL}", json=cell(CELL, None))

    HexUpdateCellOperator(task_id="u", cell_id=CELL, **kwargs).execute(CTX)

    assert sent(requests_mock) == [("PATCH", f"/api/v1/cells/{CELL}", {}, body)]


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"cell_id": CELL}, "source"),
        ({"cell_id": CELL, "project_id": PROJECT, "cell_label": "x", "source": "s"}, "cell_id"),
        ({"cell_label": "x", "source": "s"}, "project_id"),
        ({"cell_id": "nope", "source": "s"}, "cell_id"),
        (
            {"cell_id": CELL, "data_connection_id": CONN, "detach_data_connection": True},
            "detach_data_connection",
        ),
        (
            {"cell_id": CELL, "output_dataframe": "df", "data_connection_id": CONN},
            "output_dataframe",
        ),
    ],
    ids=[
        "nothing-to-change",
        "id-and-label",
        "label-without-project",
        "bad-id",
        "attach-and-detach",
        "dataframe-alone",
    ],
)
def test_update_refuses_bad_arguments_when_the_dag_is_parsed(
    kwargs: dict[str, Any], argument: str
) -> None:
    with pytest.raises(HexInvalidArgumentError) as err:
        HexUpdateCellOperator(task_id="u", **kwargs)

    assert err.value.argument == argument


def test_update_renders_templates_but_literal_keeps_hex_jinja(requests_mock: Any) -> None:
    requests_mock.patch(f"{API}/cells/{CELL}", json=cell(CELL, None))
    op = HexUpdateCellOperator(
        task_id="u",
        cell_id="{{ params.cell }}",
        cell_type="SQL",
        source=literal("select * from orders where region = {{ region }}"),
    )
    op.render_template_fields({"params": {"cell": CELL}})  # type: ignore[arg-type]

    op.execute(CTX)

    assert sent(requests_mock)[0][1] == f"/api/v1/cells/{CELL}"
    assert sent(requests_mock)[0][3]["contents"]["sqlCell"]["source"] == (
        "select * from orders where region = {{ region }}"
    )


# -- delete -------------------------------------------------------------------------------


def test_delete_by_id_sends_one_delete(requests_mock: Any) -> None:
    requests_mock.delete(f"{API}/cells/{CELL}", json={"cellId": CELL})

    result = HexDeleteCellOperator(task_id="d", cell_id=CELL).execute(CTX)

    assert sent(requests_mock) == [("DELETE", f"/api/v1/cells/{CELL}", {}, None)]
    assert result == {"cell_id": CELL, "deleted": True}


def test_delete_by_label_finds_the_cell_first(requests_mock: Any) -> None:
    mock_cell_pages(requests_mock, [[cell(CELL, "scratch", "CODE")]])
    requests_mock.delete(f"{API}/cells/{CELL}", json={"cellId": CELL})

    result = HexDeleteCellOperator(task_id="d", project_id=PROJECT, cell_label="scratch").execute(
        CTX
    )

    assert [(m, p) for m, p, *_ in sent(requests_mock)] == [
        ("GET", "/api/v1/cells"),
        ("DELETE", f"/api/v1/cells/{CELL}"),
    ]
    assert result["deleted"] is True


def test_delete_of_a_cell_already_gone_succeeds_with_a_log_line(
    requests_mock: Any, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    requests_mock.delete(
        f"{API}/cells/{CELL}", status_code=404, json={"code": "NOT_FOUND", "message": "Not found"}
    )

    result = HexDeleteCellOperator(task_id="d", cell_id=CELL).execute(CTX)

    assert result == {"cell_id": CELL, "deleted": False}
    assert len(requests_mock.request_history) == 1
    assert f"Cell {CELL} was already deleted" in logged(capsys, caplog)
