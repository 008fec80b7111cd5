"""Load on the web service: locust, headless, on loopback, against ``greenmet serve``.

The data directory holds a simulated historian (the 2500 m3 preset, a few hours at 60-s steps) and
an admin with an API token. 50 concurrent users (no think time: a closed loop that saturates the
server) request the overview page and the read endpoints of the API that answer 200 at run time,
for a bounded time. The named peer is what a competent user would otherwise put up: a minimal
FastAPI app (same uvicorn server) returning, for each of the same paths, a static body of the same
bytes and content type. Both run under the same locust settings, one after the other; the script
prints p95 latency and throughput of both and their ratio.

    pip install -e '.[service,bench]'
    python benchmarks/web_load.py --users 50 --seconds 20 --hours 6
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

_ENV_PATHS = "GREENMET_WEB_LOAD_PATHS"
_ENV_TOKEN = "GREENMET_WEB_LOAD_TOKEN"

if __name__ != "__main__" and os.environ.get(_ENV_PATHS):
    # Loaded by locust as its locustfile (gevent is patched in there, not in the driver).
    from locust import FastHttpUser, constant, task

    _PATHS = json.loads(os.environ[_ENV_PATHS])
    _HEADERS = {"Authorization": f"Bearer {os.environ.get(_ENV_TOKEN, '')}"}

    class Reader(FastHttpUser):
        wait_time = constant(0)

        @task
        def read_every_path(self) -> None:
            for path in _PATHS:
                self.client.get(path, headers=_HEADERS, name=path)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(url: str, headers: dict[str, str], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def _prepare(directory: Path, hours: int) -> tuple[str, str, str]:
    """A historian of ``hours`` simulated hours and an admin's API token; returns site, furnace, token."""
    import pandas as pd

    from greenmet.blast_furnace.simulator import Scenario, preset, simulate
    from greenmet.service.auth import hash_password, new_secret
    from greenmet.storage import Historian, users
    from greenmet.storage.records import RecordStore

    config = preset("2500m3")
    end = pd.Timestamp.now(tz="UTC").floor("min")
    result = simulate(
        config,
        f"{hours}h",
        seed=11,
        step_seconds=60,
        start=end - pd.Timedelta(hours=hours),
        scenario=Scenario.from_text("random_sensor_faults_per_day = 0\n"),
    )
    long = result.values.stack().rename("value").reset_index()
    long.columns = ["ts", "tag", "value"]
    with Historian(directory / "historian", config.site, config.furnace_id, time_zone=config.time_zone) as w:
        w.write(long)
    token = new_secret()
    with RecordStore(directory / "records.duckdb") as records:
        users.add_user(records, "admin", hash_password(new_secret()), "admin", actor="benchmark")
        users.create_token(records, "admin", token, "web_load")
    return config.site, config.furnace_id, token


