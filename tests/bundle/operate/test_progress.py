"""A running sync updates its run row as it stages: another session (Snowsight) sees the documents and pages so far
while the listing is still going, and the row ends with the run's totals."""

from __future__ import annotations

from typing import Any

import pytest
from bundle.operate.conftest import FIRST

from mixpeek_local.emulator import Emulator
from mixpeek_local.engine.server import close_session, open_session
from mixpeek_snowflake import procedures
from mixpeek_snowflake.sync.run_log import RunLog


def _watch(monkeypatch: pytest.MonkeyPatch, other: Any, database: str) -> list[tuple[Any, ...]]:
    """After each staged page: the RUNNING row as a second session (another connection) reads it."""
    seen: list[tuple[Any, ...]] = []
    original = RunLog.progress
    runs = f'"{database}"."CORE"."MIXPEEK_SYNC_RUNS"'

    def progress(self: RunLog) -> None:
        original(self)
        rows = other.sql(f"SELECT DOCUMENTS_SEEN, PAGES FROM {runs} WHERE STATUS = 'RUNNING'").collect()
        seen.extend(tuple(row) for row in rows)

    monkeypatch.setattr(RunLog, "progress", progress)
    return seen


def test_the_run_row_shows_documents_and_pages_while_the_sync_stages(
    session: Any, emulator: Emulator, engine: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(RunLog, "progress_every", 0.0)
    database = session.sql("SELECT CURRENT_DATABASE()").collect()[0][0]
    other = open_session(engine, database, "CORE")
    try:
        seen = _watch(monkeypatch, other, database)
        summary = procedures.sync_mixpeek_collection(
            session, FIRST, "DOCS_A", "full", {"page_size": 10, "partitions": 1}
        )
    finally:
        close_session(other)

    assert (summary["documents_seen"], summary["pages"]) == (30, 3)
    assert seen == [(10, 1), (20, 2), (30, 3)]
    final = session.sql("SELECT DOCUMENTS_SEEN, PAGES, STATUS FROM MIXPEEK_SYNC_RUNS").collect()
    assert [tuple(row) for row in final] == [(30, 3, "SUCCEEDED")]
