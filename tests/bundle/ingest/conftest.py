"""Fixtures of the ingestion's end-to-end tests: the plain local engine, or the strict one where a test asks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bundle.ingest.world import World, ingest_world


@pytest.fixture
def world(
    request: pytest.FixtureRequest, engine: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    """The test world; CALLs go through strict.call when the test is parametrized with "strict"."""
    with ingest_world(engine, tmp_path, monkeypatch) as built:
        built.strict = getattr(request, "param", "plain") == "strict"
        yield built
