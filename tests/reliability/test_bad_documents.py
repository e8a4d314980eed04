"""Bad documents land in the target or in MIXPEEK_SYNC_REJECTS with a reason, and the rest of the run goes on."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from reliability.world import NAMESPACE

from mixpeek_local import verify
from mixpeek_local.emulator import Fault, seed_collection
from mixpeek_snowflake.errors import MixpeekAPIError, MixpeekTransportError
from mixpeek_snowflake.sync import records

ONE_PAGE = {"partitions": 1, "page_size": 50}
MISSING = object()


def serve(world, extra: list[Any] = (), raw: Callable[[dict], bytes] | None = None, every_time: bool = False):
    """Add `extra` documents to the first listing page as if Mixpeek held them, or send `raw(page)` bytes instead;
    on the first answer only, or on every first page when `every_time` (a poison page)."""
    answered: list[int] = []

    def hook(number: int, page: dict[str, Any]) -> Any:
        if answered and not every_time:
            return None
        answered.append(number)
        return raw(page) if raw is not None else {**page, "results": [*page["results"], *extra]}

    world.slot.hook = hook
    return answered


def rejects(world) -> dict[str | None, list[dict[str, Any]]]:
    """Reject rows of the world's collection, by document id."""
    table = verify.tables_of(world.target).rejects.sql
    found: dict[str | None, list[dict[str, Any]]] = {}
    sql = f"SELECT DOCUMENT_ID, REASON, EXCERPT FROM {table} WHERE COLLECTION_ID = ?"
    for row in verify.rows(world.session, sql, [world.collection]):
        found.setdefault(row["DOCUMENT_ID"], []).append(row)
    return found


def typed(world, column: str) -> dict[str, Any]:
    """One typed column of the target, by document id."""
    table = verify.tables_of(world.target).target.sql
    return {
        r["DOCUMENT_ID"]: r["V"] for r in verify.rows(world.session, f"SELECT DOCUMENT_ID, {column} AS V FROM {table}")
    }


def odd(world, document_id: str, internal: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"document_id": document_id, "collection_id": world.collection, "metadata": {"odd": True}}
    if internal is not MISSING:
        doc["_internal"] = internal
    return doc


ODD_INTERNALS = {
    "doc_no_internal": MISSING,
    "doc_internal_is_text": "garbage",
    "doc_no_timestamps": {"namespace_id": NAMESPACE},
    "doc_words": {"created_at": "yesterday", "updated_at": "soon"},
    "doc_feb_30": {"created_at": "2026-02-30T00:00:00Z", "updated_at": "2026-02-30T25:00:00Z"},
    "doc_epoch_numbers": {"created_at": 1767603600, "updated_at": 1767603600.5},
    "doc_empty_times": {"created_at": "", "updated_at": None},
    "doc_out_of_range": {"created_at": "0001-01-01T00:30:00+01:00", "updated_at": "9999-12-31T23:00:00-05:00"},
}


def test_missing_or_malformed_internal_fields_land_with_empty_typed_columns(case):
    served = [odd(case, document_id, internal) for document_id, internal in ODD_INTERNALS.items()]
    served.append(
        odd(case, "doc_far_future", {"created_at": "2026-01-01T00:00:00Z", "updated_at": "9999-12-31T23:59:59Z"})
    )
    serve(case, served)
    summary = case.sync("full", **ONE_PAGE)
    assert summary["status"] == "SUCCEEDED" and summary["rejected"] == 0
    case.assert_matches_truth(served)
    updated = typed(case, "UPDATED_AT")
    assert all(updated[document_id] is None for document_id in ODD_INTERNALS)
    assert updated["doc_far_future"] == datetime(9999, 12, 31, 23, 59, 59)
    state = verify.tables_of(case.target).state.sql
    (row,) = verify.rows(case.session, f"SELECT WATERMARK FROM {state} WHERE COLLECTION_ID = ?", [case.collection])
    assert records.parse_timestamp(row["WATERMARK"]) < datetime.utcnow() + timedelta(minutes=1)


def test_a_document_served_without_any_collection_id_is_flagged_once_it_is_gone(case):
    served = [odd(case, "doc_unscoped", MISSING) | {"collection_id": None}]
    serve(case, served)
    case.sync("full", **ONE_PAGE)
    case.assert_matches_truth(served)
    case.slot.hook = None
    case.sync("full", **ONE_PAGE)
    case.assert_matches_truth()


UNUSABLE_IDS = [12345, None, "", "   ", ["doc_in_a_list"], {"id": "doc_in_an_object"}, True]
NOT_OBJECTS = ["a bare string", 42, None, ["a", "list"]]


