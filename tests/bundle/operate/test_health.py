"""MIXPEEK_TARGET_HEALTH on the local engine: rows written by hand into the tables it reads (after success, after
failures, stale, paused, never run), and the expected health row of each target built by hand."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from mixpeek_snowflake.operate.statements import health_tables, health_views, quoted_schema
from mixpeek_snowflake.snowflake.timestamps import BOUND_TIMESTAMP, format_timestamp, utc_now

HEALTH_COLUMNS = (
    "COLLECTION_ID, TARGET_TABLE, ENABLED, PAUSED_REASON, SCHEDULE, LAST_RUN_ID, LAST_STATUS, LAST_RUN_STARTED_AT, "
    "LAST_SUCCESS_AT, LAG_SECONDS, CONSECUTIVE_FAILURES, DOCUMENTS, REJECTS, LAST_ERROR, IS_STALE"
)
LAG_TOLERANCE = 30


def _insert(session: Any, table: str, row: dict[str, Any]) -> None:
    values = [BOUND_TIMESTAMP if isinstance(v, datetime) else "?" for v in row.values()]
    params = [format_timestamp(v) if isinstance(v, datetime) else v for v in row.values()]
    session.sql(f"INSERT INTO {table} ({', '.join(row)}) SELECT {', '.join(values)}", params=params).collect()


def _target(session: Any, name: str, schedule: str, created: datetime, **extra: Any) -> str:
    table = f"MIXPEEK.CORE.{name}"
    row = {"COLLECTION_ID": f"col_{name.lower()}", "TARGET_TABLE": table, "SCHEDULE": schedule, "ENABLED": True}
    _insert(session, "MIXPEEK_SYNC_TARGETS", row | {"CREATED_AT": created, "UPDATED_AT": created} | extra)
    return table


def _run(session: Any, name: str, run_id: str, status: str, started: datetime, **extra: Any) -> None:
    row = {"RUN_ID": run_id, "COLLECTION_ID": f"col_{name.lower()}", "TARGET_TABLE": f"MIXPEEK.CORE.{name}"}
    row |= {"MODE": "incremental", "STATUS": status, "DRY_RUN": False, "STARTED_AT": started}
    _insert(session, "MIXPEEK_SYNC_RUNS", row | {"FINISHED_AT": started + timedelta(seconds=60)} | extra)


@pytest.fixture
def health(session: Any) -> Any:
    database = session.sql("SELECT CURRENT_DATABASE()").collect()[0][0]
    for ddl in health_tables(database, "CORE") + health_views(quoted_schema(database, "CORE")):
        session.sql(ddl).collect()

    def rows() -> dict[str, dict[str, Any]]:
        found = session.sql(f"SELECT {HEALTH_COLUMNS} FROM MIXPEEK_TARGET_HEALTH").collect()
        return {row["TARGET_TABLE"].rsplit(".", 1)[1]: row.as_dict() for row in found}

    return rows


def _lag(row: dict[str, Any], expected: float) -> None:
    assert abs(row.pop("LAG_SECONDS") - expected) <= LAG_TOLERANCE, row


def test_health_after_success_after_failures_stale_paused_and_never_run(session: Any, health: Any) -> None:
    now = utc_now()
    ago = lambda **kw: now - timedelta(**kw)  # noqa: E731
    a = _target(session, "DOCS_OK", "hourly_incremental", ago(days=2))
    _run(session, "DOCS_OK", "run_a1", "FAILED", ago(hours=3), ERROR="boom-1")
    _run(session, "DOCS_OK", "run_a2", "SUCCEEDED", ago(minutes=10))
    _insert(session, "MIXPEEK_SYNC_STATE", {"COLLECTION_ID": "col_docs_ok", "TARGET_TABLE": a, "TARGET_ROWS": 120})
    for document in ("doc_1", "doc_2"):
        _insert(
            session,
            "MIXPEEK_SYNC_REJECTS",
            {"RUN_ID": "run_a2", "COLLECTION_ID": "col_docs_ok", "TARGET_TABLE": a, "DOCUMENT_ID": document},
        )
    b = _target(session, "DOCS_FAILING", "daily_full", ago(days=2))
    _run(session, "DOCS_FAILING", "run_b1", "SUCCEEDED", ago(hours=5))
    _run(session, "DOCS_FAILING", "run_b2", "FAILED", ago(hours=2), ERROR="e-2")
    _run(session, "DOCS_FAILING", "run_b3", "ABANDONED", ago(hours=1), ERROR="its process ended")
    _run(session, "DOCS_FAILING", "run_b4", "SKIPPED", ago(minutes=45))
    _run(session, "DOCS_FAILING", "run_b5", "FAILED", ago(minutes=30), ERROR="e-5")
    _run(session, "DOCS_FAILING", "run_b6", "FAILED", ago(minutes=10), ERROR="dry", DRY_RUN=True)
    _run(session, "DOCS_FAILING", "run_b7", "FAILED", ago(minutes=5), ERROR="labels", MODE="labels")
    c = _target(session, "DOCS_STALE", "hourly_incremental", ago(days=1), STALE_AFTER_SECONDS=600)
    _run(session, "DOCS_STALE", "run_c1", "SUCCEEDED", ago(minutes=21))
    d = _target(session, "DOCS_PAUSED", "hourly_incremental", ago(days=3), ENABLED=False, PAUSED_REASON="moving")
    _run(session, "DOCS_PAUSED", "run_d1", "SUCCEEDED", ago(days=1, minutes=1))
    e = _target(session, "DOCS_NEW", "daily_full", ago(days=3))
    _run(session, "OTHER", "run_x1", "FAILED", ago(minutes=1), ERROR="not a configured target")

    found = health()

    _lag(found["DOCS_OK"], 9 * 60)
    _lag(found["DOCS_FAILING"], 5 * 3600 - 60)
    _lag(found["DOCS_STALE"], 20 * 60)
    _lag(found["DOCS_PAUSED"], 86400)
    _lag(found["DOCS_NEW"], 3 * 86400)
    base = {"ENABLED": True, "PAUSED_REASON": None}
    assert found == {
        "DOCS_OK": base
        | {
            "COLLECTION_ID": "col_docs_ok",
            "TARGET_TABLE": a,
            "SCHEDULE": "hourly_incremental",
            "LAST_RUN_ID": "run_a2",
            "LAST_STATUS": "SUCCEEDED",
            "LAST_RUN_STARTED_AT": ago(minutes=10),
            "LAST_SUCCESS_AT": ago(minutes=9),
            "CONSECUTIVE_FAILURES": 0,
            "DOCUMENTS": 120,
            "REJECTS": 2,
            "LAST_ERROR": "boom-1",
            "IS_STALE": False,
        },
        "DOCS_FAILING": base
        | {
            "COLLECTION_ID": "col_docs_failing",
            "TARGET_TABLE": b,
            "SCHEDULE": "daily_full",
            "LAST_RUN_ID": "run_b5",
            "LAST_STATUS": "FAILED",
            "LAST_RUN_STARTED_AT": ago(minutes=30),
            "LAST_SUCCESS_AT": ago(hours=5) + timedelta(seconds=60),
            "CONSECUTIVE_FAILURES": 3,
            "DOCUMENTS": None,
            "REJECTS": 0,
            "LAST_ERROR": "e-5",
            "IS_STALE": False,
        },
        "DOCS_STALE": base
        | {
            "COLLECTION_ID": "col_docs_stale",
            "TARGET_TABLE": c,
            "SCHEDULE": "hourly_incremental",
            "LAST_RUN_ID": "run_c1",
            "LAST_STATUS": "SUCCEEDED",
            "LAST_RUN_STARTED_AT": ago(minutes=21),
            "LAST_SUCCESS_AT": ago(minutes=20),
            "CONSECUTIVE_FAILURES": 0,
            "DOCUMENTS": None,
            "REJECTS": 0,
            "LAST_ERROR": None,
            "IS_STALE": True,
        },
        "DOCS_PAUSED": {
            "COLLECTION_ID": "col_docs_paused",
            "TARGET_TABLE": d,
            "ENABLED": False,
            "PAUSED_REASON": "moving",
            "SCHEDULE": "hourly_incremental",
            "LAST_RUN_ID": "run_d1",
            "LAST_STATUS": "SUCCEEDED",
            "LAST_RUN_STARTED_AT": ago(days=1, minutes=1),
            "LAST_SUCCESS_AT": ago(days=1),
            "CONSECUTIVE_FAILURES": 0,
            "DOCUMENTS": None,
            "REJECTS": 0,
            "LAST_ERROR": None,
            "IS_STALE": False,
        },
        "DOCS_NEW": base
        | {
            "COLLECTION_ID": "col_docs_new",
            "TARGET_TABLE": e,
            "SCHEDULE": "daily_full",
            "LAST_RUN_ID": None,
            "LAST_STATUS": None,
            "LAST_RUN_STARTED_AT": None,
            "LAST_SUCCESS_AT": None,
            "CONSECUTIVE_FAILURES": 0,
            "DOCUMENTS": None,
            "REJECTS": 0,
            "LAST_ERROR": None,
            "IS_STALE": True,
        },
    }


def test_a_success_after_failures_resets_the_count_and_clears_staleness(session: Any, health: Any) -> None:
    now = utc_now()
    _target(session, "DOCS_BACK", "hourly_incremental", now - timedelta(days=1))
    for minutes, status in ((200, "FAILED"), (150, "FAILED")):
        _run(session, "DOCS_BACK", f"run_{minutes}", status, now - timedelta(minutes=minutes), ERROR="down")
    before = health()["DOCS_BACK"]
    _run(session, "DOCS_BACK", "run_back", "SUCCEEDED", now - timedelta(minutes=3))
    after = health()["DOCS_BACK"]

    assert (before["CONSECUTIVE_FAILURES"], before["IS_STALE"], before["LAST_STATUS"]) == (2, True, "FAILED")
    assert (after["CONSECUTIVE_FAILURES"], after["IS_STALE"], after["LAST_STATUS"]) == (0, False, "SUCCEEDED")
    assert after["LAST_ERROR"] == "down"
