"""Guide operators: upload drafts from a folder or strings, publish them, delete a draft."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest

from airflow_provider_hex.exceptions import HexInvalidArgumentError
from airflow_provider_hex.operators.guides import (
    HexDeleteGuideDraftOperator,
    HexPublishGuideDraftsOperator,
    HexUpsertGuideDraftsOperator,
)

API = "https://app.hex.tech/api/v1"
G1 = "216ba1a0-10f6-4816-b159-15b1860882ae"
G2 = "f688f6c0-40ca-4b43-809b-64d2495451ae"
LIMIT = 100_000
CTX: Any = {}

pytestmark = pytest.mark.usefixtures("hex_conn")


class FakeTaskInstance:
    """Records the XComs an operator pushes besides its return value."""

    def __init__(self) -> None:
        self.pushed: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.pushed[key] = value


def sent(m: Any) -> list[tuple[str, str, Any]]:
    return [
        (r.method, urlsplit(r.url).path, json.loads(r.body) if r.body else None)
        for r in m.request_history
    ]


def logged(capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> str:
    out = capsys.readouterr()
    return out.out + out.err + caplog.text


@pytest.fixture
def guides(tmp_path: Path) -> Path:
    folder = tmp_path / "guides"
    (folder / "metrics").mkdir(parents=True)
    (folder / "style.md").write_text("# House style\n")
    (folder / "metrics" / "revenue.md").write_text("Revenue is net of refunds.\n")
    (folder / "notes.txt").write_text("not a guide")
    return folder


def upserted(*paths: str) -> dict[str, Any]:
    ids = (G1, G2)
    return {
        "files": [{"id": ids[i], "filePath": p} for i, p in enumerate(paths)],
        "warnings": [],
        "traceId": "t",
    }


# -- upsert -------------------------------------------------------------------------------


def test_upsert_from_a_folder_sends_every_markdown_file_by_relative_path(
    requests_mock: Any, guides: Path
) -> None:
    requests_mock.put(f"{API}/guides/draft", json=upserted("metrics/revenue.md", "style.md"))
    ti = FakeTaskInstance()

    result = HexUpsertGuideDraftsOperator(task_id="up", folder=guides).execute({"ti": ti})  # type: ignore[arg-type]

    assert sent(requests_mock) == [
        (
            "PUT",
            "/api/v1/guides/draft",
            {
                "files": [
                    {"filePath": "metrics/revenue.md", "contents": "Revenue is net of refunds.\n"},
                    {"filePath": "style.md", "contents": "# House style\n"},
                ]
            },
        )
    ]
    assert result["guide_ids"] == [G1, G2]
    assert ti.pushed == {"guide_ids": [G1, G2]}  # upload.output["guide_ids"] for publishing
    json.dumps(result)


def test_upsert_takes_a_relative_folder_from_the_dag_files_folder(
    requests_mock: Any, guides: Path
) -> None:
    requests_mock.put(f"{API}/guides/draft", json=upserted("metrics/revenue.md", "style.md"))
    context: Any = {"dag": SimpleNamespace(fileloc=str(guides.parent / "my_dag.py"))}

    HexUpsertGuideDraftsOperator(task_id="up", folder="guides").execute(context)

    assert len(sent(requests_mock)[0][2]["files"]) == 2


def test_upsert_from_strings_with_force_write(requests_mock: Any) -> None:
    requests_mock.put(f"{API}/guides/draft", json=upserted("a.md"))

    HexUpsertGuideDraftsOperator(task_id="up", files={"a.md": "# A"}, force_write=True).execute(CTX)

    assert sent(requests_mock)[0][2] == {
        "files": [{"filePath": "a.md", "contents": "# A"}],
        "forceWrite": True,
    }


def test_a_file_at_the_limit_is_sent(requests_mock: Any, guides: Path) -> None:
    requests_mock.put(f"{API}/guides/draft", json=upserted("style.md"))
    (guides / "style.md").write_text("x" * LIMIT)

    HexUpsertGuideDraftsOperator(task_id="up", folder=guides, pattern="style.md").execute(CTX)

    assert len(sent(requests_mock)[0][2]["files"][0]["contents"]) == LIMIT


def test_a_file_over_the_limit_fails_naming_it_before_any_request(
    requests_mock: Any, guides: Path
) -> None:
    big = guides / "metrics" / "revenue.md"
    big.write_text("é" * (LIMIT + 1))  # characters, not bytes, count

    with pytest.raises(HexInvalidArgumentError) as err:
        HexUpsertGuideDraftsOperator(task_id="up", folder=guides).execute(CTX)

    assert "'metrics/revenue.md'" in str(err.value)
    assert str(big) in str(err.value)
    assert "100,000 characters" in str(err.value)
    assert requests_mock.request_history == []


def test_a_string_over_the_limit_fails_when_the_dag_is_parsed() -> None:
    with pytest.raises(HexInvalidArgumentError, match=r"'big\.md'.*100,000 characters"):
        HexUpsertGuideDraftsOperator(task_id="up", files={"big.md": "x" * (LIMIT + 1)})


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"pattern": "*.rst"}, "no files match"),
        ({"folder": "/no/such/folder"}, "no such folder"),
    ],
    ids=["nothing-matches", "no-folder"],
)
def test_an_empty_upload_fails_before_any_request(
    requests_mock: Any, guides: Path, kwargs: dict[str, Any], match: str
) -> None:
    op = HexUpsertGuideDraftsOperator(task_id="up", **{"folder": guides, **kwargs})

    with pytest.raises(HexInvalidArgumentError, match=match):
        op.execute(CTX)

    assert requests_mock.request_history == []


def test_files_hex_skipped_are_logged_and_returned(
    requests_mock: Any, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    warning = {"filePath": "a.md", "message": "synced from a different source"}
    requests_mock.put(f"{API}/guides/draft", json={"files": [], "warnings": [warning]})

    result = HexUpsertGuideDraftsOperator(task_id="up", files={"a.md": "# A"}).execute(CTX)

    assert result["warnings"] == [warning]
    assert "Hex skipped guide a.md: synced from a different source" in logged(capsys, caplog)


def test_upsert_needs_exactly_one_source_of_files(guides: Path) -> None:
    with pytest.raises(HexInvalidArgumentError, match="folder or files"):
        HexUpsertGuideDraftsOperator(task_id="up", folder=guides, files={"a.md": "# A"})


def test_templated_folder_is_rendered(requests_mock: Any, guides: Path) -> None:
    requests_mock.put(f"{API}/guides/draft", json=upserted("style.md"))
    op = HexUpsertGuideDraftsOperator(task_id="up", folder="{{ params.folder }}")
    op.render_template_fields({"params": {"folder": str(guides)}})  # type: ignore[arg-type]

    op.execute(CTX)

    assert len(requests_mock.request_history) == 1


# -- publish ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "body"),
    [
        ({"guide_ids": [G1, G2]}, {"orgGuideFileIds": [G1, G2]}),
        ({"publish_all": True}, {"publishAllDraftGuides": True}),
    ],
    ids=["given-ids", "all"],
)
def test_publish_sends_the_ids_or_all(
    requests_mock: Any, kwargs: dict[str, Any], body: dict[str, Any]
) -> None:
    answer = {"message": "Published 1", "publishedGuides": [{"id": G1, "filePath": "a.md"}]}
    requests_mock.post(f"{API}/guides/publish", json=answer)

    result = HexPublishGuideDraftsOperator(task_id="pub", **kwargs).execute(CTX)

    assert sent(requests_mock) == [("POST", "/api/v1/guides/publish", body)]
    assert result == {
        "published": [{"id": G1, "filePath": "a.md"}],
        "guide_ids": [G1],
        "message": "Published 1",
    }


def test_publish_of_no_ids_sends_nothing(requests_mock: Any) -> None:
    result = HexPublishGuideDraftsOperator(task_id="pub", guide_ids=[]).execute(CTX)

    assert requests_mock.request_history == []
    assert result["published"] == []


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"guide_ids": [G1], "publish_all": True}, {"guide_ids": ["style.md"]}],
    ids=["neither", "both", "path-not-id"],
)
def test_publish_refuses_bad_arguments_when_the_dag_is_parsed(kwargs: dict[str, Any]) -> None:
    with pytest.raises(HexInvalidArgumentError):
        HexPublishGuideDraftsOperator(task_id="pub", **kwargs)


# -- delete -------------------------------------------------------------------------------


def test_delete_by_id_sends_one_delete(requests_mock: Any) -> None:
    requests_mock.delete(f"{API}/guides/draft/{G1}", status_code=204)

    result = HexDeleteGuideDraftOperator(task_id="del", guide_id=G1).execute(CTX)

    assert sent(requests_mock) == [("DELETE", f"/api/v1/guides/draft/{G1}", None)]
    assert result == {"guide_id": G1, "file_path": None, "deleted": True}


def test_delete_by_path_looks_the_draft_up(requests_mock: Any) -> None:
    drafts = [{"id": G1, "filePath": "a.md"}, {"id": G2, "filePath": "b.md"}]
    requests_mock.get(
        f"{API}/guides/draft/list",
        json={"values": drafts, "pagination": {"after": None, "before": None}},
    )
    requests_mock.delete(f"{API}/guides/draft/{G2}", status_code=204)

    result = HexDeleteGuideDraftOperator(task_id="del", file_path="b.md").execute(CTX)

    assert [(m, p) for m, p, _ in sent(requests_mock)] == [
        ("GET", "/api/v1/guides/draft/list"),
        ("DELETE", f"/api/v1/guides/draft/{G2}"),
    ]
    assert result == {"guide_id": G2, "file_path": "b.md", "deleted": True}


def test_delete_of_a_draft_already_gone_succeeds_with_a_log_line(
    requests_mock: Any, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    requests_mock.delete(
        f"{API}/guides/draft/{G1}", status_code=404, json={"reason": "Guide file has no draft"}
    )

    result = HexDeleteGuideDraftOperator(task_id="del", guide_id=G1).execute(CTX)

    assert result["deleted"] is False
    assert f"Guide draft {G1} was already deleted" in logged(capsys, caplog)


def test_delete_by_a_path_with_no_draft_sends_no_delete(
    requests_mock: Any, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    requests_mock.get(
        f"{API}/guides/draft/list", json={"values": [], "pagination": {"after": None}}
    )

    result = HexDeleteGuideDraftOperator(task_id="del", file_path="gone.md").execute(CTX)

    assert [m for m, _, _ in sent(requests_mock)] == ["GET"]
    assert result == {"guide_id": None, "file_path": "gone.md", "deleted": False}
    assert "No guide draft at 'gone.md'" in logged(capsys, caplog)
