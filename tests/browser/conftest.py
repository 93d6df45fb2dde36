"""Fixtures of the browser tests: Debian's Chromium driven by Playwright, a real Airflow API
server, the Hex simulator, and a screenshot folder per test under ``artifacts/browser``."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from browser_support import AirflowUI

from airflow_provider_hex.testing import HexSimulator

HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE.parent.parent / "artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
# No network here: keep Chromium from reaching out, and give it a fresh profile each time.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium() -> str:
    """The system Chromium, installed from Debian by ``setup.sh`` when it is missing."""
    if shutil.which("chromium") is None:
        subprocess.run(["bash", str(HERE / "setup.sh")], check=True)
    return shutil.which("chromium") or CHROMIUM


@pytest.fixture(scope="module")
def ui_sim() -> Iterator[HexSimulator]:
    """A demo-seeded Hex simulator, its clock five times faster than real time."""
    with HexSimulator(time_scale=5.0) as sim:
        yield sim


@pytest.fixture(scope="module")
def airflow_ui(ui_sim: HexSimulator) -> Iterator[AirflowUI]:
    """A running Airflow API server whose ``hex_default`` connection is the simulator."""
    airflow_version = tuple(int(p) for p in version("apache-airflow-core").split(".")[:2])
    if airflow_version < (3, 2) and importlib.util.find_spec("wtforms") is None:
        pytest.fail(
            "Airflow before 3.2 draws a provider's connection form only when wtforms is "
            "installed: pip install -c constraints/airflow-3.0.6.txt wtforms"
        )
    with AirflowUI(env={"AIRFLOW_CONN_HEX_DEFAULT": ui_sim.airflow_connection_json()}) as ui:
        yield ui


@pytest.fixture
def page(chromium: str, airflow_ui: AirflowUI) -> Iterator[Any]:
    """A Playwright page in headless system Chromium, signed in to Airflow as the admin."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the browser tests need the 'playwright' package (pinned in constraints/)")
    profile = tempfile.mkdtemp(prefix="hex-browser-profile-")
    try:
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                profile,
                executable_path=chromium,
                headless=True,
                args=CHROMIUM_FLAGS,
                viewport={"width": 1400, "height": 1000},
            )
            context.set_default_timeout(30_000)
            tab = context.pages[0] if context.pages else context.new_page()
            tab.goto(airflow_ui.base_url + "/")
            tab.get_by_label("Username").fill("admin")
            tab.get_by_label("Password").fill(airflow_ui.password)
            tab.get_by_role("button", name=re.compile("sign in", re.IGNORECASE)).click()
            tab.wait_for_url(re.compile(r"^(?!.*/auth/login).*$"))
            yield tab
            context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def screenshot(request: pytest.FixtureRequest, page: Any) -> Callable[[str], Path]:
    """Save numbered screenshots under ``artifacts/browser/<test name>/`` for people to see."""
    folder = ARTIFACTS / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    taken: list[Path] = []

    def take(name: str) -> Path:
        path = folder / f"{len(taken) + 1:02d}-{name}.png"
        page.screenshot(path=str(path))
        taken.append(path)
        return path

    return take
