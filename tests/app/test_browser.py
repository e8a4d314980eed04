"""End to end in a real headless Chromium: the app as `mixpeek-snowflake app` serves it, every page, no exception."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from app.app_world import MAIN, AppWorld
from app.browser import chromium, find_chromium

from mixpeek_app.local.launcher import streamlit_options

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
def served(executable: str, app_world: AppWorld) -> Iterator[str]:
    """The app served as `mixpeek-snowflake app` serves it (its options, operator roles), over the tests' world."""
    from streamlit import config
    from streamlit.runtime import Runtime
    from streamlit.web.server import Server

    app_world.hold("operator")
    port = free_port()
    for name, value in streamlit_options(port).items():
        config.set_option(name, value)
    server = Server(str(MAIN), False)
    loop = asyncio.new_event_loop()
    started = threading.Event()

    async def serve() -> None:
        await server.start()
        started.set()
        await server.stopped

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), name="app server", daemon=True)
    thread.start()
    try:
        assert started.wait(60), "the app server did not start within 60 s"
        base = f"http://127.0.0.1:{port}"
        assert requests.get(f"{base}/_stcore/health", timeout=10).status_code == 200
        yield base
    finally:
        loop.call_soon_threadsafe(server.stop)
        thread.join(30)
        Runtime._instance = None


def test_every_page_loads_in_chromium_without_an_exception(executable: str, served: str, tmp_path: Path) -> None:
    shots = []
    with chromium(executable, tmp_path / "profile") as tab:
        for number, (path, title) in enumerate(PAGES.items()):
            # The first page is the default one, served at the root (st.navigation ignores its url_path).
            state = tab.open(f"{served}/", title) if number == 0 else tab.follow(path, title)
            shots.append(tab.screenshot(tmp_path / f"{path}.png"))
            assert state["exceptions"] == [], (path, state["exceptions"])
            assert state["dialogs"] == [], (path, state["dialogs"])
            assert state["title"] == title
            assert state["navigation"] == list(PAGES.values())
    assert all(shot.stat().st_size > 10_000 for shot in shots), [(s.name, s.stat().st_size) for s in shots]
