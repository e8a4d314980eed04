"""Fixtures: one local Snowflake engine per module and a fresh database per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from mixpeek_local.engine.server import close_session, local_server, open_session

# fakesnow answers an unexpected DuckDB error with HTTP 500, which the connector retries until network_timeout;
# fixing the budget here keeps a failing statement a quick failure whatever engine.local_server sets.
PATIENCE_SECONDS = 5


def fast_retries() -> Iterator[float]:
    """A connector backoff policy: retry every tenth of a second."""
    while True:
        yield 0.1


@pytest.fixture(scope="module")
def engine() -> Iterator[dict[str, Any]]:
    """Connection kwargs of a fakesnow server shared by the module's tests."""
    with local_server() as kwargs:
        yield kwargs


@pytest.fixture
def database_name() -> str:
    """A database name no other test uses."""
    return f"T{uuid.uuid4().hex[:12].upper()}"


@pytest.fixture
def patience() -> float:
    """Seconds a failing statement is retried; a test expecting a failure overrides it with parametrize."""
    return PATIENCE_SECONDS


@pytest.fixture
def session(engine: dict[str, Any], database_name: str, patience: float) -> Iterator[Any]:
    """A Snowpark Session on a fresh database (schema PUBLIC) of the shared engine."""
    kwargs = {**engine, "network_timeout": patience, "backoff_policy": fast_retries}
    session = open_session(kwargs, database=database_name)
    try:
        yield session
    finally:
        close_session(session)
