"""The sync's statements run on the local engine: staging, dedupe, MERGE, deletions, rejects, runs and the lease."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
import snowflake.connector.errors

from mixpeek_local.emulator import Store, seed_collection
from mixpeek_snowflake.snowflake.binds import chunk_rows
from mixpeek_snowflake.snowflake.database import Database
from mixpeek_snowflake.snowflake.identifiers import TableName
from mixpeek_snowflake.snowflake.tables import DOCUMENTS, REJECTS, RUNS, STAGE, STATE
from mixpeek_snowflake.snowflake.timestamps import parse_timestamp
from mixpeek_snowflake.sync.records import canonical_json, convert_page
from mixpeek_snowflake.sync.statements import SyncTables

COLLECTION = "col_p8ix4ea4q9"
OTHER = "col_other00001"
T1, T2, T3 = "2026-02-01 00:00:00.000000", "2026-02-02 00:00:00.000000", "2026-02-03 00:00:00.000000"
LOCAL_TYPES = {"VARCHAR": "TEXT", "NUMBER(38,0)": "NUMBER"}


def document(document_id: str, updated_at: str | None = "2026-01-05T10:00:00Z", **root: Any) -> dict[str, Any]:
    """A small DocumentResponse-shaped document."""
    internal: dict[str, Any] = {
        "namespace_id": "ns_demo",
        "collection_id": root.pop("collection_id", COLLECTION),
        "created_at": "2026-01-05T09:00:00Z",
        "modality": "image",
        "mime_type": "image/jpeg",
        "size_bytes": 2048,
        "lineage": {"root_object_id": f"obj_{document_id}", "root_bucket_id": "bkt_1", "source_object_id": "obj_1"},
    }
    if updated_at is not None:
        internal["updated_at"] = updated_at
    return {
        "document_id": document_id,
        "collection_id": internal["collection_id"],
        "metadata": {"sku": f"SKU-{document_id}", "price": 19.5},
        **root,
        "_internal": internal,
    }


class Harness:
    """Runs the sync's statements the way the sync does, with bound params."""

    def __init__(self, session: Any, tables: SyncTables) -> None:
        self.session = session
        self.db = Database(session)
        self.tables = tables
        self.key = [COLLECTION, tables.target.display]

    def stage(self, run_id: str, docs: list[Any], seq: int = 0, max_chars: int = 1500) -> int:
        page = convert_page(docs)
        for chunk, count in chunk_rows(page.rows_json, max_chars):
            self.db.rows(self.tables.stage_documents(), [run_id, seq, chunk])
            seq += count
        if page.rejects:
            rows = [{"document_id": r.document_id, "reason": r.reason, "excerpt": r.excerpt} for r in page.rejects]
            self.db.rows(self.tables.stage_rejects(), [run_id, seq, json.dumps(rows)])
            seq += len(rows)
        return seq

    def stage_deleted(self, run_id: str, ids: list[str], seq: int = 10_000) -> None:
        self.db.rows(self.tables.stage_deletions(), [run_id, seq, json.dumps(ids)])

    def plan(self, run_id: str, now: str) -> tuple[int, ...]:
        return tuple(int(v) for v in self.db.first(self.tables.plan(), [now, run_id, run_id]))

    def merge(self, run_id: str, now: str) -> tuple[int, ...]:
        return tuple(self.db.first(self.tables.merge(), [now, run_id, run_id]))

    def gone_params(self, run_id: str, full: bool, collection: str = COLLECTION) -> list[str]:
        return [collection, run_id] if full else [collection, run_id, run_id]

    def count_deletions(self, run_id: str, full: bool, collection: str = COLLECTION) -> int:
        return self.db.count(self.tables.count_deletions(full), self.gone_params(run_id, full, collection))

    def mark_deleted(self, run_id: str, full: bool, now: str, collection: str = COLLECTION) -> int:
        params = [now, now, run_id, *self.gone_params(run_id, full, collection)]
        return self.db.count(self.tables.mark_deleted(full), params)

    def sync(self, run_id: str, docs: list[Any], now: str, full: bool | None = None) -> tuple[int, ...]:
        self.stage(run_id, docs)
        plan = self.plan(run_id, now)
        self.merge(run_id, now)
        if full is not None:
            self.mark_deleted(run_id, full, now)
        return plan

    def select(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        return [row.as_dict() for row in self.session.sql(sql, params=params).collect()]

    def target(self) -> dict[str, dict[str, Any]]:
        return {row["DOCUMENT_ID"]: row for row in self.select(f"SELECT * FROM {self.tables.target.sql}")}

    def state(self) -> dict[str, Any]:
        [row] = self.select(f"SELECT * FROM {self.tables.state.sql}")
        return row


@pytest.fixture
def harness(session: Any, database_name: str) -> Harness:
    tables = SyncTables.beside(TableName.parse(f"{database_name}.PUBLIC.MIXPEEK_DOCUMENTS"))
    for ddl in tables.creation():
        session.sql(ddl).collect()
    return Harness(session, tables)


def at(text: str) -> Any:
    return parse_timestamp(text)


def test_creation_is_idempotent_and_builds_every_spec_column(harness: Harness) -> None:
    for ddl in harness.tables.creation():
        harness.db.rows(ddl)
    query = (
        "SELECT COLUMN_NAME, DATA_TYPE, IS_NULLABLE FROM INFORMATION_SCHEMA.COLUMNS "
        "WHERE TABLE_SCHEMA = 'PUBLIC' AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION"
    )
    tables = harness.tables
    for spec, table in [(DOCUMENTS, tables.target), (STAGE, tables.stage), (STATE, tables.state),
                        (RUNS, tables.runs), (REJECTS, tables.rejects)]:  # fmt: skip
        columns = harness.db.rows(query, [table.name])
        expected = [(c.name, LOCAL_TYPES.get(c.type, c.type), "NO" if c.not_null else "YES") for c in spec.columns]
        assert columns == expected, spec.name


def test_merge_inserts_generated_documents_with_typed_columns(harness: Harness) -> None:
    store = Store()
    docs = store.documents(seed_collection(store, documents=12, seed=5, collection_id=COLLECTION))
    bare = {"document_id": "doc_bare", "collection_id": COLLECTION, "_internal": {"size_bytes": -5}}
    assert harness.sync("run_1", [*docs, bare], T1) == (13, 13, 0, 0)
    rows = harness.target()
    assert len(rows) == 13
    for doc in docs:
        row, internal = rows[doc["document_id"]], doc["_internal"]
        assert row["CREATED_AT"] == at(internal["created_at"])
        assert row["UPDATED_AT"] == at(internal["updated_at"])
        assert row["SIZE_BYTES"] == internal["size_bytes"] and isinstance(row["SIZE_BYTES"], int)
        assert (row["MODALITY"], row["MIME_TYPE"]) == (internal["modality"], internal["mime_type"])
        assert row["SOURCE_URL"] == internal["processing"]["source_url"]
        assert json.loads(row["METADATA"]) == doc["metadata"]
        assert json.loads(row["DOCUMENT"]) == doc
        assert row["CONTENT_HASH"] == hashlib.sha256(canonical_json(doc).encode()).hexdigest()
        assert (row["IS_DELETED"], row["DELETED_AT"], row["LAST_RUN_ID"]) == (False, None, "run_1")
        assert row["FIRST_SYNCED_AT"] == row["LAST_SYNCED_AT"] == at(T1)
    empty = rows["doc_bare"]
    assert (empty["CREATED_AT"], empty["UPDATED_AT"], empty["SIZE_BYTES"], empty["METADATA"]) == (None,) * 4
    assert empty["COLLECTION_ID"] == COLLECTION


def test_merge_keeps_the_newest_version_of_each_document(harness: Harness) -> None:
    seq = harness.stage("run_1", [document("doc_a", "2026-01-05T11:00:00Z", title="newer")])
    seq = harness.stage("run_1", [document("doc_a", "2026-01-05T12:30:00+02:00", title="older")], seq)
    seq = harness.stage("run_1", [document("doc_b", "2026-01-05T12:00:00Z", title="first")], seq)
    seq = harness.stage("run_1", [document("doc_b", "2026-01-05T12:00:00Z", title="second")], seq)
    seq = harness.stage("run_1", [document("doc_c", "2026-01-05T09:00:00Z", title="dated")], seq)
    harness.stage("run_1", [document("doc_c", None, title="undated")], seq)
    assert harness.plan("run_1", T1) == (3, 3, 0, 0)
    assert harness.merge("run_1", T1)[0] == 3
    titles = {doc_id: json.loads(row["DOCUMENT"])["title"] for doc_id, row in harness.target().items()}
    assert titles == {"doc_a": "newer", "doc_b": "second", "doc_c": "dated"}


def test_two_versions_in_one_bind_dedupe_by_position(harness: Harness) -> None:
    harness.stage("run_1", [document("doc_a", title="v1"), document("doc_a", title="v2")], max_chars=10**6)
    harness.merge("run_1", T1)
    assert json.loads(harness.target()["doc_a"]["DOCUMENT"])["title"] == "v2"


def test_unchanged_rows_are_left_untouched(harness: Harness) -> None:
    docs = [document(f"doc_{n}") for n in range(5)]
    harness.sync("run_1", docs, T1)
    again = [json.loads(json.dumps(d), object_pairs_hook=lambda p: dict(reversed(p))) for d in docs]
    again[2]["metadata"]["price"] = 17.0
    assert harness.sync("run_2", again, T2) == (5, 0, 1, 0)
    rows = harness.target()
    assert rows["doc_2"]["LAST_RUN_ID"] == "run_2"
    assert (rows["doc_2"]["FIRST_SYNCED_AT"], rows["doc_2"]["LAST_SYNCED_AT"]) == (at(T1), at(T2))
    assert json.loads(rows["doc_2"]["METADATA"])["price"] == 17.0
    for doc_id in ("doc_0", "doc_1", "doc_3", "doc_4"):
        assert (rows[doc_id]["LAST_RUN_ID"], rows[doc_id]["LAST_SYNCED_AT"]) == ("run_1", at(T1))


def test_merge_reports_inserted_and_updated_counts(harness: Harness) -> None:
    harness.sync("run_1", [document("doc_a"), document("doc_b")], T1)
    harness.stage("run_2", [document("doc_a"), document("doc_b", title="changed"), document("doc_c")])
    assert harness.merge("run_2", T2) == (1, 1)


def test_full_sync_marks_unseen_rows_deleted_and_they_return(harness: Harness) -> None:
    harness.sync("run_1", [document("doc_a"), document("doc_b"), document("doc_c")], T1)
    harness.stage("run_2", [document("doc_a")])
    assert harness.count_deletions("run_2", full=True) == 2
    assert harness.mark_deleted("run_2", True, T2) == 2
    rows = harness.target()
    assert {d: (r["IS_DELETED"], r["DELETED_AT"], r["LAST_RUN_ID"]) for d, r in rows.items()} == {
        "doc_a": (False, None, "run_1"),
        "doc_b": (True, at(T2), "run_2"),
        "doc_c": (True, at(T2), "run_2"),
    }
    assert harness.sync("run_3", [document("doc_a"), document("doc_b")], T3) == (2, 0, 1, 1)
    assert harness.count_deletions("run_3", full=True) == 0
    rows = harness.target()
    assert (rows["doc_b"]["IS_DELETED"], rows["doc_b"]["DELETED_AT"], rows["doc_b"]["LAST_RUN_ID"]) == (
        False,
        None,
        "run_3",
    )
    assert rows["doc_b"]["FIRST_SYNCED_AT"] == at(T1)
    assert (rows["doc_c"]["IS_DELETED"], rows["doc_c"]["DELETED_AT"]) == (True, at(T2))
    assert rows["doc_a"]["LAST_RUN_ID"] == "run_1"


def test_full_deletion_stays_within_the_collection(harness: Harness) -> None:
    harness.sync("run_1", [document("doc_a"), document("doc_x", collection_id=OTHER)], T1)
    harness.stage("run_2", [])
    assert harness.mark_deleted("run_2", True, T2) == 1
    assert {d: r["IS_DELETED"] for d, r in harness.target().items()} == {"doc_a": True, "doc_x": False}


def test_incremental_deletes_only_fed_unseen_ids_of_the_collection(harness: Harness) -> None:
    harness.sync("run_1", [document("doc_a1"), document("doc_a2"), document("doc_a3")], T1)
    harness.sync("run_1b", [document("doc_b1", collection_id=OTHER)], T1)
    harness.stage("run_2", [document("doc_a1", "2026-01-06T00:00:00Z")])
    harness.stage_deleted("run_2", ["doc_a2", "doc_a1", "doc_b1", "doc_unknown"])
    assert harness.count_deletions("run_2", full=False) == 1
    assert harness.count_deletions("run_2", full=True) == 2
    assert harness.mark_deleted("run_2", False, T2) == 1
    deleted = {d for d, r in harness.target().items() if r["IS_DELETED"]}
    assert deleted == {"doc_a2"}


def test_staged_deletions_land_as_ids_with_their_sequence(harness: Harness) -> None:
    harness.stage_deleted("run_1", ["doc_a", "doc_b"], seq=7)
    rows = harness.select(f"SELECT OP, SEQ, DOCUMENT_ID, UPDATED_AT FROM {harness.tables.stage.sql} ORDER BY SEQ")
    assert rows == [
        {"OP": "D", "SEQ": 7, "DOCUMENT_ID": "doc_a", "UPDATED_AT": None},
        {"OP": "D", "SEQ": 8, "DOCUMENT_ID": "doc_b", "UPDATED_AT": None},
    ]


def test_rejects_are_kept_with_their_run_and_reason(harness: Harness) -> None:
    bad = json.loads('"\\ud800"')
    harness.stage("run_1", [document("doc_ok"), document("doc_nan", metadata={"price": float("nan")})])
    harness.stage("run_1", [document("doc_sur", title=bad)], seq=100)
    harness.stage("run_other", [document("doc_inf", metadata={"price": float("inf")})])
    harness.db.rows(harness.tables.keep_rejects(), [*harness.key, T1, "run_1"])
    rows = harness.select(f"SELECT * FROM {harness.tables.rejects.sql} ORDER BY DOCUMENT_ID")
    assert [(r["RUN_ID"], r["DOCUMENT_ID"]) for r in rows] == [("run_1", "doc_nan"), ("run_1", "doc_sur")]
    assert all((r["COLLECTION_ID"], r["TARGET_TABLE"], r["REJECTED_AT"]) == (*harness.key, at(T1)) for r in rows)
    assert "NaN or Infinity" in rows[0]["REASON"] and '"doc_nan"' in rows[0]["EXCERPT"]
    assert "\\ud800" in rows[1]["EXCERPT"]


@pytest.mark.parametrize("patience", [1])
def test_a_reject_without_document_id_is_staged_and_kept(harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    try:
        harness.stage("run_1", ["oops", {"document_id": "", "title": "no id"}])
    except snowflake.connector.errors.Error:
        assert "NOT NULL constraint failed: MIXPEEK_SYNC_STAGE.DOCUMENT_ID" in caplog.text
        raise
    harness.db.rows(harness.tables.keep_rejects(), [*harness.key, T1, "run_1"])
    rows = harness.select(f"SELECT DOCUMENT_ID, REASON, EXCERPT FROM {harness.tables.rejects.sql} ORDER BY EXCERPT")
    no_id = '{"document_id": "", "title": "no id"}'
    assert [(r["DOCUMENT_ID"], r["EXCERPT"]) for r in rows] == [(None, '"oops"'), (None, no_id)]


def test_full_sync_does_not_delete_a_document_it_rejected(harness: Harness) -> None:
    harness.sync("run_1", [document("doc_a"), document("doc_b")], T1)
    harness.stage("run_2", [document("doc_a"), document("doc_b", metadata={"price": float("inf")})])
    harness.mark_deleted("run_2", True, T2)
    assert harness.target()["doc_b"]["IS_DELETED"] is False


def test_failed_apply_rolls_back(harness: Harness) -> None:
    harness.sync("run_1", [document("doc_a")], T1)
    before = harness.target()
    harness.stage("run_2", [document("doc_a", title="changed"), document("doc_b")])
    with pytest.raises(RuntimeError, match="advance_state failed"), harness.db.transaction():
        harness.merge("run_2", T2)
        harness.mark_deleted("run_2", True, T2)
        assert len(harness.target()) == 2
        raise RuntimeError("advance_state failed")
    assert harness.target() == before


def test_run_rows_record_start_and_finish(harness: Harness) -> None:
    tables, db = harness.tables, harness.db
    who = ['{"partitions": 2}', "ALICE", "SYNC_ROLE", "01b2-query"]
    db.rows(tables.insert_run(), ["run_1", COLLECTION, tables.target.display, "incremental", False, T1, *who])
    [started] = harness.select(f"SELECT * FROM {tables.runs.sql}")
    assert (started["STATUS"], started["DRY_RUN"], started["STARTED_AT"]) == ("RUNNING", False, at(T1))
    assert json.loads(started["OPTIONS"]) == {"partitions": 2}
    assert (started["USER_NAME"], started["ROLE_NAME"], started["QUERY_ID"]) == ("ALICE", "SYNC_ROLE", "01b2-query")
    summary = {"run_id": "run_1", "inserted": 3, "error": None}
    counters = [10, 3, 2, 5, 1, 0, 4, 6, 1]
    definition = '{"filters":null,"include_vectors":true,"namespace":"ns_1"}'
    params = ["SUCCEEDED", T2, COLLECTION, "full", *counters, 12.5, None, json.dumps(summary), "why", definition]
    assert db.count(tables.finish_run(), [*params, "run_1"]) == 1
    [row] = harness.select(f"SELECT * FROM {tables.runs.sql}")
    assert (row["STATUS"], row["MODE"], row["FINISHED_AT"]) == ("SUCCEEDED", "full", at(T2))
    assert row["DURATION_SECONDS"] == 12.5
    assert [row[name] for name in ("DOCUMENTS_SEEN", "INSERTED", "UPDATED", "UNCHANGED", "DELETED")] == counters[:5]
    assert [row[name] for name in ("REJECTED", "PAGES", "API_REQUESTS", "RETRIES")] == counters[5:]
    assert json.loads(row["SUMMARY"]) == summary and row["ERROR"] is None
    assert row["REASON"] == "why" and json.loads(row["DEFINITION"]) == json.loads(definition)


def test_stage_cleanup_removes_only_the_right_runs(harness: Harness) -> None:
    tables, db = harness.tables, harness.db
    for run_id, collection in [("run_old", COLLECTION), ("run_now", COLLECTION), ("run_elsewhere", OTHER)]:
        params = [run_id, collection, tables.target.display, "full", False, T1, "{}", None, None, None]
        db.rows(tables.insert_run(), params)
        harness.stage(run_id, [document(f"doc_{run_id}")])
    db.rows(tables.clear_abandoned_stage(), [*harness.key, "run_now"])
    staged = f"SELECT DISTINCT RUN_ID FROM {tables.stage.sql} ORDER BY RUN_ID"
    assert db.rows(staged) == [("run_elsewhere",), ("run_now",)]
    db.rows(tables.clear_stage(), ["run_now"])
    assert db.rows(staged) == [("run_elsewhere",)]


def test_lease_is_held_by_one_run_until_it_lapses(harness: Harness) -> None:
    tables, db, key = harness.tables, harness.db, harness.key
    db.rows(tables.ensure_state(), key)
    db.rows(tables.ensure_state(), key)
    assert db.count(f"SELECT COUNT(*) FROM {tables.state.sql}") == 1
    assert (
        db.count(tables.acquire_lease(), ["run_1", "2026-02-01 01:00:00.000000", *key, "2026-02-01 00:00:00.000000"])
        == 1
    )
    assert (
        db.count(tables.acquire_lease(), ["run_2", "2026-02-01 01:30:00.000000", *key, "2026-02-01 00:30:00.000000"])
        == 0
    )
    assert db.first(tables.read_state(), key)[:4] == (None, None, "run_1", at("2026-02-01 01:00:00"))
    db.rows(tables.release_lease(), [*key, "run_2"])
    assert harness.state()["LEASE_RUN_ID"] == "run_1"
    assert (
        db.count(tables.acquire_lease(), ["run_2", "2026-02-01 02:00:00.000000", *key, "2026-02-01 01:00:01.000000"])
        == 1
    )
    assert harness.state()["LEASE_RUN_ID"] == "run_2"


def test_only_the_lease_holder_advances_state(harness: Harness) -> None:
    tables, db, key = harness.tables, harness.db, harness.key
    db.rows(tables.ensure_state(), key)
    db.count(tables.acquire_lease(), ["run_2", "2026-02-02 01:00:00.000000", *key, T2])
    lost = ["2026-01-05T10:00:00.000000Z", "evt_9", "run_1", T2, True, T2, "{}", "c1", *key, "run_1"]
    assert db.count(tables.advance_state(), lost) == 0
    assert harness.state()["WATERMARK"] is None
    won = ["2026-01-05T10:00:00.000000Z", "evt_9", "run_2", T2, True, T2, '{"namespace":"ns_1"}', "c1", *key, "run_2"]
    assert db.count(tables.advance_state(), won) == 1
    state = harness.state()
    assert (state["WATERMARK"], state["EVENTS_CURSOR"], state["LAST_RUN_ID"]) == (won[0], "evt_9", "run_2")
    assert (state["LAST_SUCCESS_AT"], state["LAST_FULL_SYNC_AT"]) == (at(T2), at(T2))
    assert (state["LEASE_RUN_ID"], state["LEASE_EXPIRES_AT"]) == (None, None)
    assert json.loads(state["DEFINITION"]) == {"namespace": "ns_1"} and state["TARGET_CREATED"] == "c1"
    assert state["TARGET_ROWS"] == harness.db.count(f"SELECT COUNT(*) FROM {tables.target.sql}")
    db.count(tables.acquire_lease(), ["run_3", "2026-02-03 01:00:00.000000", *key, T3])
    incremental = ["2026-01-06T00:00:00.000000Z", "evt_12", "run_3", T3, False, T3, "{}", "c1", *key, "run_3"]
    assert db.count(tables.advance_state(), incremental) == 1
    state = harness.state()
    assert (state["LAST_SUCCESS_AT"], state["LAST_FULL_SYNC_AT"]) == (at(T3), at(T2))
    assert state["WATERMARK"] == incremental[0]
