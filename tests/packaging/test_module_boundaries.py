"""No module of the package imports a private (``_``-prefixed) module of another subpackage.

``airflow_provider_hex/operators/_common.py`` may be imported by ``operators/agent.py``, not
by ``sensors/hex.py``; what several subpackages share lives in a public module (such as
``airflow_provider_hex.runs``) or in a private module at the top of the package (such as
``airflow_provider_hex._compat``), which is private to the package as a whole.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import airflow_provider_hex

PACKAGE = Path(airflow_provider_hex.__file__).resolve().parent
NAME = "airflow_provider_hex"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, *, is_package: bool = False) -> list[str]:
    """Every module ``source`` (the code of ``module``) imports; ``from x import y`` counts
    ``x`` and ``x.y``, relative imports are resolved."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            origin = node.module or ""
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                origin = ".".join([*base, *([node.module] if node.module else [])])
            found.append(origin)
            found.extend(f"{origin}.{alias.name}" for alias in node.names)
    return found


def crossings(source: str, module: str, *, is_package: bool = False) -> list[str]:
    """The private modules of other subpackages that ``source`` (the code of ``module``)
    imports."""
    own = module.split(".")
    own_subpackage = own[1] if len(own) > (1 if is_package else 2) else None
    bad = []
    for target in imported_modules(source, module, is_package=is_package):
        parts = target.split(".")
        if parts[0] != NAME or len(parts) < 3:
            continue  # outside the package, or a top-level module of it
        private = [i for i, p in enumerate(parts) if i >= 2 and p.startswith("_")]
        if private and not parts[private[0]].startswith("__") and parts[1] != own_subpackage:
            crossing = ".".join(parts[: private[0] + 1])  # up to the private module
            if crossing not in bad:
                bad.append(crossing)
    return bad


def file_crossings(path: Path) -> list[str]:
    return crossings(
        path.read_text(encoding="utf-8"), module_name(path), is_package=path.name == "__init__.py"
    )


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        (
            "airflow_provider_hex.sensors.hex",
            "from airflow_provider_hex.operators._common import check_static",
            ["airflow_provider_hex.operators._common"],
        ),
        (
            "airflow_provider_hex.sensors.hex",
            "from airflow_provider_hex.operators import _common",
            ["airflow_provider_hex.operators._common"],
        ),
        (
            "airflow_provider_hex.sensors.hex",
            "import airflow_provider_hex.triggers._x",
            ["airflow_provider_hex.triggers._x"],
        ),
        (
            "airflow_provider_hex.sensors.hex",
            "from ..operators._common import x",
            [
                "airflow_provider_hex.operators._common",
            ],
        ),
        ("airflow_provider_hex.operators.agent", "from ._common import check_static", []),
        ("airflow_provider_hex.sensors.hex", "from airflow_provider_hex._compat import X", []),
        ("airflow_provider_hex.sensors.hex", "from airflow_provider_hex.runs import RunRef", []),
    ],
    ids=["from-module", "from-package", "import", "relative", "own", "top-level", "public"],
)
def test_the_check_finds_crossings_and_allows_the_rest(
    module: str, source: str, expected: list[str]
) -> None:
    assert crossings(source, module) == expected


def test_no_module_imports_a_private_module_of_another_subpackage() -> None:
    files = sorted(PACKAGE.rglob("*.py"))
    found = {str(path.relative_to(PACKAGE)): file_crossings(path) for path in files}

    assert len(files) > 90
    assert {name: bad for name, bad in found.items() if bad} == {}
