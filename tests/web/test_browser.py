"""The pages in a real browser: Debian's chromium driven by Playwright against a running server.

Each page is saved as a screenshot (a test artefact) in ``$GREENMET_TEST_ARTIFACTS`` or the
test's temporary directory. Without chromium the test is skipped on a workstation and fails in
CI (``.ci/run`` installs it).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from importlib import resources
from pathlib import Path

import pytest

from greenmet.service.auth import hash_password
from greenmet.service.settings import ServiceSettings
from greenmet.storage import users
from greenmet.storage.records import RecordStore
from greenmet.web.app import create_app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PASSWORD = "correct horse battery"
# Flags for a sandbox with no network: no background traffic, no GPU.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

if CHROMIUM is None and os.environ.get("CI"):
    pytest.fail("chromium is missing: .ci/run installs Debian's chromium", pytrace=False)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(tmp_path):
    import uvicorn

    with RecordStore(tmp_path / "records.duckdb") as records:
        users.add_user(records, "engineer", hash_password(PASSWORD), "engineer", actor="test", language="en")
    port = _free_port()
    # http://127.0.0.1 is not a secure context for cookies: the test serves without the Secure flag.
    app = create_app(ServiceSettings(data_directory=tmp_path, secure_cookies=False))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=30)


@pytest.fixture
def artefacts(tmp_path):
    directory = Path(os.environ.get("GREENMET_TEST_ARTIFACTS", tmp_path / "screenshots"))
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def test_log_in_switch_language_upload_and_download(server, artefacts, tmp_path):
    from playwright.sync_api import sync_playwright

    example = resources.files("greenmet.carbon").joinpath("examples")
    activity = tmp_path / "plant.toml"
    activity.write_bytes(
        example.joinpath(
            sorted(p.name for p in example.iterdir() if p.name.endswith(".toml"))[0]
        ).read_bytes()
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(accept_downloads=True)
            errors: list[str] = []
            page.on(
                "console", lambda message: errors.append(message.text) if message.type == "error" else None
            )
            page.goto(f"{server}/carbon")
            assert page.url.endswith("/login")
            page.screenshot(path=artefacts / "login.png", full_page=True)
            page.fill("#user_name", "engineer")
            page.fill("#password", "wrong password")
            page.click("#login-button")
            assert page.locator("#login-error").is_visible()
            page.fill("#user_name", "engineer")
            page.fill("#password", PASSWORD)
            page.click("#login-button")
            page.wait_for_url(f"{server}/")
            assert page.locator("h1").inner_text() == "Overview"
            page.screenshot(path=artefacts / "overview.png", full_page=True)

            page.click("#switch-language")
            page.wait_for_load_state()
            assert page.locator("h1").inner_text() == "总览"
            page.goto(f"{server}/carbon")  # the choice is remembered on the next page
            assert page.locator("h1").inner_text() == "碳排放报告"

            page.set_input_files("#activity-file", str(activity))
            page.click("#upload-button")
            page.wait_for_url(f"{server}/carbon/*")
            assert page.locator("#summary tbody tr").count() > 0
            page.screenshot(path=artefacts / "carbon_report.png", full_page=True)
            with page.expect_download() as download_info:
                page.click("#download-pdf")
            download = download_info.value
            saved = tmp_path / download.suggested_filename
            download.save_as(saved)
            assert saved.read_bytes().startswith(b"%PDF") and saved.name.endswith("-zh.pdf")

            page.goto(f"{server}/carbon")
            assert page.locator("#uploads tbody tr").count() == 1
            page.screenshot(path=artefacts / "carbon.png", full_page=True)
            page.goto(f"{server}/account")
            page.screenshot(path=artefacts / "account.png", full_page=True)
            page.click("#logout")
            page.wait_for_url(f"{server}/login")
            assert not [e for e in errors if "Content Security Policy" in e], errors
        finally:
            browser.close()
    assert sorted(p.name for p in artefacts.glob("*.png")) == [
        "account.png",
        "carbon.png",
        "carbon_report.png",
        "login.png",
        "overview.png",
    ]
