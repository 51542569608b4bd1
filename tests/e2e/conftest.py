"""Fixtures for the browser tests: a real ``streamlit run`` server and headless Chromium pages.

Run with ``python -m pytest tests/e2e -m e2e``. Chromium is looked up on PATH (``chromium``,
``chromium-browser``) or taken from ``$CHROMIUM_EXECUTABLE``; a failing test leaves a screenshot
in ``artifacts/e2e-failures/``.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import sync_playwright

# The harness is shared with the load test and the scripts (harness/).
from harness.browser import REPO_ROOT, StreamlitServer, launch_browser, new_page


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.e2e_failed = report.failed
    return report


@pytest.fixture(scope="session")
def playwright():
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright):
    browser = launch_browser(playwright)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    """One server shared by the tests that don't care whether it is fresh."""
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with StreamlitServer(REPO_ROOT, log_path=log) as server:
        yield server


@pytest.fixture
def fresh_server(tmp_path):
    """A server started for this test alone, so its first browser session is the very first."""
    with StreamlitServer(REPO_ROOT, log_path=tmp_path / "server.log") as server:
        yield server


@pytest.fixture
def page(browser, request):
    """A page in its own browser context, hence its own Streamlit session."""
    page = new_page(browser)
    yield page
    if getattr(request.node, "e2e_failed", False):
        out = REPO_ROOT / "artifacts" / "e2e-failures"
        out.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        page.screenshot(path=out / f"{name}.png", full_page=True)
    page.context.close()
