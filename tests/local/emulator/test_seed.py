"""Seeded data: deterministic, realistic, following the DocumentResponse and CollectionResponse shapes."""

from __future__ import annotations

import json
import re
from collections import Counter

from mixpeek_local.emulator import Store, seed_collection

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")


def seeded(documents=400, seed=7):
    store = Store()
    return store, seed_collection(store, documents=documents, seed=seed)


def test_seed_is_deterministic():
    (a, col_a), (b, col_b) = seeded(seed=3), seeded(seed=3)
    assert col_a == col_b and a.documents(col_a) == b.documents(col_b)
    c, col_c = seeded(seed=4)
    assert c.documents(col_c) != a.documents(col_a)


def test_ids_and_timestamps():
    store, collection_id = seeded()
    assert re.match(r"^col_[a-z0-9]{10}$", collection_id)
    docs = store.documents(collection_id)
    assert len({d["document_id"] for d in docs}) == 400
    for doc in docs:
        assert re.match(r"^doc_[0-9a-f]{12}$", doc["document_id"])
        internal = doc["_internal"]
        assert TIMESTAMP.match(internal["created_at"]) and TIMESTAMP.match(internal["updated_at"])
        assert internal["created_at"] <= internal["updated_at"] <= store.clock.now()
    assert any(d["_internal"]["created_at"] < d["_internal"]["updated_at"] for d in docs)


def test_documents_are_realistic():
    store, collection_id = seeded()
    docs = store.documents(collection_id)
    sizes = [len(json.dumps(d, separators=(",", ":"))) for d in docs]
    assert 1500 <= sum(sizes) / len(sizes) <= 2600
    modalities = Counter(d["_internal"]["modality"] for d in docs)
    assert set(modalities) == {"video", "image", "audio", "text"}
    for doc in docs:
        meta = doc["metadata"]
        assert isinstance(meta["price"], float) and isinstance(meta["in_stock"], bool)
        assert isinstance(meta["tags"], list) and meta["sku"] and meta["brand"] and meta["category"]
        assert doc["_internal"]["lineage"]["source_type"] == "bucket"
        assert {b["role"] for b in doc["document_blobs"]} <= {
            "source",
            "processed",
            "thumbnail",
            "artifact",
            "aux",
        }
        if doc["_internal"]["modality"] in ("video", "audio"):
            assert doc["transcript"]
        if doc["_internal"]["mime_type"] == "application/pdf":
            assert doc["document_blobs"][0]["type"] == "pdf"


def test_taxonomy_fields():
    store, collection_id = seeded()
    collection = store.get_collection(collection_id)
    flat, tree = (t["taxonomy_id"] for t in collection["taxonomy_applications"])
    docs = store.documents(collection_id)
    with_flat = [d for d in docs if f"_taxonomy_{flat}_id" in d["_internal"]]
    with_tree = [d for d in docs if f"_taxonomy_{tree}_path" in d["_internal"]]
    bare = [d for d in docs if not any(k.startswith("_taxonomy_") for k in d["_internal"])]
    assert len(with_flat) > len(docs) * 0.7 and 0 < len(with_tree) < len(docs) and bare
    assignments = with_flat[0]["_internal"][f"_taxonomy_{flat}_assignments"]
    assert [a["rank"] for a in assignments] == [1, 2, 3]
    assert assignments[0]["label"] == with_flat[0]["_internal"][f"_taxonomy_{flat}_label"]
    assert isinstance(with_tree[0]["_internal"][f"_taxonomy_{tree}_path"], list)


def test_collection_shape():
    store, collection_id = seeded(documents=10)
    collection = store.get_collection(collection_id)
    assert collection["document_count"] == 10 and collection["enabled"] is True
    assert collection["source"]["type"] == "bucket" and collection["source"]["bucket_ids"][0].startswith("bkt_")
    assert collection["feature_extractor"]["feature_extractor_name"]
    assert {"title", "metadata", "transcript"} <= set(collection["output_schema"]["properties"])
    assert store.get_collection("product-media")["collection_id"] == collection_id
