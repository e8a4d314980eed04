"""End to end in a real headless Chromium: the app as `mixpeek-snowflake app` serves it, every page, no exception."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from app.app_world import MAIN, AppWorld
from app.browser import chromium, find_chromium

from mixpeek_app import backend, queries
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


def problems(state: dict[str, Any], title: str) -> list[str]:
    """What is wrong with a settled page: a Streamlit exception, a dialog, another title, another navigation."""
    found = [f"exception: {text}" for text in state["exceptions"]] + [f"dialog: {text}" for text in state["dialogs"]]
    if state["title"] != title:
        found.append(f"title {state['title']!r}, not {title!r}")
    if state["navigation"] != list(PAGES.values()):
        found.append(f"navigation {state['navigation']}")
    return found


def test_every_page_loads_in_chromium_without_an_exception(executable: str, served: str, tmp_path: Path) -> None:
    shots = []
    with chromium(executable, tmp_path / "profile") as tab:
        for number, (path, title) in enumerate(PAGES.items()):
            # The first page is the default one, served at the root (st.navigation ignores its url_path).
            state = tab.open(f"{served}/", title) if number == 0 else tab.follow(path, title)
            shots.append(tab.screenshot(tmp_path / f"{path}.png"))
            assert problems(state, title) == [], path
    assert all(shot.stat().st_size > 10_000 for shot in shots), [(s.name, s.stat().st_size) for s in shots]


@dataclass
class Failing:
    """The tests' backend, except that every query raises: a page that shows Streamlit's exception box."""

    inner: Any
    session: Any = None
    defaults: dict[str, str] = field(default_factory=dict)

    def query(self, statement: queries.Statement) -> list[dict[str, Any]]:
        raise RuntimeError(f"{MESSAGE} ({statement.text.split()[0]})")

    def call(self, procedure: str, args: Any) -> Any:
        return self.inner.call(procedure, args)

    def search(self, retriever: str, query: str, limit: int) -> list[dict[str, Any]]:
        return self.inner.search(retriever, query, limit)


MESSAGE = "the session lost its warehouse"


def test_a_page_showing_a_streamlit_exception_fails_the_check(
    executable: str, served: str, app_world: AppWorld, tmp_path: Path
) -> None:
    backend.install(lambda: Failing(app_world.local))
    try:
        with chromium(executable, tmp_path / "profile") as tab:
            state = tab.open(f"{served}/", "Targets")
            tab.screenshot(tmp_path / "exception.png")
    finally:
        backend.install(lambda: app_world.local)
    found = problems(state, "Targets")
    assert [line for line in found if line.startswith("exception: ") and MESSAGE in line], found
