"""The strict engine on fakesnow: each procedure rule fires, and the legal statement next to it runs."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from local_world import fresh_session

from mixpeek_local.engine import strict
from mixpeek_local.engine.rules import StrictViolation
from mixpeek_local.engine.strict import Caller


@pytest.fixture
def session(engine: dict[str, Any]) -> Iterator[Any]:
    with fresh_session(engine, "STRICT") as session:
        session.sql("CREATE TABLE T (ID VARCHAR, V INT)").collect()
        session.sql("INSERT INTO T VALUES ('a', 1), ('b', 2)").collect()
        yield session


def _values(session: Any) -> dict[str, int]:
    return {row[0]: row[1] for row in session.sql("SELECT ID, V FROM T").collect()}


def _tables(session: Any, schema: str) -> set[str]:
    rows = session.sql("SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = ?", [schema]).collect()
    return {row[0] for row in rows}


def test_unqualified_names_resolve_in_the_procedures_schema_whatever_the_caller_uses(session: Any) -> None:
    database = session.sql("SELECT CURRENT_DATABASE()").collect()[0][0]
    session.sql("CREATE SCHEMA CORE").collect()
    session.sql("CREATE SCHEMA ELSEWHERE").collect()
    session.sql(f"USE SCHEMA {database}.ELSEWHERE").collect()
    with strict.procedure(session, home=(database, "CORE")) as inside:
        assert inside.sql("SELECT CURRENT_SCHEMA()").collect()[0][0] == "CORE"
        inside.sql("CREATE TABLE MADE_HERE (X INT)").collect()
    assert session.sql("SELECT CURRENT_SCHEMA()").collect()[0][0] == "ELSEWHERE"
    assert "MADE_HERE" in _tables(session, "CORE") and "MADE_HERE" not in _tables(session, "ELSEWHERE")


def test_autocommit_off_opens_a_transaction_at_the_first_dml_and_commit_ends_it(session: Any) -> None:
    with strict.procedure(session, Caller(autocommit=False)) as inside:
        inside.sql("UPDATE T SET V = 10 WHERE ID = 'a'").collect()
        assert inside.own_transaction
        inside.sql("COMMIT").collect()
        assert not inside.own_transaction
    assert _values(session) == {"a": 10, "b": 2}


def test_autocommit_off_rolls_back_dml_left_uncommitted_and_fails_the_call(session: Any) -> None:
    with pytest.raises(StrictViolation) as caught, strict.procedure(session, Caller(autocommit=False)) as inside:
        inside.sql("UPDATE T SET V = 10 WHERE ID = 'a'").collect()
        inside.sql("BEGIN").collect()
        inside.sql("COMMIT").collect()
        inside.sql("UPDATE T SET V = 20 WHERE ID = 'b'").collect()
    assert caught.value.rule == "no-open-transaction-at-end"
    assert _values(session) == {"a": 10, "b": 2}


def test_a_nested_begin_is_ignored_and_commit_without_a_transaction_is_a_no_op(session: Any) -> None:
    with strict.procedure(session) as inside:
        inside.sql("COMMIT").collect()
        inside.sql("BEGIN").collect()
        inside.sql("UPDATE T SET V = 5 WHERE ID = 'a'").collect()
        inside.sql("BEGIN").collect()
        inside.sql("ROLLBACK").collect()
    assert _values(session) == {"a": 1, "b": 2}


def test_ddl_commits_the_procedures_open_transaction(session: Any) -> None:
    with strict.procedure(session) as inside:
        inside.sql("BEGIN").collect()
        inside.sql("UPDATE T SET V = 7 WHERE ID = 'a'").collect()
        inside.sql("CREATE TABLE IF NOT EXISTS U (X INT)").collect()
        inside.sql("ROLLBACK").collect()
    assert _values(session) == {"a": 7, "b": 2}


def test_in_a_callers_transaction_ddl_and_commit_are_refused_and_dml_joins_it(session: Any) -> None:
    with strict.procedure(session, Caller(in_transaction=True)) as inside:
        inside.sql("UPDATE T SET V = 3 WHERE ID = 'a'").collect()
        for statement in ("CREATE TABLE IF NOT EXISTS U (X INT)", "COMMIT"):
            with pytest.raises(StrictViolation, match="started at a different scope is not allowed"):
                inside.sql(statement).collect()
        with pytest.raises(StrictViolation, match="CALL the procedure outside a transaction"):
            inside.sql("BEGIN").collect()
    assert _values(session) == {"a": 3, "b": 2}


def test_a_failed_call_in_a_callers_transaction_leaves_nothing(session: Any) -> None:
    with pytest.raises(RuntimeError), strict.procedure(session, Caller(in_transaction=True)) as inside:
        inside.sql("UPDATE T SET V = 3 WHERE ID = 'a'").collect()
        raise RuntimeError("the handler failed")
    assert _values(session) == {"a": 1, "b": 2}


def test_rows_per_resultset_caps_every_result(session: Any) -> None:
    with strict.procedure(session, Caller(rows_per_resultset=1)) as inside:
        assert len(inside.sql("SELECT * FROM T").collect()) == 1
        assert len(list(inside.sql("SELECT * FROM T").to_local_iterator())) == 1
    with strict.procedure(session) as inside:
        assert len(inside.sql("SELECT * FROM T").collect()) == 2


def test_a_caller_timestamp_format_fails_a_bare_conversion_and_passes_an_explicit_one(session: Any) -> None:
    caller = Caller(timestamp_input_format="DD/MM/YYYY HH24:MI:SS")
    with strict.procedure(session, caller) as inside:
        with pytest.raises(StrictViolation, match="TIMESTAMP_INPUT_FORMAT"):
            inside.sql("SELECT TO_TIMESTAMP_NTZ(?)", ["2024-01-02 03:04:05.000000"])
        row = inside.sql("SELECT TRY_TO_TIMESTAMP_NTZ('2024-01-02T03:04:05', 'YYYY-MM-DD\"T\"HH24:MI:SS')")
        assert row.collect()[0][0].isoformat() == "2024-01-02T03:04:05"


MERGE = "MERGE INTO T t USING ({source}) s ON t.ID = s.ID WHEN MATCHED THEN UPDATE SET V = s.V"


def test_a_merge_matching_a_target_row_twice_is_refused_with_100090(session: Any) -> None:
    twice = MERGE.format(source="SELECT ? AS ID, 5 AS V UNION ALL SELECT ?, 6")
    with strict.procedure(session) as inside:
        with pytest.raises(StrictViolation) as caught:
            inside.sql(twice, ["a", "a"]).collect()
        assert caught.value.sql_error_code == 100090
        inside.sql(twice, ["a", "b"]).collect()
        inserting = "MERGE INTO T t USING (SELECT 'c' AS ID UNION ALL SELECT 'c') s ON t.ID = s.ID "
        inside.sql(inserting + "WHEN NOT MATCHED THEN INSERT (ID, V) VALUES (s.ID, 0)").collect()
    assert _values(session) == {"a": 5, "b": 6, "c": 0}


def test_the_duplicate_probe_binds_only_the_source_and_condition_parameters():
    probe = strict.duplicate_probe(
        "MERGE INTO T t USING (SELECT ? AS ID) s ON t.ID = s.ID AND t.V > ? WHEN MATCHED THEN UPDATE SET V = ?",
        ["a", 0, 99],
    )
    assert probe is not None
    assert probe[1] == ["a", 0]
    assert probe[0].startswith("SELECT COUNT(*) FROM (SELECT t.rowid FROM T AS t JOIN (SELECT ? AS ID) AS s ON ")
    assert (
        strict.duplicate_probe(
            "MERGE INTO T t USING S s ON t.ID = s.ID WHEN NOT MATCHED THEN INSERT (ID) VALUES (s.ID)", None
        )
        is None
    )


def test_queries_from_another_thread_are_refused(session: Any) -> None:
    errors: list[BaseException] = []
    with strict.procedure(session) as inside:

        def query() -> None:
            try:
                inside.sql("SELECT 1").collect()
            except StrictViolation as exc:
                errors.append(exc)

        worker = threading.Thread(target=query)
        worker.start()
        worker.join()
        assert inside.sql("SELECT 1").collect()[0][0] == 1
    assert [e.rule for e in errors] == ["main-thread"]  # type: ignore[attr-defined]


def test_text_rules_apply_through_the_session(session: Any) -> None:
    with strict.procedure(session) as inside:
        for text, rule in (
            ("SELECT 1 LIMIT ?", "no-limit-bind"),
            ("SELECT 1; SELECT 2", "single-statement"),
            ("CREATE TEMPORARY TABLE X (A INT)", "no-named-temporary"),
        ):
            with pytest.raises(StrictViolation) as caught:
                inside.sql(text, [1] if "?" in text else None)
            assert caught.value.rule == rule
        assert inside.sql("SELECT 1 LIMIT 1").collect()[0][0] == 1


def test_the_switch_reads_the_environment(session: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []

    def handler(current: Any, value: int) -> int:
        seen.append(current)
        return value

    wrapped = strict.handler(handler)
    raw = getattr(session, "session", session)
    monkeypatch.setenv(strict.SWITCH, "0")
    assert wrapped(raw, 1) == 1 and seen[-1] is raw
    assert strict.from_environment(raw) is raw
    monkeypatch.delenv(strict.SWITCH, raising=False)
    assert isinstance(strict.from_environment(raw), strict.StrictSession)
    assert wrapped(raw, 3) == 3 and isinstance(seen[-1], strict.StrictSession) and seen[-1].in_call
    monkeypatch.setenv(strict.SWITCH, "1")
    monkeypatch.setenv("MIXPEEK_STRICT_AUTOCOMMIT", "0")
    monkeypatch.setenv("MIXPEEK_STRICT_ROWS_PER_RESULTSET", "5")
    assert wrapped(session, 2) == 2
    assert isinstance(seen[-1], strict.StrictSession)
    assert seen[-1].caller == Caller(autocommit=False, rows_per_resultset=5)
    assert isinstance(strict.from_environment(session), strict.StrictSession)


class _FailingCommit:
    """The session, except that COMMIT fails once before reaching it."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.failed = False

    def sql(self, query: str, params: Any = None) -> Any:
        if query == "COMMIT" and not self.failed:
            self.failed = True
            raise RuntimeError("COMMIT failed")
        return self.session.sql(query, params=params)


