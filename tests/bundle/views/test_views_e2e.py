"""create_mixpeek_views end to end: emulator → sync → views on the local engine, queried as typed columns."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from bundle.views.view_helpers import (
    COLLECTION,
    MAIN_VIEW,
    NAMESPACE,
    SHAPES,
    columns,
    query,
    shapes_collection,
    shapes_document,
    sync,
    view_names,
    views,
    with_schema,
)

from mixpeek_local.demo.views import show_views
from mixpeek_local.emulator.generator import vector_for
from mixpeek_snowflake.errors import InvalidArgument, MixpeekSnowflakeError

OBJECTS_VIEW = f"{MAIN_VIEW}_DETECTED_OBJECTS"
TAGS_VIEW = f"{MAIN_VIEW}_METADATA_TAGS"


def test_documents_view_holds_every_live_document_typed(synced):
    docs = {d["document_id"]: d for d in synced.store.documents(COLLECTION)}
    rows = {r["DOCUMENT_ID"]: r for r in query(synced.session, f"SELECT * FROM {MAIN_VIEW}")}
    assert sorted(rows) == sorted(docs)
    for document_id, doc in docs.items():
        row, meta = rows[document_id], doc["metadata"]
        assert (row["METADATA_PRICE"], row["METADATA_IN_STOCK"], row["METADATA_BRAND"]) == (
            meta["price"],
            meta["in_stock"],
            meta["brand"],
        )
        assert (row["TITLE"], row["SCENE"], row["WIDTH"]) == (doc["title"], doc.get("scene"), doc.get("width"))
        assert row["DURATION_SECONDS"] == doc.get("duration_seconds")
        assert row["MODALITY"] == doc["_internal"]["modality"] and isinstance(row["CREATED_AT"], datetime)
        assert json.loads(row["EMBEDDING"]) == vector_for(document_id, "multimodal_embedding", 8)
        assert json.loads(row["METADATA_TAGS"]) == meta["tags"]


def test_typed_columns_reach_the_information_schema(synced):
    found = query(
        synced.session,
        "SELECT COLUMN_NAME, DATA_TYPE FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = ?",
        [MAIN_VIEW],
    )
    types = {r["COLUMN_NAME"]: r["DATA_TYPE"] for r in found}
    assert sorted(columns(synced.summary, MAIN_VIEW)) == sorted(types)
    assert (types["METADATA_PRICE"], types["WIDTH"], types["METADATA_IN_STOCK"]) == ("FLOAT", "NUMBER", "BOOLEAN")
    assert (types["TITLE"], types["CREATED_AT"]) == ("TEXT", "TIMESTAMP_NTZ")


def test_child_views_have_one_row_per_array_element(synced):
    docs = synced.store.documents(COLLECTION)
    truth = sorted(
        (d["document_id"], i, o["label"], o["confidence"])
        for d in docs
        for i, o in enumerate(d.get("detected_objects", []))
    )
    rows = query(synced.session, f"SELECT DOCUMENT_ID, ITEM_INDEX, LABEL, CONFIDENCE, BBOX FROM {OBJECTS_VIEW}")
    assert sorted((r["DOCUMENT_ID"], r["ITEM_INDEX"], r["LABEL"], r["CONFIDENCE"]) for r in rows) == truth
    assert all(len(json.loads(r["BBOX"])) == 4 for r in rows)
    tags = query(synced.session, f"SELECT DOCUMENT_ID, VALUE FROM {TAGS_VIEW}")
    assert sorted((r["DOCUMENT_ID"], r["VALUE"]) for r in tags) == sorted(
        (d["document_id"], t) for d in docs for t in d["metadata"]["tags"]
    )


def test_taxonomy_columns_hold_the_best_match(synced):
    taxonomy = synced.store.get_collection(COLLECTION)["taxonomy_applications"][0]["taxonomy_id"]
    stem = f"TAXONOMY_{taxonomy.upper()}"
    rows = query(synced.session, f"SELECT DOCUMENT_ID, {stem}_LABEL AS L, {stem}_SCORE AS S FROM {MAIN_VIEW}")
    internal = {d["document_id"]: d["_internal"] for d in synced.store.documents(COLLECTION)}
    for row in rows:
        fields = internal[row["DOCUMENT_ID"]]
        assert (row["L"], row["S"]) == (
            fields.get(f"_taxonomy_{taxonomy}_label"),
            fields.get(f"_taxonomy_{taxonomy}_score"),
        )
    assert any(r["L"] for r in rows) and any(r["L"] is None for r in rows)


README_QUERIES = {
    "per_modality": """SELECT MODALITY, DATE_TRUNC('week', CREATED_AT) AS WEEK, COUNT(*) AS DOCUMENTS
FROM MIXPEEK_PRODUCT_MEDIA
GROUP BY MODALITY, WEEK
ORDER BY WEEK, MODALITY""",
    "top_objects": """SELECT LABEL, COUNT(DISTINCT DOCUMENT_ID) AS DOCUMENTS,
       ROUND(AVG(CONFIDENCE), 3) AS AVG_CONFIDENCE
