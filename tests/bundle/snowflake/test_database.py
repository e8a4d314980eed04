"""The SQL seam: bound parameters, counted statements, first rows, counts and transactions over a fake session."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from snowflake.snowpark import Row

from mixpeek_snowflake.snowflake.database import Database, InsideTransaction, for_procedure


class Result:
    def __init__(self, rows: list[Row]) -> None:
        self.rows = rows

    def collect(self) -> list[Row]:
        return self.rows


class RecordingSession:
    """Records every (query, params) and answers with rows from `answer`, or raises what it returns."""

    def __init__(self, answer: Callable[[str], list[Row] | Exception] = lambda query: []) -> None:
        self.answer = answer
        self.calls: list[tuple[str, Any]] = []

    def sql(self, query: str, params: Sequence[Any] | None = None) -> Result:
        self.calls.append((query, params))
        outcome = self.answer(query)
        if isinstance(outcome, Exception):
            raise outcome
        return Result(outcome)

    @property
    def queries(self) -> list[str]:
        return [query for query, _ in self.calls]


def test_rows_binds_params_as_a_list_and_returns_tuples() -> None:
    session = RecordingSession(lambda q: [Row(DOCUMENT_ID="doc_a", N=1), Row(DOCUMENT_ID="doc_b", N=2)])
    db = Database(session)
    rows = db.rows('SELECT DOCUMENT_ID, N FROM "T" WHERE RUN_ID = ? AND OP = ?', ("run_1", "U"))
    assert rows == [("doc_a", 1), ("doc_b", 2)]
    assert all(type(row) is tuple for row in rows)
    assert session.calls == [('SELECT DOCUMENT_ID, N FROM "T" WHERE RUN_ID = ? AND OP = ?', ["run_1", "U"])]


@pytest.mark.parametrize("params", [(), [], None])
def test_no_params_are_sent_as_none(params: Any) -> None:
    session = RecordingSession()
    db = Database(session)
    if params is None:
        db.rows("SELECT 1")
    else:
        db.rows("SELECT 1", params)
    assert session.calls == [("SELECT 1", None)]


def test_falsy_param_values_are_still_bound() -> None:
    session = RecordingSession()
    Database(session).rows("UPDATE T SET A = ?, B = ?, C = ?", [0, False, None])
    assert session.calls[0][1] == [0, False, None]


def test_every_statement_is_counted() -> None:
    session = RecordingSession(lambda q: [Row(1)])
    db = Database(session)
    db.rows("SELECT 1")
    db.first("SELECT 2")
    db.count("SELECT 3")
    with db.transaction():
        db.rows("INSERT INTO T SELECT 1")
    assert db.statements == 6
    assert db.statements == len(session.calls)


def test_first_returns_the_first_row_or_none() -> None:
    assert Database(RecordingSession(lambda q: [Row("a", 1), Row("b", 2)])).first("SELECT") == ("a", 1)
    assert Database(RecordingSession()).first("SELECT") is None


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([Row(**{"number of rows updated": 3, "number of multi-joined rows updated": 0})], 3),
        ([Row(**{"number of rows inserted": 5})], 5),
        ([Row(**{"COUNT(*)": 12}), Row(**{"COUNT(*)": 99})], 12),
        ([Row(None)], 0),
        ([], 0),
        ([Row("7")], 7),
    ],
)
def test_count_reads_the_first_column_of_the_first_row(rows: list[Row], expected: int) -> None:
    count = Database(RecordingSession(lambda q: rows)).count("UPDATE T SET A = 1")
    assert count == expected and type(count) is int


def test_transaction_commits_after_the_block() -> None:
    session = RecordingSession()
    db = Database(session)
    with db.transaction():
        db.rows("MERGE INTO T USING S ON T.ID = S.ID WHEN NOT MATCHED THEN INSERT (ID) VALUES (S.ID)")
        db.rows("UPDATE STATE SET W = ?", ["w"])
    assert [q.split(" ")[0] for q in session.queries] == ["BEGIN", "MERGE", "UPDATE", "COMMIT"]


def test_transaction_rolls_back_and_reraises() -> None:
    session = RecordingSession(lambda q: RuntimeError("SQL compilation error") if q.startswith("UPDATE") else [])
    db = Database(session)
    with pytest.raises(RuntimeError, match="SQL compilation error"), db.transaction():
        db.rows("MERGE INTO T USING S ON T.ID = S.ID WHEN NOT MATCHED THEN INSERT (ID) VALUES (S.ID)")
        db.rows("UPDATE STATE SET W = ?", ["w"])
        db.rows("DELETE FROM NEVER_RUN")
    assert [q.split(" ")[0] for q in session.queries] == ["BEGIN", "MERGE", "UPDATE", "ROLLBACK"]


def test_transaction_rolls_back_on_interrupts_too() -> None:
    session = RecordingSession()
    db = Database(session)
    with pytest.raises(KeyboardInterrupt), db.transaction():
        raise KeyboardInterrupt
    assert session.queries == ["BEGIN", "ROLLBACK"]


def test_a_failed_begin_runs_nothing_else() -> None:
    session = RecordingSession(lambda q: ConnectionError("lost") if q == "BEGIN" else [])
    db = Database(session)
    body_ran = False
    with pytest.raises(ConnectionError), db.transaction():
        body_ran = True
    assert not body_ran
    assert session.queries == ["BEGIN"]


def test_statement_errors_propagate_unchanged() -> None:
    error = ValueError("bad bind")
    db = Database(RecordingSession(lambda q: error))
    with pytest.raises(ValueError) as caught:
        db.rows("SELECT ?", ["x"])
    assert caught.value is error


def test_debug_log_shows_the_statement_head_never_the_params(caplog: pytest.LogCaptureFixture) -> None:
    db = Database(RecordingSession())
    with caplog.at_level(logging.DEBUG, logger="mixpeek_snowflake.database"):
        db.rows('INSERT INTO "DB"."S"."MIXPEEK_SYNC_STAGE" (RUN_ID, OP) SELECT ?, ?', ["run_1", "mxp_sk_secret"])
    text = caplog.text
    assert 'INSERT INTO "DB"."S"."MIXPEEK_SYNC_STAGE"' in text
    assert "mxp_sk_secret" not in text and "run_1" not in text


def test_writes_outside_a_transaction_are_committed_when_asked_and_only_then() -> None:
    session = RecordingSession()
    db = Database(session)
    db.commit()
    db.rows("SELECT 1")
    db.commit()
    assert session.queries == ["SELECT 1"]
    db.rows("INSERT INTO RUNS SELECT 1")
    db.rows("  update STATE SET A = 1")
    db.commit()
    db.commit()
    assert session.queries == ["SELECT 1", "INSERT INTO RUNS SELECT 1", "  update STATE SET A = 1", "COMMIT"]


def test_a_transaction_first_lands_the_pending_writes_so_its_begin_opens_one_of_its_own() -> None:
    session = RecordingSession()
    db = Database(session)
    db.rows("DELETE FROM STAGE")
    with db.transaction():
        db.rows("MERGE INTO T USING S ON T.ID = S.ID WHEN MATCHED THEN DELETE")
    db.commit()
    assert [q.split(" ")[0] for q in session.queries] == ["DELETE", "COMMIT", "BEGIN", "MERGE", "COMMIT"]


def test_ddl_ends_the_pending_writes_as_it_commits_them() -> None:
    session = RecordingSession()
    db = Database(session)
    db.rows("INSERT INTO T SELECT 1")
    db.rows("CREATE TABLE IF NOT EXISTS U (A INT)")
    db.commit()
    assert session.queries == ["INSERT INTO T SELECT 1", "CREATE TABLE IF NOT EXISTS U (A INT)"]


def test_a_failed_write_is_still_committed_after_as_its_implicit_transaction_may_be_open() -> None:
    session = RecordingSession(lambda q: RuntimeError("conflict") if q.startswith("UPDATE") else [])
    db = Database(session)
    with pytest.raises(RuntimeError):
        db.rows("UPDATE STATE SET A = 1")
    db.commit()
    assert session.queries == ["UPDATE STATE SET A = 1", "COMMIT"]


def test_a_call_inside_an_open_transaction_is_refused_by_its_first_statement() -> None:
    session = RecordingSession(lambda q: [Row(1700000000000000001)] if "CURRENT_TRANSACTION" in q else [])
    with pytest.raises(InsideTransaction, match="sync_mixpeek_collection was called inside an open transaction"):
        for_procedure(session, "sync_mixpeek_collection")
    assert session.queries == ["SELECT CURRENT_TRANSACTION()"]
    outside = RecordingSession(lambda q: [Row(None)])
    assert for_procedure(outside, "reset_mixpeek_sync").statements == 1
