"""The documentation site shows what its pages promise: every include of an example DAG is
expanded into the example's code, and no include line is left on a page as text.

The site is built the way a reader builds it, with ``docs/build.sh`` (its own pinned MkDocs
environment), into a temporary folder; the tests then read the built HTML. The include
lines themselves are checked in the Markdown sources too, without a build.
"""

from __future__ import annotations

import html
import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
# Pages that show example DAGs: each must include at least one, and show its code.
PAGES_WITH_EXAMPLES = [
    "migration.md",
    "guides/run-project.md",
    "guides/sensor.md",
    "guides/cancel.md",
    "guides/manage-content.md",
]
# An include line as a reader would see it on a page if it was not expanded, however a
# formatter spaced it: "--8<--", "--8 < --".
LITERAL_INCLUDE = re.compile(r"-+\s*8\s*<\s*-+")


def load_hook() -> ModuleType:
    """The docs' MkDocs hook module (it is not a package: load it from its file)."""
    spec = importlib.util.spec_from_file_location("docs_examples_hook", DOCS / "_hooks/examples.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


HOOK = load_hook()


def page_text(path: Path) -> str:
    """The text a reader sees on a built page: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))


def built_page(site: Path, source: str) -> Path:
    """The HTML file MkDocs writes for a Markdown source (``guides/x.md`` -> ``guides/x/``)."""
    stem = source.removesuffix(".md")
    return site / "index.html" if stem == "index" else site / stem / "index.html"


def includes(source: str) -> list[tuple[str, str]]:
    """The (file, section) of every example-DAG include line of a Markdown source."""
    text = (DOCS / source).read_text(encoding="utf-8")
    return [(m["path"], m["name"]) for m in map(HOOK._INCLUDE.match, text.splitlines()) if m]


def code_lines(text: str) -> list[str]:
    """The non-blank lines of some code, without their indentation."""
    return [line.strip() for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The documentation site, built strictly by ``docs/build.sh`` into a temporary folder."""
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        ["bash", str(DOCS / "build.sh"), "build", "--site-dir", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out


def test_no_built_page_shows_an_include_line_as_text(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 20, "the site has fewer pages than the nav lists"
    shown = [
        f"{page.relative_to(site)}: {match.group(0)!r} in {line.strip()[:120]!r}"
        for page in pages
        for line in page_text(page).splitlines()
        if (match := LITERAL_INCLUDE.search(line))
    ]
    assert not shown, "include lines shown as text:\n" + "\n".join(shown)


@pytest.mark.parametrize("source", PAGES_WITH_EXAMPLES)
def test_page_shows_the_code_of_every_example_it_includes(site: Path, source: str) -> None:
    wanted = includes(source)
    assert wanted, f"{source} includes no example DAG section"
    shown = "\n".join(code_lines(page_text(built_page(site, source))))
    for path, name in wanted:
        code = HOOK.section(REPO / path, name)
        assert code, f"{path} has no section {name}"
        assert "\n".join(code_lines(code)) in shown, f"{source} does not show {path}:{name}"


def test_every_include_line_in_the_sources_names_an_existing_section() -> None:
    sources = sorted(DOCS.rglob("*.md"))
    malformed = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()!r}"
        for path in sources
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if HOOK._LOOKS_LIKE_INCLUDE.match(line) and not HOOK._SNIPPETS_LINE.match(line)
    ]
    assert not malformed, "include lines that would show as text:\n" + "\n".join(malformed)
    for source in PAGES_WITH_EXAMPLES:
        for path, name in includes(source):
            assert HOOK.section(REPO / path, name), f"{source}: {path} has no section {name}"


def test_the_hook_expands_a_section_at_the_include_lines_indentation(tmp_path: Path) -> None:
    (tmp_path / "dag.py").write_text(
        "x = 1\n    # [START part]\n    run = Op(\n        a=1,\n    )\n    # [END part]\n"
    )
    page = '=== "Tab"\n\n    ```python\n    --8<-- "dag.py:part"\n    ```\n'
    assert HOOK.expand(page, tmp_path) == (
        '=== "Tab"\n\n    ```python\n    run = Op(\n        a=1,\n    )\n    ```\n'
    )


@pytest.mark.parametrize(
    "line",
    [
        '--8 < --"example_dags/example_hex_legacy.py:howto_operator_hex_legacy"',
        '    --8<--"example_dags/example_hex_legacy.py:howto_operator_hex_legacy"',
        '-- 8<-- "x.py:y"',
    ],
)
def test_the_hook_fails_the_build_on_a_line_that_only_looks_like_an_include(line: str) -> None:
    with pytest.raises(HOOK.IncludeError, match="looks like an include"):
        HOOK.expand(f"Text\n\n```python\n{line}\n```\n", REPO)


def test_ruff_format_leaves_the_markdown_include_lines_alone() -> None:
    ruff = Path(sys.executable).with_name("ruff")
    if not ruff.exists():
        pytest.skip("ruff is not installed next to this Python")
    pages = [str(DOCS / source) for source in PAGES_WITH_EXAMPLES]
    result = subprocess.run(
        [str(ruff), "format", "--no-cache", "--diff", *pages],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
