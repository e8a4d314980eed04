"""The local engine every suite that needs one shares: one fakesnow server for the whole run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mixpeek_local.engine.server import local_server


@pytest.fixture(scope="session")
def engine() -> Iterator[dict[str, Any]]:
    with local_server() as kwargs:
        yield kwargs