FROM MIXPEEK_PRODUCT_MEDIA_DETECTED_OBJECTS
WHERE CONFIDENCE >= 0.6
GROUP BY LABEL
ORDER BY DOCUMENTS DESC, LABEL
LIMIT 10""",
    "cheap_with_a_chair": """SELECT d.DOCUMENT_ID, d.METADATA_TITLE, d.METADATA_PRICE
FROM MIXPEEK_PRODUCT_MEDIA d
WHERE d.METADATA_IN_STOCK AND d.METADATA_PRICE < 200
  AND EXISTS (SELECT 1 FROM MIXPEEK_PRODUCT_MEDIA_DETECTED_OBJECTS o
              WHERE o.DOCUMENT_ID = d.DOCUMENT_ID AND o.LABEL = 'chair')
ORDER BY d.METADATA_PRICE""",
    "tags": """SELECT VALUE AS TAG, COUNT(*) AS DOCUMENTS
FROM MIXPEEK_PRODUCT_MEDIA_METADATA_TAGS
GROUP BY VALUE
ORDER BY DOCUMENTS DESC""",
}


def test_bi_queries_from_the_readme_run(synced):
    docs = synced.store.documents(COLLECTION)
    results = {name: query(synced.session, sql) for name, sql in README_QUERIES.items()}
    assert sum(r["DOCUMENTS"] for r in results["per_modality"]) == len(docs)
    assert results["top_objects"] and all(0.6 <= r["AVG_CONFIDENCE"] <= 1 for r in results["top_objects"])
    cheap = {
        d["document_id"]
        for d in docs
        if d["metadata"]["in_stock"]
        and d["metadata"]["price"] < 200
        and any(o["label"] == "chair" for o in d.get("detected_objects", []))
    }
    assert cheap
    assert {r["DOCUMENT_ID"] for r in results["cheap_with_a_chair"]} == cheap
    assert sum(r["DOCUMENTS"] for r in results["tags"]) == sum(len(d["metadata"]["tags"]) for d in docs)


def test_demo_glance_prints_the_typed_views(synced):
    lines: list[str] = []
    summary = show_views(synced.session, lines.append, collection_id=COLLECTION)
    text = "\n".join(lines)
    assert summary["collection_id"] == COLLECTION
    assert f"CALL create_mixpeek_views('{COLLECTION}')" in text and OBJECTS_VIEW in text
    assert "METADATA_PRICE" in text and '"LABEL", COUNT(*) AS "ROWS", ROUND(AVG("CONFIDENCE"), 3)' in text


def test_deleted_documents_leave_the_views_without_a_rerun(session, store, emulator):
    sync(session)
    views(session)
    gone = store.documents(COLLECTION)[0]
    store.delete_document(COLLECTION, gone["document_id"])
    assert sync(session)["deleted"] == 1
    for view in (MAIN_VIEW, OBJECTS_VIEW, TAGS_VIEW):
        assert not query(session, f"SELECT 1 FROM {view} WHERE DOCUMENT_ID = ?", [gone["document_id"]])
    assert len(query(session, f"SELECT DOCUMENT_ID FROM {MAIN_VIEW}")) == len(store.documents(COLLECTION))


def test_rerun_after_a_schema_change_replaces_the_views(session, store, emulator):
    sync(session)
    first = views(session, sample_rows=0)
    properties = dict(store.get_collection(COLLECTION)["output_schema"]["properties"])
    del properties["scene"], properties["detected_objects"]
    properties["rating"] = {"type": "number", "description": "Average review score"}
    with_schema(store, COLLECTION, properties)
    rated = store.documents(COLLECTION)[0]["document_id"]
    store.update_document(COLLECTION, rated, {"rating": 4.5})
    assert sync(session)["status"] == "SUCCEEDED"
    second = views(session, sample_rows=0)
    assert {"SCENE", "DETECTED_OBJECTS"} <= set(columns(first, MAIN_VIEW))
    assert "SCENE" not in columns(second, MAIN_VIEW) and columns(second, MAIN_VIEW)["RATING"] == "FLOAT"
    assert [v["name"].rsplit(".", 1)[-1] for v in second["views"]] == [MAIN_VIEW, TAGS_VIEW]
    assert [name.rsplit(".", 1)[-1] for name in second["stale_views"]] == [OBJECTS_VIEW]
    ratings = query(session, f"SELECT DOCUMENT_ID, RATING FROM {MAIN_VIEW} WHERE RATING IS NOT NULL")
    assert ratings == [{"DOCUMENT_ID": rated, "RATING": 4.5}]
    assert "SCENE" not in query(session, f"SELECT * FROM {MAIN_VIEW} LIMIT 1")[0]


def test_a_field_mixpeek_adds_never_breaks_the_sync_and_shows_up_when_sampled(session, store, emulator):
    sync(session)
    changed = [d["document_id"] for d in store.documents(COLLECTION)[:3]]
    for document_id in changed:
        store.update_document(COLLECTION, document_id, {"mood": "calm", "metadata": {"season": "summer"}})
    summary = sync(session)
    assert (summary["status"], summary["updated"], summary["rejected"]) == ("SUCCEEDED", 3, 0)
    stored = query(session, "SELECT DOCUMENT FROM MIXPEEK_DOCUMENTS WHERE DOCUMENT_ID = ?", [changed[0]])[0]
    assert json.loads(stored["DOCUMENT"]) == store.get_document(COLLECTION, changed[0])
    made = views(session)
    assert (columns(made, MAIN_VIEW)["MOOD"], columns(made, MAIN_VIEW)["METADATA_SEASON"]) == ("VARCHAR", "VARCHAR")
    rows = query(session, f"SELECT DOCUMENT_ID FROM {MAIN_VIEW} WHERE MOOD = 'calm' AND METADATA_SEASON = 'summer'")
    assert sorted(r["DOCUMENT_ID"] for r in rows) == sorted(changed)


def test_other_shapes_malformed_values_and_hostile_names(session, store, emulator):
    store.add_collection(shapes_collection(), namespace=NAMESPACE)
    store.put_documents(
        SHAPES,
        [
            shapes_document(0),
            shapes_document(1, aired_at="nope", episode="seven", rating="abc", explicit="maybe", transcript="none"),
            shapes_document(2, aired_at="2026-01-03T08:30:00+02:00", rating="4.25", explicit="true"),
            shapes_document(3, aired_at=12, episode=None, transcript={"start": 1}, **{"Price (USD)": {"x": 1}}),
            shapes_document(4, aired_at="2026-02-30T00:00:00Z"),
        ],
    )
    assert sync(session, SHAPES, include_vectors=True)["inserted"] == 5
    made = views(session, SHAPES)
    assert made["vector_type"] is False and made["warnings"] == []
    rows = query(
        session,
        'SELECT DOCUMENT_ID, AIRED_AT, EPISODE, RATING, EXPLICIT, PRICE_USD, SELECT_, WE_IRD_NAME, A_B, "EMBEDDING", '
        "EMBEDDING_TEXT_VECTOR FROM MIXPEEK_PODCAST_EPISODES ORDER BY DOCUMENT_ID",
    )
    got = [(r["AIRED_AT"], r["EPISODE"], r["RATING"], r["EXPLICIT"], r["PRICE_USD"]) for r in rows]
    assert got == [
        (datetime(2026, 1, 1, 8, 30), 0, 4.5, False, 1.99),
        (None, None, None, None, 1.99),
        (datetime(2026, 1, 3, 6, 30), 2, 4.25, True, 1.99),
        (None, None, 4.5, False, None),
        (None, 4, 4.5, False, 1.99),
    ]
    assert {(r["SELECT_"], r["WE_IRD_NAME"], r["A_B"]) for r in rows} == {("chosen", "odd", "dotted")}
    first = rows[0]["DOCUMENT_ID"]
    assert json.loads(rows[0]["EMBEDDING"]) == vector_for(first, "clip", 4)
    assert json.loads(rows[0]["EMBEDDING_TEXT_VECTOR"]) == vector_for(first, "text_vector", 3)
    segments = query(
        session,
        "SELECT DOCUMENT_ID, ITEM_INDEX, START_, END_, TEXT, SPEAKER_NAME FROM MIXPEEK_PODCAST_EPISODES_TRANSCRIPT "
        "ORDER BY DOCUMENT_ID, ITEM_INDEX",
    )
    assert [(s["DOCUMENT_ID"][-1], s["ITEM_INDEX"]) for s in segments] == [
        ("0", 0),
        ("0", 1),
        ("2", 0),
        ("2", 1),
        ("4", 0),
        ("4", 1),
    ]
    assert (segments[1]["START_"], segments[1]["END_"], segments[1]["SPEAKER_NAME"]) == (4.5, 9.0, "Ben")


def test_dry_run_creates_nothing(session, store, emulator):
    sync(session)
    summary = views(session, dry_run=True)
    assert len(summary["statements"]) == len(summary["views"]) == 3
    assert view_names(session) == []


def test_bad_options_fail_before_any_request(session, store, emulator):
    with pytest.raises(InvalidArgument) as caught:
        views(session, sample_rows=-5)
    assert caught.value.argument == "option sample_rows"
    assert emulator.request_count() == 0


def test_vector_type_true_fails_clearly_on_the_local_engine(session, store, emulator):
    sync(session)
    with pytest.raises(MixpeekSnowflakeError, match="vector_type is true, but this engine has no VECTOR"):
        views(session, vector_type=True)
    assert view_names(session) == []


def test_views_before_any_sync_say_what_to_do(session, store, emulator):
    with pytest.raises(InvalidArgument, match="MIXPEEK_DOCUMENTS does not exist; run sync_mixpeek_collection first"):
        views(session)
