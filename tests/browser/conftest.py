"""A live server on loopback and a Playwright page in Debian's Chromium.

Browser tests skip (with the reason) only when no Chromium is installed; CI always installs it.
"""
from __future__ import annotations

import os
import shutil
import threading
from contextlib import contextmanager

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("UPTAKE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]


def closing_body(app):
    """Werkzeug's development server closes a response's body only after draining the socket, and
    a browser that drops the connection first (a cancelled favicon or stylesheet) makes that drain
    raise, so a file body (a static file) is never closed and Python warns at collection time. The
    app streams nothing, so read each body whole and close it before the server writes a byte."""
    def wsgi(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()
    return wsgi


@contextmanager
def serving(app):
    server = make_server("127.0.0.1", 0, closing_body(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@pytest.fixture
def live_server(app, demo):
    with serving(app) as url:
        yield url


@pytest.fixture
def fresh_server(app):
    """A server on an empty database, as on a new install: no organisation, nobody to sign in."""
    with serving(app) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium package (CI always does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def sign_in_through_form(page, base_url: str, email: str, password: str = "uptake-demo") -> None:
    page.goto(f"{base_url}/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=sorted(VIEWPORTS))
def screen(browser, request):
    """A page at desktop (1280×800) or phone (390×844) size that records console errors; check every
    screen of a journey with `assert_screen_ok(screen)`."""
    context = browser.new_context(viewport=VIEWPORTS[request.param])
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.console_errors = []
    # a form refused with 400/409/422 is the page answering as designed; Chromium still logs that
    # document's status as an error, which is not one
    page.document_status = None
    page.on("response", lambda r: setattr(page, "document_status", r.status)
            if r.request.is_navigation_request() and r.request.frame == page.main_frame else None)

    def on_console(message):
        refused_form = (message.text.startswith("Failed to load resource") and page.document_status in (400, 409, 422)
                        and f"status of {page.document_status} " in message.text)
        if message.type == "error" and not refused_form:
            page.console_errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


def assert_screen_ok(page, where: str = "") -> None:
    """What a person would notice: the page scrolls sideways, a script failed, or axe finds a serious
    or critical accessibility problem."""
    from axe_playwright_python.sync_playwright import Axe

    label = where or page.url
    page.wait_for_load_state("load")  # stylesheets applied: a click only waits for the navigation to commit
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    if width[0] > width[1] + 1:
        culprits = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                         && !(e.parentElement && e.parentElement.getBoundingClientRect().right > window.innerWidth + 1))
            .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')
                             + ': ' + (e.textContent || '').trim().slice(0, 60))""")
        raise AssertionError(f"{label}: scrolls sideways ({width[0]} px wide at {width[1]} px): {culprits}")
    assert not page.console_errors, f"{label}: console errors {page.console_errors}"
    results = Axe().run(page)
    serious = [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
               for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert not serious, f"{label}: {serious}"
