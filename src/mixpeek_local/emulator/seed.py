"""Seed a Store with a realistic collection (CollectionResponse shape) and its documents."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from .clock import format_timestamp, parse_timestamp
from .generator import CollectionContext, DocumentFactory, random_id
from .store import DEFAULT_NAMESPACE, Store
from .taxonomies import flat_taxonomy, hierarchical_taxonomy

EXTRACTOR = {"name": "multimodal_extractor", "version": "v1", "inference": "vertex_multimodal_embedding"}
UPDATED_SHARE = 0.3


def seed_collection(
    store: Store,
    documents: int = 200,
    seed: int = 7,
    namespace: str = DEFAULT_NAMESPACE,
    collection_id: str | None = None,
    collection_name: str = "product-media",
) -> str:
    """Create a collection with `documents` generated documents, deterministic from `seed`; returns its id."""
    rng = random.Random(seed)
    context = CollectionContext(
        collection_id=collection_id or random_id(rng, "col_", 10),
        namespace_id=namespace,
        bucket_id=random_id(rng, "bkt_", 10),
        flat_taxonomy_id=random_id(rng, "tax_", 10),
        hierarchical_taxonomy_id=random_id(rng, "tax_", 10),
    )
    created_at = store.clock.tick()
    store.add_collection(build_collection(context, collection_name, created_at), namespace=namespace)
    flat = flat_taxonomy(context.flat_taxonomy_id, context.collection_id, created_at)
    store.add_taxonomy(flat, namespace)
    store.add_taxonomy(hierarchical_taxonomy(context.hierarchical_taxonomy_id, created_at), namespace)
    factory = DocumentFactory(rng, context)
    store.set_factory(context.collection_id, factory)
    store.put_documents(context.collection_id, _documents(store, factory, documents))
    return context.collection_id


def _documents(store: Store, factory: DocumentFactory, count: int) -> list[dict[str, Any]]:
    rng = factory.rng
    ids: set[str] = set()
    created: list[tuple[str, str]] = []
    while len(created) < count:
        document_id = factory.new_document_id()
        if document_id not in ids:
            ids.add(document_id)
            created.append((document_id, store.clock.tick(timedelta(seconds=rng.uniform(1, 900)))))
    end = parse_timestamp(store.clock.now())
    return [factory.make(i, stamp, _updated(rng, stamp, end)) for i, stamp in created]


def _updated(rng: random.Random, created_at: str, end: Any) -> str:
    if rng.random() >= UPDATED_SHARE:
        return created_at
    start = parse_timestamp(created_at)
    return format_timestamp(start + (end - start) * rng.random())


def build_collection(context: CollectionContext, name: str, created_at: str) -> dict[str, Any]:
    """A CollectionResponse for the generated documents."""
    uri = f"mixpeek://{EXTRACTOR['name']}@{EXTRACTOR['version']}/{EXTRACTOR['inference']}"
    return {
        "collection_id": context.collection_id,
        "collection_name": name,
        "description": "Product photos, videos, audio and spec sheets, enriched with two taxonomies.",
        "feature_extractor": {
            "feature_extractor_name": EXTRACTOR["name"],
            "version": EXTRACTOR["version"],
            "feature_extractor_id": f"{EXTRACTOR['name']}_{EXTRACTOR['version']}",
            "params": {"model": EXTRACTOR["inference"], "dimensions": context.dimensions},
            "field_passthrough": [{"source_path": p} for p in ("title", "description", "metadata")],
            "include_all_source_fields": False,
        },
        "source": {"type": "bucket", "bucket_ids": [context.bucket_id]},
        "vector_indexes": [
            {
                "name": context.vector_name,
                "feature_uri": uri,
                "type": "single",
                "index": {
                    "name": f"{EXTRACTOR['name']}_{EXTRACTOR['version']}_embedding",
                    "dimensions": context.dimensions,
                    "distance": "cosine",
                    "inference_name": EXTRACTOR["inference"],
                },
            }
        ],
        "taxonomy_applications": [
            {"taxonomy_id": context.flat_taxonomy_id, "execution_mode": "materialize"},
            {"taxonomy_id": context.hierarchical_taxonomy_id, "execution_mode": "materialize"},
        ],
        "output_schema": {"properties": OUTPUT_PROPERTIES},
        "enabled": True,
        "created_at": created_at,
        "updated_at": created_at,
        "lifecycle_state": "active",
        "schema_version": 1,
        "schema_validation": "off",
        "taxonomy_count": 2,
        "retriever_count": 0,
        "indexing_status": "quiesced",
    }


OUTPUT_PROPERTIES: dict[str, Any] = {
    "title": {"type": "string"},
    "description": {"type": "text"},
    "metadata": {
        "type": "object",
        "properties": {
            "sku": {"type": "string"},
            "title": {"type": "string"},
            "brand": {"type": "string"},
            "price": {"type": "float"},
            "in_stock": {"type": "boolean"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "category": {"type": "string"},
            "color": {"type": "string"},
        },
    },
    "transcript": {"type": "text"},
    "text_excerpt": {"type": "text"},
    "detected_objects": {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "label": {"type": "string"},
                "confidence": {"type": "float"},
                "bbox": {"type": "array", "items": {"type": "float"}},
            },
        },
    },
    "duration_seconds": {"type": "float"},
    "width": {"type": "integer"},
    "height": {"type": "integer"},
    "page_count": {"type": "integer"},
    "language": {"type": "string"},
    "scene": {"type": "string"},
}
