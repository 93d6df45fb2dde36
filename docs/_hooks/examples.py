"""MkDocs hook: include sections of the example DAGs, and tidy reST roles in API pages.

The example DAGs mark the parts the docs show the way Airflow's own providers do::

    # [START howto_operator_hex_run_project]
    ...
    # [END howto_operator_hex_run_project]

A page includes such a section with the ``pymdownx.snippets`` line form::

    --8<-- "example_dags/example_hex_run_project.py:howto_operator_hex_run_project"

This hook expands those lines before Markdown runs, dedented and kept at the line's own
indentation. A named section that the file does not mark this way is left to
``pymdownx.snippets`` (which reads ``# --8<-- [start:name]`` markers); a missing file or
section then fails the build. A line that looks like an include but is not one (a
formatter once rewrote them as ``--8 < --"..."``, which then showed as text) fails the build
too. The hook also drops Sphinx roles (``:class:``…) that
docstrings use, so API pages show ``HexHook`` rather than ``:class:`~…HexHook```.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

_INCLUDE = re.compile(
    r'^(?P<indent>[ \t]*)--8<--[ \t]+"(?P<path>[^"]+?):(?P<name>[A-Za-z]\w*)"[ \t]*$'
)
# Anything that starts like an include line, however mangled: "--8<--", "--8 < --", "-8<-".
_LOOKS_LIKE_INCLUDE = re.compile(r"^[ \t]*-+[ \t]*8[ \t]*<[ \t]*-+")
# What pymdownx.snippets reads as an include or section line: "--8<-- " then the rest.
_SNIPPETS_LINE = re.compile(r"^[ \t]*-+8<-+[ \t]+\S")
_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|attr|data|mod|exc|obj|const):(?=<code>)")
_TILDE = re.compile(r"<code>~(?:[\w]+\.)*(\w+)</code>")


def section(path: Path, name: str) -> str | None:
    """Return the dedented lines between ``# [START name]`` and ``# [END name]``, or None."""
    start = re.compile(rf"^\s*#\s*\[START {re.escape(name)}\]\s*$")
    end = re.compile(rf"^\s*#\s*\[END {re.escape(name)}\]\s*$")
    lines = path.read_text(encoding="utf-8").splitlines()
    begin = next((i for i, line in enumerate(lines) if start.match(line)), None)
    if begin is None:
        return None
    for stop in range(begin + 1, len(lines)):
        if end.match(lines[stop]):
            return textwrap.dedent("\n".join(lines[begin + 1 : stop])).strip("\n")
    raise ValueError(f"{path}: [START {name}] has no [END {name}]")


class IncludeError(ValueError):
    """A page has a line that looks like an include but would be shown as text."""


def expand(markdown: str, root: Path) -> str:
    """Replace every include line whose file marks the section with ``[START …]``.

    Raises :class:`IncludeError` for a line that looks like an include but that neither
    this hook nor ``pymdownx.snippets`` would read as one.
    """
    out = []
    for number, line in enumerate(markdown.split("\n"), start=1):
        if _LOOKS_LIKE_INCLUDE.match(line) and not _SNIPPETS_LINE.match(line):
            raise IncludeError(
                f"line {number} looks like an include but is not one: {line.strip()!r} "
                '(write it as --8<-- "path:section")'
            )
        match = _INCLUDE.match(line)
        path = root / match["path"] if match else None
        text = section(path, match["name"]) if match and path and path.is_file() else None
        if match is None or text is None:
            out.append(line)
            continue
        indent = match["indent"]
        out.extend(indent + body if body else body for body in text.split("\n"))
    return "\n".join(out)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Expand example-DAG sections before Markdown (and snippets) see the page."""
    try:
        return expand(markdown, Path(config["config_file_path"]).parent)
    except IncludeError as err:
        from mkdocs.exceptions import PluginError

        raise PluginError(f"{page.file.src_path}: {err}") from err


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    """Drop Sphinx cross-reference roles from rendered docstrings."""
    return _TILDE.sub(r"<code>\1</code>", _ROLE.sub("", html))
