"""The alert pages in a real browser: an operator acknowledges an alert; a viewer sees no button and
the API refuses the viewer's acknowledgement (403). Server and browser as in test_browser.py."""

from __future__ import annotations

import pandas as pd
import pytest
from tests.web.serving import running_server
from tests.web.test_browser import CHROMIUM, FLAGS, PASSWORD

from greenmet.monitoring.alerts import AlertEvent
from greenmet.service.auth import hash_password
from greenmet.service.settings import ServiceSettings
from greenmet.storage import users
from greenmet.storage.alerts import record_alert_events
from greenmet.storage.records import RecordStore
from greenmet.web.app import create_app

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)")

RAISED_AT = pd.Timestamp("2026-01-01T08:00:00Z")


@pytest.fixture
def server(tmp_path, monkeypatch):
    from argon2 import PasswordHasher
    from argon2.profiles import CHEAPEST

    monkeypatch.setattr("greenmet.service.auth._HASHER", PasswordHasher.from_parameters(CHEAPEST))
    with RecordStore(tmp_path / "records.duckdb") as records:
        for role in ("operator", "viewer"):
            users.add_user(records, role, hash_password(PASSWORD), role, actor="test", language="en")
        event = AlertEvent(
            "hanging_rule",
            "hanging",
            "process",
            "critical",
            "raised",
            RAISED_AT,
            RAISED_AT,
            (("pressure_differential", 190.0, 175.0, ">"),),
            message_en="burden hanging",
            message_zh="悬料",
        )
        (alert_id,) = record_alert_events(records, "plant", "bf9", [event])
    app = create_app(ServiceSettings(data_directory=tmp_path, secure_cookies=False))
    with running_server(app) as base:
        yield base, alert_id


def _log_in(page, base: str, user_name: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#user_name", user_name)
    page.fill("#password", PASSWORD)
    page.click("#login-button")
    page.wait_for_url(f"{base}/")


def test_operator_acknowledges_viewer_cannot(server, tmp_path):
    from playwright.sync_api import sync_playwright

    base, alert_id = server
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            _log_in(page, base, "operator")
            page.click("nav a[data-nav=alerts]")
            page.wait_for_url(f"{base}/alerts")
            row = page.locator(f"#alerts tr[data-alert-id='{alert_id}']")
            assert row.locator(".status").inner_text() == "Open"
            row.locator("a").first.click()
            page.wait_for_url(f"{base}/alerts/{alert_id}")
            assert page.locator("#evidence tbody tr").count() == 1
            page.fill("#acknowledge-comment", "checking the stockrods")
            page.click("#acknowledge")
            page.wait_for_url(f"{base}/alerts/{alert_id}")
            assert page.locator("#alert-status").inner_text() == "Acknowledged"
            assert "checking the stockrods" in page.locator("#audit").inner_text()
            page.click("#logout")
            page.wait_for_url(f"{base}/login")

            _log_in(page, base, "viewer")
            page.goto(f"{base}/alerts/{alert_id}")
            assert page.locator("#alert-status").inner_text() == "Acknowledged"
            assert page.locator("#acknowledge").count() == 0 and page.locator("#close").count() == 0
            status = page.evaluate(
                """async (id) => {
                    const me = await (await fetch('/api/me')).json();
                    const r = await fetch(`/api/alerts/${id}/close`, {method: 'POST',
                        headers: {'X-CSRF-Token': me.csrf_token, 'Content-Type': 'application/json'},
                        body: JSON.stringify({comment: 'not mine', force: true})});
                    return r.status;
                }""",
                alert_id,
            )
            assert status == 403
            assert not [e for e in errors if "Content Security Policy" in e], errors
        finally:
            browser.close()
