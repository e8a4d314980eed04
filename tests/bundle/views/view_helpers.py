"""Helpers for the view tests: call the handlers, read views, and build collections of several shapes."""

from __future__ import annotations

import copy
from typing import Any

from local_world import create_mixpeek_views, sync_mixpeek_collection

from mixpeek_local.emulator import Store, seed_collection

COLLECTION = "col_viewtest01"
SHAPES = "col_shapes0001"
NAMESPACE = "ns_demo"
API_KEY = "mxp_views_canary_key_41d9e2"
MAIN_VIEW = "MIXPEEK_PRODUCT_MEDIA"


def seeded_store(documents: int = 60) -> Store:
    """A Store holding the seeded product-media collection."""
    store = Store()
    seed_collection(store, documents=documents, seed=5, namespace=NAMESPACE, collection_id=COLLECTION)
    return store


def sync(session: Any, collection: str = COLLECTION, mode: str = "full", **options: Any) -> dict[str, Any]:
    """CALL sync_mixpeek_collection through the handler Snowflake runs."""
    return sync_mixpeek_collection(session, collection, "MIXPEEK_DOCUMENTS", mode, options or None)


def views(session: Any, collection: str = COLLECTION, **options: Any) -> dict[str, Any]:
    """CALL create_mixpeek_views through the handler Snowflake runs."""
    return create_mixpeek_views(session, collection, options or None)


def query(session: Any, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    return [row.as_dict() for row in session.sql(sql, params=params).collect()]


def columns(summary: dict[str, Any], view: str) -> dict[str, str]:
    """Column name -> type of one view in a create_mixpeek_views summary, by its unqualified name."""
    found = [v for v in summary["views"] if v["name"].rsplit(".", 1)[-1] == view]
    assert found, f"no view {view} in {[v['name'] for v in summary['views']]}"
    return {c["name"]: c["type"] for c in found[0]["columns"]}


def view_names(session: Any) -> list[str]:
    return sorted(r["TABLE_NAME"] for r in query(session, "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.VIEWS"))


def with_schema(store: Store, collection_id: str, properties: dict[str, Any], **changes: Any) -> None:
    """Replace a collection's output schema (and any other top-level fields) in the emulator."""
    collection = copy.deepcopy(store.get_collection(collection_id))
    collection.pop("document_count", None)
    collection.update(changes, output_schema={"properties": properties})
    store.add_collection(collection, namespace=NAMESPACE)


SHAPES_PROPERTIES: dict[str, Any] = {
    "title": {"type": "string", "description": "Episode title"},
    "aired_at": {"type": "datetime"},
    "episode": {"type": "integer"},
    "rating": {"type": "number"},
    "explicit": {"type": "boolean"},
    "Price (USD)": {"type": "float"},
    "select": {"type": "string"},
    'we\'ird "name"': {"type": "string"},
    "a.b": {"type": "string"},
    "poster": {"type": "image"},
    "transcript": {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "start": {"type": "float"},
                "end": {"type": "float"},
                "text": {"type": "string"},
                "speaker": {"type": "object", "properties": {"name": {"type": "string"}}},
            },
        },
    },
}


def shapes_collection() -> dict[str, Any]:
    """A podcast-like collection: transcript segments, dates, hostile names, two vector indexes."""
    index = {"type": "single", "index": {"name": "x", "distance": "cosine", "inference_name": "x"}}
    return {
        "collection_id": SHAPES,
        "collection_name": "podcast episodes",
        "feature_extractor": {
            "feature_extractor_name": "audio_extractor",
            "version": "v1",
            "feature_extractor_id": "audio",
        },
        "source": {"type": "bucket", "bucket_ids": ["bkt_shapes0001"]},
        "output_schema": {"properties": SHAPES_PROPERTIES},
        "vector_indexes": [
            {**index, "name": "clip", "index": {**index["index"], "dimensions": 4}},
            {**index, "name": "text_vector", "index": {**index["index"], "dimensions": 3}},
        ],
    }


def shapes_document(number: int, **fields: Any) -> dict[str, Any]:
    """One podcast document; `fields` override the well-formed defaults."""
    stamp = f"2026-02-{number + 1:02d}T10:00:00Z"
    document = {
        "document_id": f"doc_shape{number:07d}",
        "collection_id": SHAPES,
        "metadata": {"show": "Field Notes", "season": 2},
        "title": f"Episode {number}",
        "aired_at": f"2026-01-{number + 1:02d}T08:30:00Z",
        "episode": number,
        "rating": 4.5,
        "explicit": False,
        "Price (USD)": 1.99,
        "select": "chosen",
        'we\'ird "name"': "odd",
        "a.b": "dotted",
        "poster": {"url": "s3://posters/p.jpg"},
        "transcript": [
            {"start": 0.0, "end": 4.5, "text": "Welcome back.", "speaker": {"name": "Ana"}},
            {"start": 4.5, "end": 9.0, "text": "Today: rivers.", "speaker": {"name": "Ben"}},
        ],
        "_internal": {"created_at": stamp, "updated_at": stamp, "modality": "audio", "namespace_id": NAMESPACE},
    }
    document.update(fields)
    return document
