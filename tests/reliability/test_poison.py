"""Documents Snowflake cannot hold go to rejects and never fail the run; pages and taxonomies per run are bounded."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mixpeek_local import verify
from mixpeek_snowflake.errors import MixpeekSnowflakeError
from mixpeek_snowflake.sync import engine

ONE_PAGE = {"partitions": 1, "page_size": 50}


def serve_every_page(world, change) -> list[int]:
    """Answer every listing page with change(page) (a dict, or bytes sent as they are); a case's collection is
    one page long, so each listing request of a run is the same page."""
    answered: list[int] = []

    def hook(number: int, page: dict[str, Any]) -> Any:
        answered.append(number)
        return change(page)

    world.slot.hook = hook
    return answered


def rejects(world) -> dict[str | None, list[str]]:
    table = verify.tables_of(world.target).rejects.sql
    found: dict[str | None, list[str]] = {}
    for row in verify.rows(world.session, f"SELECT DOCUMENT_ID, REASON FROM {table} WHERE COLLECTION_ID = ?",
                           [world.collection]):  # fmt: skip
        found.setdefault(row["DOCUMENT_ID"], []).append(row["REASON"])
    return found


def with_document(page: dict[str, Any], raw_document: str) -> bytes:
    text = json.dumps(page, separators=(",", ":"))
    return text.replace('"results":[', '"results":[' + raw_document + ",", 1).encode()


def test_a_size_beyond_number_38_keeps_the_document_with_a_null_column_and_a_reason(case):
    doc = case.truth()[0]
    case.store.update_document(case.collection, doc["document_id"], {"_internal": {"size_bytes": 10**40}})
    summary = case.sync("full", **ONE_PAGE)
    assert summary["status"] == "SUCCEEDED" and summary["kept_with_notes"] == 1 and summary["rejected"] == 0
    table = verify.tables_of(case.target).target.sql
    sql = f"SELECT SIZE_BYTES FROM {table} WHERE DOCUMENT_ID = ?"
    assert verify.rows(case.session, sql, [doc["document_id"]]) == [{"SIZE_BYTES": None}]
    [reason] = rejects(case)[doc["document_id"]]
    assert "SIZE_BYTES NULL" in reason and "41 digits" in reason
    case.assert_matches_truth()


def test_an_integer_longer_than_the_parser_takes_rejects_only_its_document_without_retries(case, waits):
    poison = '{"document_id":"doc_huge_int","metadata":{"n":' + "7" * 5000 + "}}"
    answered = serve_every_page(case, lambda page: with_document(page, poison))
    summary = case.sync("full", **ONE_PAGE)
    assert len(answered) == 1
    assert summary["status"] == "SUCCEEDED" and summary["rejected"] == 1 and summary["retries"] == 0
    assert waits == []
    assert "more than 308 digits" in rejects(case)["doc_huge_int"][0]
    case.assert_matches_truth()


def test_a_document_that_is_not_json_is_asked_for_again_once_then_rejected_alone(case, waits):
    answered = serve_every_page(case, lambda page: with_document(page, '{"document_id":"doc_bad","x":tru}'))
    summary = case.sync("full", **ONE_PAGE)
    assert summary["status"] == "SUCCEEDED" and summary["rejected"] == 1
    assert len(answered) == 2 and waits == []
    assert "not valid JSON" in rejects(case)["doc_bad"][0]
    case.assert_matches_truth()


def test_a_page_larger_than_page_size_is_refused(case):
    serve_every_page(case, lambda page: {**page, "results": page["results"] * 3})
    error = case.fails_cleanly(lambda: case.sync("full", partitions=1, page_size=4), "page_size", MixpeekSnowflakeError)
    assert "more than the page_size 4" in str(error)


def test_taxonomies_fetched_per_run_are_capped_and_the_rest_come_later(case, monkeypatch):
    monkeypatch.setattr(engine, "MAX_TAXONOMIES_PER_RUN", 1)
    since = len(case.emulator.requests)
    first = case.sync("full", **ONE_PAGE)
    assert first["status"] == "SUCCEEDED" and first["taxonomies_deferred"] == 1
    assert len(case.requests_to("/v1/taxonomies/", since)) == 1
    since = len(case.emulator.requests)
    second = case.sync("full", **ONE_PAGE)
    assert second["taxonomies_deferred"] == 0 and len(case.requests_to("/v1/taxonomies/", since)) == 1


@pytest.mark.parametrize("days", [1, 30])
def test_rejects_older_than_the_retention_are_deleted_by_the_sync(case, days):
    case.sync("full", **ONE_PAGE)
    table = verify.tables_of(case.target).rejects.sql
    insert = (
        f"INSERT INTO {table} (RUN_ID, COLLECTION_ID, TARGET_TABLE, DOCUMENT_ID, REASON, REJECTED_AT) "
        "SELECT 'run_old', ?, TARGET_TABLE, ?, 'old', DATEADD(day, ?, CURRENT_TIMESTAMP()::TIMESTAMP_NTZ) "
        f"FROM {verify.tables_of(case.target).state.sql} WHERE COLLECTION_ID = ?"
    )
    for document_id, age in (("doc_stale", -days - 1), ("doc_recent", -days + 1)):
        case.session.sql(insert, params=[case.collection, document_id, age, case.collection]).collect()
    case.sync(reject_retention_days=days)
    assert set(rejects(case)) == {"doc_recent"}
