"""The install command the README gives works today: run exactly as written, in a new
virtual environment, from a clone of this repository, it installs this version (not the
0.1.9 release that the package index holds under the same name) with the Airflow its
constraints file pins.

Each Airflow version of the suite runs the command for its own constraints file: the
README's for the newest, getting-started's for the others. pip's cache is used, so on a
machine that has installed Airflow before this takes well under a minute.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import venv
from importlib.metadata import version
from pathlib import Path

import pytest

import airflow_provider_hex

REPO = Path(__file__).resolve().parents[2]
VERSION = airflow_provider_hex.__version__
AIRFLOW = version("apache-airflow")
# "pip install -c constraints/airflow-3.3.2.txt ." alone on a line of a bash block.
CLONE_INSTALL = re.compile(r"^pip install -c constraints/airflow-(?P<airflow>[\d.]+)\.txt \.$")

SHOW_INSTALLED = """
import json
from importlib.metadata import version
import airflow_provider_hex
print(json.dumps({
    "dist": version("airflow-provider-hex"),
    "module": airflow_provider_hex.__version__,
    "file": airflow_provider_hex.__file__,
    "airflow": version("apache-airflow"),
}))
"""


def clone_install_commands(page: str) -> dict[str, str]:
    """The from-a-clone install commands of a Markdown page, by the Airflow they pin."""
    text = (REPO / page).read_text(encoding="utf-8")
    found = {}
    for line in text.splitlines():
        command = line.split("#", 1)[0].strip()
        if match := CLONE_INSTALL.match(command):
            found[match["airflow"]] = command
    return found


def test_readme_and_getting_started_give_the_clone_install_command() -> None:
    readme = clone_install_commands("README.md")
    started = clone_install_commands("docs/getting-started.md")
    assert list(readme) == ["3.3.2"], "the README gives one install command, for the newest"
    assert {"3.3.2", "3.0.6"} <= set(started)
    assert readme["3.3.2"] == started["3.3.2"]
    for airflow in started:
        assert (REPO / "constraints" / f"airflow-{airflow}.txt").is_file()


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A clone of this repository (its committed state), as a reader would have it."""
    if not (REPO / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout: there is nothing to clone")
    target = tmp_path / "airflow-provider-hex"
    subprocess.run(
        ["git", "clone", "--quiet", "--no-hardlinks", str(REPO), str(target)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return target


def test_the_documented_install_command_installs_this_version_in_a_new_venv(
    clone: Path, tmp_path: Path
) -> None:
    commands = {**clone_install_commands("docs/getting-started.md")}
    commands.update(clone_install_commands("README.md"))
    if AIRFLOW not in commands:
        pytest.skip(f"the docs give no install command for Airflow {AIRFLOW}")
    home = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(home)
    env = {
        **os.environ,
        "PATH": f"{home / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "VIRTUAL_ENV": str(home),
    }
    env.pop("PYTHONPATH", None)  # nothing from this checkout may leak into the new venv

    install = subprocess.run(
        ["bash", "-c", commands[AIRFLOW]],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )

    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    shown = subprocess.run(
        [str(home / "bin" / "python"), "-c", SHOW_INSTALLED],
        cwd=tmp_path,  # not the clone: the import must come from the venv
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    installed = json.loads(shown.stdout.strip().splitlines()[-1])
    assert installed["dist"] == installed["module"] == VERSION
    assert Path(installed["file"]).is_relative_to(home)
    assert installed["airflow"] == AIRFLOW
