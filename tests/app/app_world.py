"""The app's test world: the emulator and a local engine with the demo's data, the local backend in front of them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mixpeek_app.local import world as worlds
from mixpeek_app.local.backend import LocalBackend
from mixpeek_app.local.roles import AUDIENCES, hold_roles
from mixpeek_local.emulator import Emulator, Store

SRC = Path(__file__).resolve().parents[2] / "src"
PAGES = SRC / "mixpeek_app" / "app_pages"
MAIN = SRC / "mixpeek_app" / "streamlit_app.py"
API_KEY = "mxp_app_test_key"
DOCUMENTS = 60


@dataclass
class AppWorld:
    """The running world: its store (Mixpeek's truth), emulator, session, backend and what was built."""

    store: Store
    emulator: Emulator
    session: Any
    local: LocalBackend
    world: worlds.World

    def hold(self, audience: str) -> None:
        """The session holds exactly the roles of the audience (operator, searcher or reader)."""
        hold_roles(self.session, AUDIENCES[audience])

    def sql(self, text: str, params: list[Any] | None = None) -> list[Any]:
        return self.session.sql(text, params=params).collect()
