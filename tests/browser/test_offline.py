"""Fully offline: no page of the app asks the browser for anything outside this machine.

Every request of the tab goes through a route that lets loopback requests through and stops (and records) any
other, so a request to an external host fails this test without ever leaving the machine.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip (or, under CI=true, fail) with an install hint
    expect = None

PAGES = ["/", "/step_through", "/shapes", "/train_sine", "/char_lm"]


def is_loopback(url: str) -> bool:
    """True for URLs this machine answers itself (and for data:/blob: URLs, which are no request at all)."""
    parts = urlsplit(url)
    if parts.scheme in {"data", "blob", "about"}:
        return True
    host = parts.hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name other than localhost
        return False


@pytest.fixture
def offline_app(app):
    """The ``app`` tab with every non-loopback request stopped and recorded in ``app.external``."""
    app.external = []

    def route(route, request) -> None:
        if is_loopback(request.url):
            route.continue_()
        else:
            app.external.append(request.url)
            route.abort()

    app.page.context.route("**/*", route)
    app.page.on("websocket", lambda socket: None if is_loopback(socket.url) else app.external.append(socket.url))
    return app


def test_the_loopback_check():
    assert is_loopback("http://127.0.0.1:8501/_stcore/health") and is_loopback("ws://localhost:1/_stcore/stream")
    assert is_loopback("http://[::1]:8080/") and is_loopback("data:image/png;base64,AAAA")
    assert not is_loopback("https://fonts.gstatic.com/s/i/short-term/release/materialsymbolsrounded/x/24px.svg")
    assert not is_loopback("http://10.0.0.1/") and not is_loopback("https://example.org/")


def test_a_request_to_an_external_host_is_caught(offline_app):
    """Control: a page that asks for an external file (what a ``:material/...:`` tab icon does) is seen."""
    offline_app.goto("/")
    offline_app.page.evaluate(
        "() => fetch('https://fonts.gstatic.com/s/i/short-term/release/materialsymbolsrounded/timeline/"
        "default/24px.svg').catch(() => null)"
    )
    assert offline_app.external == [
        "https://fonts.gstatic.com/s/i/short-term/release/materialsymbolsrounded/timeline/default/24px.svg"
    ]


def test_no_page_requests_anything_outside_this_machine(offline_app, shot):
    app = offline_app
    for path in PAGES:
        app.goto(path)
        if path == "/train_sine":  # the live views: loss curve, prediction, the browser step viewer
            with app.expect_rerun():
                app.page.get_by_role("button", name="One step", exact=True).click()
        if path == "/step_through":
            expect(app.page.get_by_test_id("step-viewer").locator(".equation").first).to_be_visible()
        app.page.wait_for_timeout(1000)  # late loads: fonts, component assets, the tab icon
        shot(path.strip("/") or "overview")
        assert app.external == [], f"{path} asked for {app.external}"
    app.assert_healthy()


def test_the_tab_icon_is_served_by_the_app(offline_app):
    app = offline_app
    app.goto("/")
    href = app.page.evaluate("() => document.querySelector(\"link[rel~='icon']\")?.href ?? null")
    assert href and is_loopback(href), href
    response = app.page.request.get(href)
    assert response.ok and response.headers["content-type"] == "image/png"
    assert response.body().startswith(b"\x89PNG\r\n\x1a\n")
    assert app.external == []