def test_a_failed_commit_leaves_the_transaction_for_the_rollback(session: Any) -> None:
    with strict.procedure(_FailingCommit(session)) as inside:
        inside.sql("BEGIN").collect()
        inside.sql("UPDATE T SET V = 9 WHERE ID = 'a'").collect()
        with pytest.raises(RuntimeError, match="COMMIT failed"):
            inside.sql("COMMIT").collect()
        assert inside.own_transaction
        inside.sql("ROLLBACK").collect()
    assert _values(session) == {"a": 1, "b": 2}


class _Recording:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def sql(self, query: str, params: Any = None) -> Any:
        self.sent.append(query)
        raise AssertionError("no statement expected")


def test_a_call_that_sends_nothing_reaches_no_session() -> None:
    recording = _Recording()
    with pytest.raises(ValueError), strict.procedure(recording, Caller(in_transaction=True)):
        raise ValueError("refused its arguments")
    assert recording.sent == []


def test_the_caller_comes_from_the_environment() -> None:
    assert strict.caller_from_environment({}) == Caller()
    environ = {
        "MIXPEEK_STRICT_AUTOCOMMIT": "0",
        "MIXPEEK_STRICT_TIMESTAMP_INPUT_FORMAT": "DD/MM/YYYY",
        "MIXPEEK_STRICT_ROWS_PER_RESULTSET": "7",
        "MIXPEEK_STRICT_CALLER_TRANSACTION": "1",
    }
    assert strict.caller_from_environment(environ) == Caller(False, "DD/MM/YYYY", 7, True)
    assert strict.enabled({}) and not strict.enabled({strict.SWITCH: "0"}) and strict.enabled({strict.SWITCH: "1"})


def test_current_transaction_names_the_open_transaction_and_is_null_otherwise(session: Any) -> None:
    ask = "SELECT CURRENT_TRANSACTION()"
    with strict.procedure(session, Caller(autocommit=False)) as inside:
        assert inside.sql(ask).collect()[0][0] is None
        inside.sql("UPDATE T SET V = 3 WHERE ID = 'a'").collect()
        assert inside.sql(ask).collect()[0][0] is not None
        inside.sql("COMMIT").collect()
        assert inside.sql(ask).collect()[0][0] is None
    with strict.procedure(session, Caller(in_transaction=True)) as inside:
        assert inside.sql(ask).collect()[0][0] is not None
    assert getattr(session, "session", session).sql(ask).collect()[0][0] is None