def test_unusable_ids_and_non_objects_are_rejected_with_a_reason_and_the_rest_lands(case):
    served = [{"document_id": value, "metadata": {"marker": f"bad-id-{i}"}} for i, value in enumerate(UNUSABLE_IDS)]
    served += [{"metadata": {"marker": "no-id-at-all"}}, *NOT_OBJECTS]
    serve(case, served)
    summary = case.sync("full", **ONE_PAGE)
    assert summary["status"] == "SUCCEEDED" and summary["rejected"] == len(served)
    found = rejects(case)[None]
    assert len(found) == len(served)
    reasons = sorted(row["REASON"] for row in found)
    assert reasons.count("document_id is missing, empty or not a string") == len(UNUSABLE_IDS) + 1
    assert all("not an object" in reason for reason in reasons if "document_id" not in reason)
    excerpts = " ".join(row["EXCERPT"] for row in found)
    assert all(f"bad-id-{i}" in excerpts for i in range(len(UNUSABLE_IDS))) and "a bare string" in excerpts
    case.assert_matches_truth()


def test_ids_differing_only_in_case_are_two_rows_and_a_repeated_id_keeps_its_newest_version(case):
    twins = [{"document_id": "doc_CaseTwin", "metadata": {"v": "upper"}}, {"document_id": "doc_casetwin"}]
    case.store.put_documents(case.collection, twins)
    current = case.truth()[0]
    stale = json.loads(json.dumps(current))
    stale["_internal"]["updated_at"] = "2001-01-01T00:00:00.000000Z"
    stale["metadata"] = {"stale": True}
    serve(case, [stale])
    summary = case.sync("full", **ONE_PAGE)
    assert summary["documents_seen"] == len(case.truth()) + 1
    rows = case.rows()
    assert rows["doc_CaseTwin"]["DOCUMENT"]["metadata"] == {"v": "upper"} and "doc_casetwin" in rows
    case.assert_matches_truth()


def test_an_oversize_document_is_quarantined_the_rest_continues_and_its_previous_row_stays(case, monkeypatch):
    case.sync("full", **ONE_PAGE)
    ids = [doc["document_id"] for doc in case.truth()]
    previous = case.rows()[ids[0]]["DOCUMENT"]
    monkeypatch.setattr(records, "MAX_DOCUMENT_BYTES", 20_000)
    case.store.update_document(case.collection, ids[0], {"metadata": {"blob": "x" * 30_000}})
    case.store.add_document(case.collection, {"document_id": "doc_born_huge", "metadata": {"blob": "y" * 30_000}})
    case.store.update_document(case.collection, ids[1], {"metadata": {"still_fits": True}})
    summary = case.sync("full", **ONE_PAGE)
    assert summary["status"] == "SUCCEEDED" and summary["rejected"] == 2 and summary["updated"] == 1
    found = rejects(case)
    for document_id in (ids[0], "doc_born_huge"):
        (row,) = found[document_id]
        assert "bytes" in row["REASON"] and "VARIANT" in row["REASON"] and row["EXCERPT"]
    rows = case.rows()
    assert rows[ids[0]]["DOCUMENT"] == previous and not rows[ids[0]]["IS_DELETED"]
    assert "doc_born_huge" not in rows
    assert rows[ids[1]]["DOCUMENT"] == case.store.get_document(case.collection, ids[1])


def test_a_moderately_large_document_lands_exactly(case):
    words = [f"word-{i}-{'é' if i % 7 else '漢'}" for i in range(80_000)]
    case.store.add_document(case.collection, {"document_id": "doc_large", "metadata": {"words": words}})
    summary = case.sync("full", **ONE_PAGE)
    assert summary["rejected"] == 0
    assert len(json.dumps(case.rows()["doc_large"]["DOCUMENT"]).encode()) > 1_000_000
    case.assert_matches_truth()


def test_nan_and_infinity_are_rejected_and_the_rest_lands(case):
    bad = {"doc_nan": math.nan, "doc_inf": math.inf, "doc_minus_inf": [1.0, -math.inf]}
    case.store.put_documents(case.collection, [{"document_id": i, "metadata": {"score": v}} for i, v in bad.items()])
    summary = case.sync("full", **ONE_PAGE)
    assert summary["rejected"] == len(bad)
    found = rejects(case)
    assert all("NaN or Infinity" in found[document_id][0]["REASON"] for document_id in bad)
    rows = case.rows()
    assert not set(bad) & set(rows)
    assert len(rows) == len(case.truth()) - len(bad)


