"""The console in a real headless Chromium against a real server: log in, see the cameras, log out."""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.peers.browser import chromium_page, screenshot
from tests.peers.live_server import live_server

pytestmark = pytest.mark.slow
PASSWORD = "boss-password-1"


def seed(server) -> None:
    server.manage("adduser", "boss", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    key = server.manage("mintkey", "seeder", "--role", "admin").strip().splitlines()[-1]
    for body in ({"name": "Gate A", "vendor": "hikvision", "address": "192.0.2.10", "username": "admin", "password": "x-secret-9"},
                 {"name": "Yard", "enabled": False}):
        request = urllib.request.Request(server.base_url + "/api/v1/cameras", data=json.dumps(body).encode(), method="POST",
                                         headers={"X-API-Key": key, "Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=10).close()


def test_login_home_and_logout_in_a_real_browser(tmp_path):
    with live_server(tmp_path) as server:
        seed(server)
        with chromium_page() as page:
            page.goto(server.base_url + "/")
            assert page.url.startswith(server.base_url + "/login/")
            page.fill("#id_username", "boss")
            page.fill("#id_password", "wrong password")
            page.click("button[type=submit]")
            assert "Invalid username or password" in page.text_content("[role=alert]")
            screenshot(page, "console-login-error")
            page.fill("#id_username", "boss")
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(server.base_url + "/")
            rows = page.locator("table.cameras tbody tr")
            assert rows.count() == 2
            assert "Gate A" in rows.nth(0).text_content() and "unknown" in rows.nth(0).text_content()
            assert "disabled" in rows.nth(1).text_content()
            assert "x-secret-9" not in page.content()
            screenshot(page, "console-home")
            page.click("text=Log out")
            page.wait_for_url(server.base_url + "/login/")


def test_home_is_usable_at_phone_width(tmp_path):
    with live_server(tmp_path) as server:
        seed(server)
        with chromium_page(width=390, height=844) as page:
            page.goto(server.base_url + "/login/")
            page.fill("#id_username", "boss")
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(server.base_url + "/")
            # nothing wider than the screen: no horizontal scrolling on a phone
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            assert page.locator("text=Gate A").is_visible()
            screenshot(page, "console-home-phone")