def _answers(base: str, paths: list[str], headers: dict[str, str]) -> dict[str, tuple[int, str, bytes]]:
    """Status, content type and body of each path, asked once."""
    seen = {}
    for path in paths:
        request = urllib.request.Request(base + path, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                seen[path] = (response.status, response.headers.get("content-type", ""), response.read())
        except urllib.error.HTTPError as error:
            seen[path] = (error.code, "", b"")
    return seen


def _peer(bodies_file: Path, port: int) -> None:
    """The named peer: a minimal FastAPI app serving each path's recorded body as static bytes."""
    import uvicorn
    from fastapi import FastAPI
    from fastapi.responses import Response

    recorded = json.loads(bodies_file.read_text())
    app = FastAPI()

    def route(body: bytes, media_type: str):
        def answer() -> Response:
            return Response(body, media_type=media_type)

        return answer

    for path, (media_type, text) in recorded.items():
        app.add_api_route(path.split("?")[0], route(text.encode("latin-1"), media_type), methods=["GET"])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def _locust(base: str, paths: list[str], token: str, users: int, seconds: int, out: Path) -> dict[str, Any]:
    environment = {**os.environ, _ENV_PATHS: json.dumps(paths), _ENV_TOKEN: token}
    subprocess.run(
        [
            sys.executable, "-m", "locust", "-f", __file__, "--headless", "--host", base,
            "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--csv", str(out),
            "--only-summary", "--loglevel", "WARNING",
        ],
        env=environment,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    with open(f"{out}_stats.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    total = next(row for row in rows if row["Name"] == "Aggregated")
    return {
        "per_path_p95_ms": {row["Name"]: float(row["95%"]) for row in rows if row["Name"] != "Aggregated"},
        "requests": float(total["Request Count"]),
        "failures": float(total["Failure Count"]),
        "p95_ms": float(total["95%"]),
        "median_ms": float(total["50%"]),
        "requests_per_s": float(total["Requests/s"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--hours", type=int, default=6, help="simulated hours in the historian")
    parser.add_argument("--peer-bodies", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--peer-port", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.peer_bodies is not None:
        _peer(arguments.peer_bodies, arguments.peer_port)
        return
    with tempfile.TemporaryDirectory(prefix="greenmet-web-load-") as scratch:
        directory = Path(scratch)
        site, furnace, token = _prepare(directory / "data", arguments.hours)
        headers = {"Authorization": f"Bearer {token}"}
        candidates = [
            "/",
            "/api/furnaces",
            f"/api/furnaces/{site}/{furnace}/latest",
            f"/api/furnaces/{site}/{furnace}/snapshot",
            "/api/alerts?limit=50",
            "/api/outlook/presets",
            "/api/evaluation/standards?limit=50",
        ]
        port = _free_port()
        server = subprocess.Popen(
            [
                shutil.which("greenmet") or "greenmet",
                "serve",
                "--data",
                str(directory / "data"),
                "--port",
                str(port),
            ],
            stdout=subprocess.DEVNULL,
        )
        peer = None
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_until_up(base + "/api/furnaces", headers)
            answers = _answers(base, candidates, headers)
            paths = [path for path, (status, _, _) in answers.items() if status == 200]
            skipped = [path for path in candidates if path not in paths]
            print(
                f"paths ({len(paths)}): {', '.join(paths)}"
                + (f"; absent: {', '.join(skipped)}" if skipped else "")
            )
            bodies = {path: (answers[path][1], answers[path][2].decode("latin-1")) for path in paths}
            (directory / "bodies.json").write_text(json.dumps(bodies))
            measured = _locust(base, paths, token, arguments.users, arguments.seconds, directory / "greenmet")
        finally:
            server.terminate()
            server.wait(timeout=30)
        peer_port = _free_port()
        peer = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--peer-bodies",
                str(directory / "bodies.json"),
                "--peer-port",
                str(peer_port),
            ]
        )
        try:
            peer_base = f"http://127.0.0.1:{peer_port}"
            _wait_until_up(peer_base + "/api/furnaces", headers)
            baseline = _locust(
                peer_base, paths, token, arguments.users, arguments.seconds, directory / "peer"
            )
        finally:
            peer.terminate()
            peer.wait(timeout=30)
    size = sum(len(answers[path][2]) for path in paths)
    print(f"{arguments.users} users, {arguments.seconds} s each, {len(paths)} paths, {size} bytes per round")
    print(f"{'':28s}{'requests':>10s}{'failures':>10s}{'median ms':>11s}{'p95 ms':>9s}{'req/s':>9s}")
    for name, figures in (("greenmet serve", measured), ("static FastAPI peer", baseline)):
        print(
            f"{name:28s}{figures['requests']:10.0f}{figures['failures']:10.0f}"
            f"{figures['median_ms']:11.0f}{figures['p95_ms']:9.0f}{figures['requests_per_s']:9.1f}"
        )
    print("p95 per path (ms), greenmet | peer:")
    for path in paths:
        print(f"  {path:44s}{measured['per_path_p95_ms'].get(path, float('nan')):9.0f} |"
              f"{baseline['per_path_p95_ms'].get(path, float('nan')):6.0f}")  # fmt: skip
    print(
        f"ratio greenmet/peer: p95 {measured['p95_ms'] / max(baseline['p95_ms'], 1e-9):.1f}x, "
        f"throughput {measured['requests_per_s'] / max(baseline['requests_per_s'], 1e-9):.2f}x"
    )


if __name__ == "__main__":
    main()