def test_lone_surrogates_are_rejected_while_other_unusual_text_lands_exactly(case):
    bad = {"doc_high_surrogate": "a\ud800b", "doc_low_surrogate": "\udfff"}
    good = {
        "doc_nul": "a\u0000b",
        "doc_separators": "line\u2028para\u2029",
        "doc_astral": "😀 𝔘 é",
        "doc_bom": "\ufeffx",
    }
    docs = [{"document_id": i, "metadata": {"text": v}} for i, v in {**bad, **good}.items()]
    case.store.put_documents(case.collection, docs)
    summary = case.sync("full", **ONE_PAGE)
    assert summary["rejected"] == len(bad)
    found = rejects(case)
    assert all("invalid Unicode" in found[document_id][0]["REASON"] for document_id in bad)
    rows = case.rows()
    assert all(rows[document_id]["DOCUMENT"]["metadata"]["text"] == text for document_id, text in good.items())


def nested(depth: int) -> Any:
    value: Any = "bottom"
    for level in range(depth):
        value = [value] if level % 2 else {"down": value}
    return value


def test_deeply_nested_documents_land_whole(case):
    """Snowflake limits a VARIANT by size, not depth (https://docs.snowflake.com/en/sql-reference/data-types-semistructured):
    documents 150 and 800 levels deep, small enough, land exactly as sent and nothing is rejected."""
    case.store.put_documents(case.collection, [{"document_id": "doc_nested_150", "metadata": {"deep": nested(150)}}])
    served = [{"document_id": "doc_nested_800", "collection_id": case.collection, "metadata": {"deep": nested(800)}}]
    serve(case, served)
    summary = case.sync("full", **ONE_PAGE)
    assert summary["status"] == "SUCCEEDED" and summary["rejected"] == 0
    rows, found = case.rows(), rejects(case)
    assert rows["doc_nested_150"]["DOCUMENT"] == case.store.get_document(case.collection, "doc_nested_150")
    assert rows["doc_nested_800"]["DOCUMENT"] == served[0]
    assert rows["doc_nested_800"]["METADATA"] == {"deep": nested(800)}
    assert found == {}


def deep_page(page: dict[str, Any]) -> bytes:
    """The page with one document nested 5,000 levels deep, deeper than a JSON parser on a stack can follow."""
    deep = '{"document_id":"doc_nested_5000","metadata":{"deep":' + "[" * 5000 + "]" * 5000 + "}}"
    text = json.dumps(page, separators=(",", ":"))
    return text.replace('"results":[', '"results":[' + deep + ",", 1).encode()


def test_a_document_nested_deeper_than_the_parser_follows_is_quarantined(case):
    serve(case, raw=deep_page, every_time=True)
    summary = case.sync("full", **ONE_PAGE)
    assert summary["rejected"] == 1 and "nested" in rejects(case)["doc_nested_5000"][0]["REASON"]
    case.assert_matches_truth()


def undecodable(page: dict[str, Any]) -> bytes:
    """The page with a byte that is not UTF-8 inside a key."""
    return json.dumps(page).replace('"metadata"', '"meta\xff"', 1).encode("latin-1")


def test_undecodable_bytes_fail_cleanly_after_the_retries(case, waits):
    serve(case, raw=undecodable, every_time=True)
    case.fails_cleanly(lambda: case.sync("full", **ONE_PAGE), "not valid JSON", MixpeekTransportError)
    assert len(waits) == 7


def test_an_empty_collection_syncs_to_an_empty_target_and_a_collection_emptied_flags_every_row(case):
    collection = f"{case.collection}e"
    seed_collection(case.store, documents=0, namespace=NAMESPACE, collection_id=collection, collection_name=collection)
    empty = dataclasses.replace(case, collection=collection, target=f"{case.target}_EMPTY")
    summary = empty.sync("incremental", **ONE_PAGE)
    assert summary["status"] == "SUCCEEDED" and summary["documents_seen"] == summary["inserted"] == 0
    empty.assert_matches_truth()
    assert empty.rows() == {}
    added = [empty.store.add_document(empty.collection)["document_id"] for _ in range(3)]
    empty.sync("incremental", **ONE_PAGE)
    for document_id in added:
        empty.store.delete_document(empty.collection, document_id)
    assert empty.sync("full", **ONE_PAGE)["deleted"] == 3
    empty.assert_matches_truth()
    assert sorted(empty.rows()) == sorted(added) and all(r["IS_DELETED"] for r in empty.rows().values())


def test_forbidden_answer_is_a_clear_error(case):
    case.emulator.inject(Fault("status", path_contains="/v1/collections/", status=403))
    error = case.fails_cleanly(lambda: case.sync("full"), "403", MixpeekAPIError)
    assert error.status == 403 and "may not access this namespace" in str(error)


def test_unknown_namespace_is_named(case):
    error = case.fails_cleanly(lambda: case.sync("full", namespace="ns_nosuch001"), "ns_nosuch001", MixpeekAPIError)
    assert error.status == 404 and case.collection in str(error) and "ns_nosuch001" in str(error)
