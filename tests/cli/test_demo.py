"""``greenmet demo``: a bounded run serves the pages with live data, a second run continues."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time

import httpx
import pandas as pd
import pytest

from greenmet.storage import queries

RUN = [
    sys.executable,
    "-c",
    "from greenmet.cli import main; main()",
    "demo",
    "--port",
    "0",
    "--preset",
    "2500m3",
]


def _start(data, duration_s: float) -> tuple[subprocess.Popen[str], list[str]]:
    process = subprocess.Popen(
        [*RUN, "--data", str(data), "--duration", str(duration_s)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)

    threading.Thread(target=read, daemon=True).start()
    return process, lines


def _wait_for(
    lines: list[str], pattern: str, process: subprocess.Popen[str], timeout_s: float
) -> re.Match[str]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for line in list(lines):
            match = re.search(pattern, line)
            if match:
                return match
        if process.poll() is not None:
            break
        time.sleep(0.2)
    raise AssertionError(f"no {pattern!r} in the demo's output:\n{''.join(lines)}")


def _latest_ts(root, tag: str) -> pd.Timestamp:
    points = queries.open_points(root, "demo", "BF2500")
    return pd.Timestamp(
        queries.run(points.filter(points.tag == tag).ts.max().name("last").as_table())["last"][0]
    )


@pytest.mark.slow
def test_a_bounded_demo_serves_live_data_and_a_second_run_continues(tmp_path):
    data = tmp_path / "demo"
    process, lines = _start(data, 60)
    try:
        url = _wait_for(lines, r"greenmet demo at (http://\S+)", process, 600).group(1)
        login = _wait_for(lines, r"first login: user (\S+)\s+password (\S+)", process, 10)
        # generous timeouts: the pages answer while the plant fits its detectors beside them, and a
        # loaded CI machine can be slow; nothing here measures speed
        with httpx.Client(base_url=url, timeout=180) as client:
            assert client.get("/login").status_code == 200
            assert client.get("/api/furnaces").status_code == 401  # nothing without login
            session = client.post(
                "/api/session", json={"user_name": login.group(1), "password": login.group(2)}
            )
            assert session.status_code == 200, session.text
            # The cookie is Secure: browsers send it to http://localhost, httpx only over HTTPS.
            client.headers["Cookie"] = f"greenmet_session={session.cookies['greenmet_session']}"
            furnaces = client.get("/api/furnaces").json()["items"]
            assert furnaces == [{"site": "demo", "furnace": "BF2500"}]
            uploads = client.get("/carbon")
            assert (
                uploads.status_code == 200 and uploads.text.count('href="/carbon/') >= 3
            )  # sample installations
            seen = set()
            deadline = time.monotonic() + 300
            while len(seen) < 2 and time.monotonic() < deadline:  # live values arrive and change
                latest = client.get("/api/furnaces/demo/BF2500/latest").json()["values"]
                if "blast_volume" in latest:
                    seen.add(latest["blast_volume"]["ts"])
                time.sleep(1)
            assert len(seen) >= 2, "the blast volume did not update while the demo ran"
        assert process.wait(timeout=300) == 0, "".join(lines)
    finally:
        process.kill()
    assert "stopped:" in "".join(lines)
    root = data / "historian"
    first_end = _latest_ts(root, "blast_volume")

    process, lines = _start(data, 15)
    try:
        _wait_for(lines, r"greenmet demo at", process, 600)
        assert process.wait(timeout=300) == 0, "".join(lines)
    finally:
        process.kill()
    output = "".join(lines)
    assert "first login" not in output and "sample carbon" not in output  # kept from the first run
    assert _latest_ts(root, "blast_volume") > first_end  # the simulator continued its clock
