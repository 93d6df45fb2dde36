"""The release artefacts: ``python -m build`` makes an sdist and a wheel that hold the whole
package, declare the entry points Airflow and pytest look for, and install into a fresh
virtual environment, where Airflow's provider entry point loads from the installed wheel."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import venv
import zipfile
from configparser import ConfigParser
from email.parser import Parser
from importlib.metadata import version
from pathlib import Path

import pytest

import airflow_provider_hex

REPO = Path(__file__).resolve().parents[2]
VERSION = airflow_provider_hex.__version__
DIST = "airflow_provider_hex"

# Modules every release must ship (the testing subpackage included: users test with it).
REQUIRED_FILES = [
    f"{DIST}/__init__.py",
    f"{DIST}/py.typed",
    f"{DIST}/provider_info.py",
    f"{DIST}/exceptions.py",
    f"{DIST}/types.py",
    f"{DIST}/links.py",
    f"{DIST}/hooks/hex.py",
    f"{DIST}/operators/hex.py",
    f"{DIST}/operators/cells.py",
    f"{DIST}/operators/sharing.py",
    f"{DIST}/operators/projects.py",
    f"{DIST}/operators/guides.py",
    f"{DIST}/operators/admin.py",
    f"{DIST}/sensors/hex.py",
    f"{DIST}/triggers/hex.py",
    f"{DIST}/testing/__init__.py",
    f"{DIST}/testing/__main__.py",
    f"{DIST}/testing/pytest_plugin.py",
    f"{DIST}/testing/demo.py",
]

LOAD_ENTRY_POINT = """
import json, sys
from importlib.metadata import entry_points, version
(ep,) = [e for e in entry_points(group="apache_airflow_provider") if e.dist.name == sys.argv[1]]
info = ep.load()()
import airflow_provider_hex, airflow_provider_hex.testing
print(json.dumps({
    "info_version": info["versions"][0],
    "package_name": info["package-name"],
    "dist_version": version(sys.argv[1]),
    "module_version": airflow_provider_hex.__version__,
    "module_file": airflow_provider_hex.__file__,
    "simulator": airflow_provider_hex.testing.HexSimulator.__name__,
    "pytest11": [e.value for e in entry_points(group="pytest11") if e.dist.name == sys.argv[1]],
}))
"""


@pytest.fixture(scope="module")
def dist_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the sdist and the wheel once, as a release would (``python -m build``)."""
    pytest.importorskip("build", reason="the wheel test needs the 'build' package")
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", str(out), str(REPO)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def wheel(dist_dir: Path) -> Path:
    """The built wheel."""
    (path,) = dist_dir.glob("*.whl")
    return path


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new, empty virtual environment; returns its Python."""
    home = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=True, clear=True).create(home)
    return home / "bin" / "python"


def test_build_makes_one_sdist_and_one_wheel_named_for_the_version(dist_dir: Path) -> None:
    names = sorted(p.name for p in dist_dir.iterdir())
    assert names == [f"{DIST}-{VERSION}-py3-none-any.whl", f"{DIST}-{VERSION}.tar.gz"]


def test_wheel_holds_every_module_the_type_marker_and_the_simulator(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    missing = [name for name in REQUIRED_FILES if name not in names]
    assert not missing, f"missing from the wheel: {missing}"
    source = {
        str(path.relative_to(REPO))
        for path in (REPO / DIST).rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert source <= names, f"not in the wheel: {sorted(source - names)}"
    assert not [n for n in names if n.startswith(("tests/", "example_dags/", "docs/"))]


def test_wheel_declares_the_airflow_provider_and_pytest_entry_points(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        text = archive.read(f"{DIST}-{VERSION}.dist-info/entry_points.txt").decode()
        metadata = Parser().parsestr(archive.read(f"{DIST}-{VERSION}.dist-info/METADATA").decode())
    entry_points = ConfigParser()
    entry_points.read_string(text)
    assert dict(entry_points["apache_airflow_provider"]) == {
        "provider_info": f"{DIST}.provider_info:get_provider_info"
    }
    assert dict(entry_points["pytest11"]) == {"hex_simulator": f"{DIST}.testing.pytest_plugin"}
    assert metadata["Name"] == "airflow-provider-hex"
    assert metadata["Version"] == VERSION
    assert metadata["Requires-Python"] == ">=3.11"
    assert any(req.startswith("apache-airflow>=3") for req in metadata.get_all("Requires-Dist"))


def test_sdist_holds_the_project_files_needed_to_build_again(dist_dir: Path) -> None:
    with tarfile.open(dist_dir / f"{DIST}-{VERSION}.tar.gz") as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"pyproject.toml", "README.md", f"{DIST}/__init__.py", f"{DIST}/py.typed"} <= names


def test_installed_wheel_loads_its_provider_entry_point_with_matching_versions(
    wheel: Path, fresh_venv: Path, tmp_path: Path
) -> None:
    # --no-deps: Airflow is not needed to read provider info (it imports no Airflow), and
    # installing it again would take minutes. The dependency set is checked below.
    install = subprocess.run(
        [str(fresh_venv), "-m", "pip", "install", "-q", "--no-deps", str(wheel)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    loaded = subprocess.run(
        [str(fresh_venv), "-c", LOAD_ENTRY_POINT, "airflow-provider-hex"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=tmp_path,  # not the checkout: the import must come from the installed wheel
    )
    found = json.loads(loaded.stdout)
    assert found["package_name"] == "airflow-provider-hex"
    assert found["info_version"] == found["dist_version"] == found["module_version"] == VERSION
    assert Path(found["module_file"]).is_relative_to(fresh_venv.parent.parent)
    assert found["simulator"] == "HexSimulator"
    assert found["pytest11"] == [f"{DIST}.testing.pytest_plugin"]


def test_wheel_dependencies_resolve_against_the_tested_constraints(wheel: Path) -> None:
    airflow = version("apache-airflow")
    constraints = REPO / "constraints" / f"airflow-{airflow}.txt"
    if not constraints.exists():
        pytest.skip(f"no constraints file for Airflow {airflow}")
    resolved = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--ignore-installed",
            "--quiet",
            "--report",
            "-",
            "-c",
            str(constraints),
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert resolved.returncode == 0, resolved.stderr[-3000:]
    report = json.loads(resolved.stdout)
    versions = {
        item["metadata"]["name"].lower(): item["metadata"]["version"] for item in report["install"]
    }
    assert versions["apache-airflow"] == airflow
    assert versions["airflow-provider-hex"] == VERSION
