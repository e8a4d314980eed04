"""End to end in a real headless Chromium: `mixpeek-snowflake app` serves every page, none shows an exception."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from app.app_world import SRC
from app.browser import chromium, find_chromium

PAGES = {"targets": "Targets", "labels": "Labels", "search": "Search", "enrich": "Enrich"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def executable() -> str:
    found = find_chromium()
    if found is None:
        pytest.skip("no Chromium found: `make app-browser` installs Debian's chromium, or set CHROMIUM to a browser")
    return found


@pytest.fixture(scope="module")
def served(executable: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app as `mixpeek-snowflake app` runs it (operator roles, 60 documents), in a process of its own."""
    port = free_port()
    log = tmp_path_factory.mktemp("app-server") / "server.log"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-m", "mixpeek_app.local", "--port", str(port), "--documents", "60"]
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                pytest.fail(f"the app exited with {process.returncode}:\n{log.read_text()}")
            try:
                if requests.get(f"{base}/_stcore/health", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the app did not answer within 90 s:\n{log.read_text()}")
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_every_page_loads_in_chromium_without_an_exception(executable: str, served: str, tmp_path: Path) -> None:
    shots = []
    with chromium(executable, tmp_path / "profile") as tab:
        for path, title in PAGES.items():
            state = tab.open(f"{served}/{path}", title)
            shots.append(tab.screenshot(tmp_path / f"{path}.png"))
            assert state["exceptions"] == [], (path, state["exceptions"])
            assert state["title"] == title
            assert state["navigation"] == list(PAGES.values())
    assert all(shot.stat().st_size > 10_000 for shot in shots), [(s.name, s.stat().st_size) for s in shots]
