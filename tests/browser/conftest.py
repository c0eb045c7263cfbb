"""Browser tests: the app served by a real threaded server, driven through Debian's Chromium.

A missing browser is an error, never a skip: CI must not pass without these tests running.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from studyhall import PROJECT_ROOT

CHROMIUM = Path(os.environ.get("STUDYHALL_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(os.environ.get("STUDYHALL_SCREENSHOTS", PROJECT_ROOT / "test-artifacts" / "screenshots"))
# Chromium's background services try to reach Google; the intranet (and CI) has no internet.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


# Werkzeug's development server, which serves the app to the browser here (production runs
# gunicorn), can leave a static file open when Chromium drops the connection at the wrong moment
# (navigating away while the favicon is sent): the file is closed later by the garbage collector,
# which under filterwarnings=error failed whatever test was running then. Only that is let pass.
_DROPPED_STATIC_FILE = [
    r"ignore:Exception ignored in. <_io.FileIO name='[^']*/static/:pytest.PytestUnraisableExceptionWarning",
    r"ignore:unclosed file <_io.BufferedReader name='[^']*/static/:ResourceWarning",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            for spec in _DROPPED_STATIC_FILE:
                item.add_marker(pytest.mark.filterwarnings(spec))


@pytest.fixture
def test_config(test_config):
    return {**test_config, "WTF_CSRF_ENABLED": True}


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install it (apt-get install chromium) "
            "or set STUDYHALL_CHROMIUM. Browser tests are required, never skipped."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def csp_violations(context) -> list[str]:  # type: ignore[no-untyped-def]
    """Collect what Chromium reports as blocked by the Content-Security-Policy, in every page of
    the context, as it happens."""
    violations: list[str] = []

    def note(message) -> None:  # type: ignore[no-untyped-def]
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    context.on("console", note)
    return violations


@pytest.fixture
def page(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(
        base_url=live_server, locale="zh-CN", viewport={"width": 1280, "height": 800}
    )
    violations = csp_violations(context)
    page = context.new_page()
    yield page
    context.close()
    assert not violations, "the page broke its Content-Security-Policy"


def phone_context(browser, base_url: str, width: int = 360, height: int = 740):  # type: ignore[no-untyped-def]
    """A browser context as a phone of this screen size (CSS pixels) shows the app."""
    return browser.new_context(
        base_url=base_url,
        locale="zh-CN",
        viewport={"width": width, "height": height},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )


@pytest.fixture
def phone(browser, live_server):  # type: ignore[no-untyped-def]
    context = phone_context(browser, live_server)
    violations = csp_violations(context)
    page = context.new_page()
    yield page
    context.close()
    assert not violations, "the page broke its Content-Security-Policy"


def screenshot(page, name: str, *, full_page: bool = True) -> None:  # type: ignore[no-untyped-def]
    """Save a picture of the page (or of what the screen shows: full_page=False) for a person to
    look at (not compared by the tests)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


# The practice bank and in_app of tests/practice, for the practice pages in a browser.
from tests.practice.conftest import bank, in_app  # noqa: E402, F401
