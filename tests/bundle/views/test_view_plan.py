"""Collection schemas of several shapes mapped to view plans (pure: no engine, no SQL)."""

from __future__ import annotations

from typing import Any

import pytest
from bundle.views.view_helpers import COLLECTION, SHAPES_PROPERTIES, seeded_store, shapes_collection

from mixpeek_snowflake.snowflake.identifiers import validate_part
from mixpeek_snowflake.views.specs import (
    DOCUMENT,
    DOCUMENT_COLUMNS,
    INDEX,
    ITEM,
    TABLE,
    ViewSpec,
    default_prefix,
    plan_views,
)


def by_name(view: ViewSpec) -> dict[str, Any]:
    return {c.name: c for c in view.columns}


def types(view: ViewSpec) -> dict[str, str]:
    return {c.name: c.type for c in view.columns}


def minimal(properties: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    collection = {"collection_id": "col_min0000001", "collection_name": "min", **extra}
    if properties is not None:
        collection["output_schema"] = {"properties": properties}
    return collection


@pytest.fixture(scope="module")
def seeded() -> dict[str, Any]:
    return seeded_store(documents=1).get_collection(COLLECTION)


def test_seeded_collection_gives_typed_documents_view_and_child_views(seeded):
    plan = plan_views(seeded)
    main, *children = plan.views
    assert main.name == "MIXPEEK_PRODUCT_MEDIA" and main.array_path is None
    assert [c.name for c in main.columns][: len(DOCUMENT_COLUMNS)] == list(DOCUMENT_COLUMNS)
    assert {
        "TITLE": "VARCHAR",
        "DESCRIPTION": "VARCHAR",
        "METADATA_PRICE": "FLOAT",
        "METADATA_IN_STOCK": "BOOLEAN",
        "METADATA_TAGS": "VARIANT",
        "WIDTH": "NUMBER(38,0)",
        "DURATION_SECONDS": "FLOAT",
        "DETECTED_OBJECTS": "VARIANT",
        "EMBEDDING": "VARIANT",
    }.items() <= types(main).items()
    assert "METADATA_2" not in types(main)
    assert [(v.name, v.array_path) for v in children] == [
        ("MIXPEEK_PRODUCT_MEDIA_METADATA_TAGS", ("metadata", "tags")),
        ("MIXPEEK_PRODUCT_MEDIA_DETECTED_OBJECTS", ("detected_objects",)),
    ]
    assert types(children[1]) == {
        "DOCUMENT_ID": "VARCHAR",
        "COLLECTION_ID": "VARCHAR",
        "UPDATED_AT": "TIMESTAMP_NTZ",
        "ITEM_INDEX": "NUMBER(38,0)",
        "LABEL": "VARCHAR",
        "CONFIDENCE": "FLOAT",
        "BBOX": "VARIANT",
    }
    assert types(children[0])["VALUE"] == "VARCHAR"
    assert plan.warnings == ()


def test_columns_know_where_their_values_come_from(seeded):
    main, _tags, objects = plan_views(seeded).views
    price = by_name(main)["METADATA_PRICE"]
    assert (price.origin, price.path) == (DOCUMENT, ("metadata", "price"))
    assert by_name(main)["UPDATED_AT"].origin == TABLE
    assert (by_name(objects)["LABEL"].origin, by_name(objects)["LABEL"].path) == (ITEM, ("label",))
    assert by_name(objects)["ITEM_INDEX"].origin == INDEX
    assert by_name(main)["EMBEDDING"].path == ("multimodal_embedding",)


def test_taxonomy_best_match_columns(seeded):
    main = plan_views(seeded).views[0]
    taxonomy = seeded["taxonomy_applications"][0]["taxonomy_id"]
    stem = "TAXONOMY_" + taxonomy.upper()
    label, score, node = (by_name(main)[f"{stem}_{s}"] for s in ("LABEL", "SCORE", "NODE_ID"))
    assert label.path == ("_internal", f"_taxonomy_{taxonomy}_label") and label.type == "VARCHAR"
    assert score.type == "FLOAT" and node.path[1] == f"_taxonomy_{taxonomy}_id"
    assert "MIXPEEK_DOCUMENT_LABELS" in label.comment


def test_vector_columns_only_when_asked(seeded):
    assert "EMBEDDING_VECTOR" not in types(plan_views(seeded).views[0])
    vector = by_name(plan_views(seeded, vector_type=True).views[0])["EMBEDDING_VECTOR"]
    assert (vector.type, vector.dimensions, vector.path) == ("VECTOR(FLOAT, 8)", 8, ("multimodal_embedding",))


def test_several_vector_indexes_and_bad_dimensions():
    indexes = [
        {"name": "clip", "index": {"dimensions": 512}},
        {"name": "text vector", "index": {"dimensions": 4097}},
        {"index": {"dimensions": 3}},
        {"name": "tiny", "index": {"dimensions": True}},
    ]
    plan = plan_views(minimal({}, vector_indexes=indexes), vector_type=True)
    embedding = {k: v for k, v in types(plan.views[0]).items() if k.startswith("EMBEDDING")}
    assert embedding == {
        "EMBEDDING": "VARIANT",
        "EMBEDDING_VECTOR": "VECTOR(FLOAT, 512)",
        "EMBEDDING_TEXT_VECTOR": "VARIANT",
        "EMBEDDING_TINY": "VARIANT",
    }
    assert len(plan.warnings) == 3
    assert any("text vector" in w and "1..4096" in w for w in plan.warnings)
    assert any("vector index 2 skipped" in w for w in plan.warnings)


def test_shapes_collection_transcript_segments_dates_and_hostile_names():
    plan = plan_views(shapes_collection(), vector_type=True)
    main, transcript = plan.views
    assert main.name == "MIXPEEK_PODCAST_EPISODES"
    assert {
        "TITLE": "VARCHAR",
        "AIRED_AT": "TIMESTAMP_NTZ",
        "EPISODE": "NUMBER(38,0)",
        "RATING": "FLOAT",
        "EXPLICIT": "BOOLEAN",
        "PRICE_USD": "FLOAT",
        "SELECT_": "VARCHAR",
        "WE_IRD_NAME": "VARCHAR",
        "A_B": "VARCHAR",
        "POSTER": "VARIANT",
        "EMBEDDING_VECTOR": "VECTOR(FLOAT, 4)",
        "EMBEDDING_TEXT_VECTOR_VECTOR": "VECTOR(FLOAT, 3)",
    }.items() <= types(main).items()
    assert by_name(main)["WE_IRD_NAME"].path == ('we\'ird "name"',)
    assert by_name(main)["TITLE"].comment == "Episode title [title (string, declared in the output schema)]"
    assert transcript.name == "MIXPEEK_PODCAST_EPISODES_TRANSCRIPT"
    assert list(types(transcript))[4:] == ["START_", "END_", "TEXT", "SPEAKER_NAME"]
    assert by_name(transcript)["SPEAKER_NAME"].path == ("speaker", "name")
    assert by_name(transcript)["END_"].comment.startswith("transcript[].end (float")


def test_hostile_names_are_deduplicated_and_never_shadow_document_columns():
    properties = {
        "Document Id": {"type": "string"},
        "document_id": {"type": "string"},
        "price_usd": {"type": "integer"},
        "Price (USD)": {"type": "float"},
        "PRICE-USD": {"type": "boolean"},
        "": {"type": "string"},
        "bad\nname": {"type": "string"},
        "x" * 300: {"type": "string"},
        "ok": "not a schema object",
    }
    plan = plan_views(minimal(properties))
    main = plan.views[0]
    names = [c.name for c in main.columns]
    assert len(names) == len(set(names))
    assert all(validate_part(n, "column") == n for n in names)
    fields = {c.name: c.path for c in main.columns if c.origin == DOCUMENT}
    assert fields == {
        "DOCUMENT_ID_2": ("Document Id",),
        "PRICE_USD": ("price_usd",),
        "PRICE_USD_2": ("Price (USD)",),
        "PRICE_USD_3": ("PRICE-USD",),
        "OK": ("ok",),
    }
    assert types(main)["OK"] == "VARIANT"
    assert len(plan.warnings) == 3 and all("skipped" in w for w in plan.warnings)


def test_types_that_are_not_columns_become_variant():
    leaf = {"type": "object", "properties": {"c": {"type": "integer"}}}
    deep = {"type": "object", "properties": {"a": {"type": "object", "properties": {"b": leaf}}}}
    properties = {
        "d": {"type": "date"},
        "clip": {"type": "video"},
        "nullable": {"type": ["string", "null"]},
        "geo": {"type": "geopoint"},
        "free": {"type": "object"},
        "l1": {"type": "object", "properties": {"l2": {"type": "object", "properties": {"l3": deep}}}},
        "untyped_list": {"type": "array"},
    }
    main, untyped = plan_views(minimal(properties)).views
    assert {k: v for k, v in types(main).items() if k not in DOCUMENT_COLUMNS} == {
        "D": "TIMESTAMP_NTZ",
        "CLIP": "VARIANT",
        "NULLABLE": "VARIANT",
        "GEO": "VARIANT",
        "FREE": "VARIANT",
        "L1_L2_L3_A_B": "VARIANT",
        "UNTYPED_LIST": "VARIANT",
    }
    assert by_name(main)["L1_L2_L3_A_B"].path == ("l1", "l2", "l3", "a", "b")
    assert types(untyped)["VALUE"] == "VARIANT"


def test_no_output_schema_types_fields_from_samples():
    samples = [
        {"title": "a", "metadata": {"price": 2, "launched": "2026-01-02"}, "_vectors": ["x"], "vec": [0.1]},
        {"title": "b", "metadata": {"price": 2.5}, "document_blobs": [], "searchable_at": "2026-01-02T00:00:00Z"},
    ]
    plan = plan_views(minimal(None, vector_indexes=[{"name": "vec"}]), samples=samples)
    main = plan.views[0]
    fields = {k: v for k, v in types(main).items() if k not in DOCUMENT_COLUMNS}
    assert fields == {
        "METADATA_LAUNCHED": "TIMESTAMP_NTZ",
        "METADATA_PRICE": "FLOAT",
        "TITLE": "VARCHAR",
        "EMBEDDING": "VARIANT",
    }
    assert by_name(main)["METADATA_PRICE"].comment == "metadata.price (number, inferred from 2 sampled values)"


def test_declared_metadata_without_properties_is_typed_from_samples():
    plan = plan_views(minimal({"metadata": {"type": "object"}}), samples=[{"metadata": {"sku": "A-1"}}])
    assert types(plan.views[0])["METADATA_SKU"] == "VARCHAR"


def test_output_schema_without_properties_is_reported():
    plan = plan_views({"collection_id": "col_x", "output_schema": {"fields": []}})
    assert plan.warnings == ("the collection's output_schema has no properties object; only sampled fields are typed",)


def test_prefixes():
    assert default_prefix({"collection_id": "col_abc", "collection_name": "Product Media 2026"}) == (
        "MIXPEEK_PRODUCT_MEDIA_2026"
    )
    assert default_prefix({"collection_id": "col_abc123"}) == "MIXPEEK_COL_ABC123"
    assert plan_views(minimal({"tags": {"type": "array"}}), prefix="BI_MIN").views[1].name == "BI_MIN_TAGS"


def test_every_declared_field_of_the_shapes_schema_is_mapped():
    main = plan_views(shapes_collection()).views[0]
    paths = {c.path[0] for c in main.columns if c.origin == DOCUMENT}
    assert set(SHAPES_PROPERTIES) <= paths
