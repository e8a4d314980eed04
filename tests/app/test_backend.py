"""The Snowflake side of the seam: CALL and TABLE(mixpeek_search(…)) sent as bound statements, VARIANTs decoded."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mixpeek_app import backend


class Row(dict):
    def as_dict(self) -> dict[str, Any]:
        return dict(self)


class Recording:
    """A session that records every statement and answers from a script, as Snowpark's Session.sql(...).collect()."""

    def __init__(self, answers: list[list[dict[str, Any]]]) -> None:
        self.answers = answers
        self.sent: list[tuple[str, list[Any] | None]] = []

    def sql(self, text: str, params: list[Any] | None = None) -> Recording:
        self.sent.append((text, params))
        return self

    def collect(self) -> list[Row]:
        return [Row(row) for row in self.answers.pop(0)]


CONTEXT = [{"DATABASE_NAME": "MIXPEEK", "SCHEMA_NAME": "CORE"}]


def test_a_call_is_bound_in_the_apps_schema_and_its_variant_summary_decoded() -> None:
    summary = {"status": "SUCCEEDED", "run_id": "run_1"}
    session = Recording([CONTEXT, [{"SYNC_MIXPEEK_COLLECTION": json.dumps(summary)}]])
    result = backend.SnowflakeBackend(session).call(
        "sync_mixpeek_collection", ["col_1", "MIXPEEK_DOCUMENTS", "full", None]
    )
    assert result == summary
    assert session.sent[1] == (
        'CALL "MIXPEEK"."CORE"."SYNC_MIXPEEK_COLLECTION"(?, ?, ?, PARSE_JSON(?))',
        ["col_1", "MIXPEEK_DOCUMENTS", "full", "null"],
    )


def test_search_rows_come_back_with_metadata_and_document_as_objects() -> None:
    row = {
        "RANK": 1,
        "DOCUMENT_ID": "doc_1",
        "SCORE": 0.5,
        "COLLECTION_ID": "col_1",
        "METADATA": json.dumps({"sku": "A"}),
        "DOCUMENT": json.dumps({"document_blobs": []}),
    }
    session = Recording([CONTEXT, [row]])
    (found,) = backend.SnowflakeBackend(session).search("ret_1", "red", 3)
    assert found["METADATA"] == {"sku": "A"} and found["DOCUMENT"] == {"document_blobs": []}
    assert session.sent[1][1] == ["ret_1", json.dumps({"query": "red"}), json.dumps({"limit": 3})]


@pytest.mark.parametrize("operate, search", [(True, False), (False, True), (False, False)])
def test_access_is_what_is_role_in_session_answers(operate: bool, search: bool) -> None:
    session = Recording([[{"R0": operate, "R1": search}]])
    assert backend.access(backend.SnowflakeBackend(session)) == backend.Access(operate=operate, search=search)
    assert session.sent == [
        (
            "SELECT IS_ROLE_IN_SESSION(?) AS R0, IS_ROLE_IN_SESSION(?) AS R1",
            ["MIXPEEK_OPERATOR", "MIXPEEK_SENSITIVE_READER"],
        )
    ]


def test_without_a_local_backend_the_app_asks_snowflake_for_its_session(monkeypatch: pytest.MonkeyPatch) -> None:
    from snowflake.snowpark import context

    marker = object()
    monkeypatch.setattr(context, "get_active_session", lambda: marker)
    monkeypatch.setattr(backend, "_provider", [])
    current = backend.current()
    assert isinstance(current, backend.SnowflakeBackend) and current.session is marker


def test_the_local_apps_shared_backend_runs_one_statement_at_a_time() -> None:
    import threading
    import time

    inside: list[int] = []
    overlaps: list[int] = []

    class Slow:
        def __init__(self) -> None:
            self.session = "session"
            self.defaults = {"query": "red"}

        def query(self, statement: Any) -> list[dict[str, Any]]:
            inside.append(1)
            overlaps.append(len(inside))
            time.sleep(0.02)
            inside.pop()
            return [{"N": 1}]

    shared = backend.LockedBackend(Slow())  # type: ignore[arg-type]
    threads = [threading.Thread(target=shared.query, args=(None,)) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps == [1] * 6
    assert (shared.session, shared.defaults) == ("session", {"query": "red"})
