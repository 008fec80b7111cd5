"""The furnace live page in Debian's chromium: the charts draw and a value stored while the page is
open appears without reloading (the stream polls the historian under ``greenmet serve``)."""

from __future__ import annotations

import pandas as pd
import pytest
from tests.service.test_furnace_routes import write_tiny_historian
from tests.web.serving import running_server
from tests.web.test_browser import CHROMIUM, FLAGS, PASSWORD, artefacts  # noqa: F401

from greenmet.service.auth import hash_password
from greenmet.service.settings import ServiceSettings
from greenmet.storage import Historian, users
from greenmet.storage.records import RecordStore
from greenmet.web.app import create_app

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)")


@pytest.fixture
def furnace_server(tmp_path):
    site, furnace, _last = write_tiny_historian(tmp_path, hours=1, derive=False)
    with RecordStore(tmp_path / "records.duckdb") as records:
        users.add_user(records, "viewer", hash_password(PASSWORD), "viewer", actor="test", language="en")
    app = create_app(ServiceSettings(data_directory=tmp_path, secure_cookies=False))
    with running_server(app) as url:
        yield {"url": url, "root": tmp_path / "historian", "site": site, "furnace": furnace}


def test_live_value_changes_without_reload(furnace_server, artefacts):  # noqa: F811 (the fixture)
    from playwright.sync_api import expect, sync_playwright

    url, site, furnace = furnace_server["url"], furnace_server["site"], furnace_server["furnace"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on(
                "console", lambda message: errors.append(message.text) if message.type == "error" else None
            )
            page.goto(f"{url}/login")
            page.fill("#user_name", "viewer")
            page.fill("#password", PASSWORD)
            page.click("#login-button")
            page.wait_for_url(f"{url}/")
            page.click(".furnace-link")
            page.wait_for_url(f"{url}/furnaces/{site}/{furnace}")
            cell = page.locator('#live tr[data-tag="blast_volume"] .value')
            expect(cell).not_to_have_text("—", timeout=30_000)
            assert cell.inner_text() != "12,345"
            for chart in ("#stave-map", "#tuyere-ring", "#probe-profile", "#trend-chart"):
                expect(page.locator(f"{chart} .main-svg").first).to_be_attached(timeout=30_000)
            expect(page.locator("#what-if tbody tr").first).to_be_attached(timeout=30_000)

            with Historian(furnace_server["root"], site, furnace) as writer:
                writer.write(
                    pd.DataFrame(
                        {"ts": [pd.Timestamp.now(tz="UTC")], "tag": ["blast_volume"], "value": [12345.0]}
                    )
                )
            expect(cell).to_have_text("12,345", timeout=30_000)
            expect(page.locator("#live-source")).to_have_text("historian")
            page.screenshot(path=artefacts / "furnace.png", full_page=True)
            assert not [e for e in errors if "Content Security Policy" in e], errors
        finally:
            browser.close()
