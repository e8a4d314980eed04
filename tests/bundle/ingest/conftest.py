"""Fixtures of the ingestion's end-to-end tests: each runs on the plain local engine and under the strict engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bundle.ingest.world import World, ingest_world


@pytest.fixture(params=["plain", "strict"])
def world(request: pytest.FixtureRequest, engine: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    with ingest_world(engine, tmp_path, monkeypatch) as built:
        built.strict = request.param == "strict"
        yield built


@pytest.fixture
def plain_world(engine: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    with ingest_world(engine, tmp_path, monkeypatch) as built:
        yield built
