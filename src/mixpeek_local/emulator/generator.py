"""Deterministic generator of realistic Mixpeek documents (DocumentResponse shape) for one collection."""

from __future__ import annotations

import math
import random
import string
import zlib
from dataclasses import dataclass
from typing import Any

from . import vocab

ALNUM = string.ascii_lowercase + string.digits
ORG_ID = "org_emulator0001"
MEDIA_BUCKET = "mxp-media"


@dataclass(frozen=True)
class Modality:
    """One kind of source media: its modality, MIME type, extension and blob type."""

    name: str
    mime_type: str
    extension: str
    blob_type: str
    weight: int


MODALITIES = (
    Modality("video", "video/mp4", "mp4", "video", 3),
    Modality("image", "image/jpeg", "jpg", "image", 4),
    Modality("image", "image/png", "png", "image", 1),
    Modality("audio", "audio/mpeg", "mp3", "audio", 2),
    Modality("text", "application/pdf", "pdf", "pdf", 2),
    Modality("text", "text/plain", "txt", "text", 1),
)


@dataclass(frozen=True)
class CollectionContext:
    """The ids a collection's documents point at: namespace, bucket, taxonomies, vector index."""

    collection_id: str
    namespace_id: str
    bucket_id: str
    flat_taxonomy_id: str
    hierarchical_taxonomy_id: str
    vector_name: str = "multimodal_embedding"
    dimensions: int = 8


def random_id(rng: random.Random, prefix: str, length: int, alphabet: str = ALNUM) -> str:
    """An id like `col_` + `length` characters drawn from `alphabet`."""
    return prefix + "".join(rng.choice(alphabet) for _ in range(length))


def node_id(taxonomy_id: str, label: str) -> str:
    """A stable taxonomy node id for a label."""
    return f"node_{zlib.crc32(f'{taxonomy_id}:{label}'.encode()):08x}"


def vector_for(document_id: str, name: str, dimensions: int = 8) -> list[float]:
    """A deterministic unit vector for a document and index name."""
    rng = random.Random(zlib.crc32(f"{document_id}:{name}".encode()))
    raw = [rng.gauss(0.0, 1.0) for _ in range(dimensions)]
    norm = math.sqrt(sum(x * x for x in raw)) or 1.0
    return [round(x / norm, 6) for x in raw]


class DocumentFactory:
    """Makes documents for one collection from a seeded random stream."""

    def __init__(self, rng: random.Random, context: CollectionContext) -> None:
        self.rng = rng
        self.context = context

    def new_document_id(self) -> str:
        """A fresh `doc_` + 12 hex id."""
        return random_id(self.rng, "doc_", 12, string.hexdigits[:16])

    def make(self, document_id: str, created_at: str, updated_at: str) -> dict[str, Any]:
        """One realistic document with the given id and timestamps."""
        rng = self.rng
        modality = rng.choices(MODALITIES, weights=[m.weight for m in MODALITIES])[0]
        path = rng.choice(vocab.HIERARCHY)
        object_id = random_id(rng, "obj_", 12)
        blobs = self._blobs(modality, object_id)
        document: dict[str, Any] = {
            "document_id": document_id,
            "collection_id": self.context.collection_id,
            "metadata": self._metadata(path),
        }
        document["title"] = document["metadata"]["title"]
        document["description"] = self._sentences(1, 2)
        document.update(self._modality_fields(modality))
        document["document_blobs"] = blobs
        document["searchable_at"] = updated_at
        document["_internal"] = self._internal(document_id, created_at, updated_at, modality, object_id, blobs)
        document["_internal"].update(self._taxonomy_fields(path))
        return document

    def _metadata(self, path: tuple[str, ...]) -> dict[str, Any]:
        rng = self.rng
        brand = rng.choice(vocab.BRANDS)
        color = rng.choice(vocab.COLORS)
        noun = vocab.NOUNS[path[-1]]
        return {
            "sku": f"SKU-{rng.randint(10000, 99999)}-{color[:3].upper()}",
            "title": f"{brand} {rng.choice(vocab.ADJECTIVES).capitalize()} {color} {noun}",
            "brand": brand,
            "price": round(rng.uniform(4.99, 499.99), 2),
            "in_stock": rng.random() < 0.8,
            "tags": sorted(rng.sample(vocab.TAGS, rng.randint(1, 4))),
            "category": path[1],
            "color": color,
        }

    def _sentences(self, low: int, high: int) -> str:
        return " ".join(self.rng.sample(vocab.SENTENCES, self.rng.randint(low, high)))

    def _modality_fields(self, modality: Modality) -> dict[str, Any]:
        rng = self.rng
        if modality.name == "video":
            return {
                "transcript": self._sentences(2, 3),
                "detected_objects": self._objects(),
                "duration_seconds": round(rng.uniform(6, 180), 1),
                "scene": rng.choice(vocab.SCENES),
            }
        if modality.name == "image":
            return {
                "detected_objects": self._objects(),
                "width": rng.choice((800, 1080, 1200, 1600, 2048)),
                "height": rng.choice((600, 1080, 1350, 1600)),
                "scene": rng.choice(vocab.SCENES),
            }
        if modality.name == "audio":
            return {
                "transcript": self._sentences(2, 4),
                "duration_seconds": round(rng.uniform(15, 600), 1),
                "language": rng.choice(vocab.LANGUAGES),
            }
        return {
            "page_count": rng.randint(1, 40),
            "text_excerpt": self._sentences(2, 3),
            "language": rng.choice(vocab.LANGUAGES),
        }

    def _objects(self) -> list[dict[str, Any]]:
        rng = self.rng
        found = []
        for label in rng.sample(vocab.OBJECT_LABELS, rng.randint(1, 3)):
            x, y = round(rng.uniform(0, 0.7), 3), round(rng.uniform(0, 0.7), 3)
            box = [x, y, round(x + rng.uniform(0.05, 0.3), 3), round(y + rng.uniform(0.05, 0.3), 3)]
            found.append({"label": label, "confidence": round(rng.uniform(0.5, 0.99), 3), "bbox": box})
        return found

    def _blobs(self, modality: Modality, object_id: str) -> list[dict[str, Any]]:
        base = f"s3://{MEDIA_BUCKET}/{object_id}"
        source = {
            "field": f"source_{modality.blob_type}",
            "url": f"{base}.{modality.extension}",
            "role": "source",
            "type": modality.blob_type,
            "content_type": modality.mime_type,
            "size_bytes": self.rng.randint(20_000, 80_000_000),
        }
        thumbnail = {"field": "thumbnail", "url": f"{base}_thumb.jpg", "role": "thumbnail", "type": "image"}
        return [source, thumbnail]

    def _internal(
        self,
        document_id: str,
        created_at: str,
        updated_at: str,
        modality: Modality,
        object_id: str,
        blobs: list[dict[str, Any]],
    ) -> dict[str, Any]:
        ctx, rng = self.context, self.rng
        return {
            "internal_id": ORG_ID,
            "namespace_id": ctx.namespace_id,
            "document_id": document_id,
            "collection_id": ctx.collection_id,
            "created_at": created_at,
            "updated_at": updated_at,
            "lineage": {
                "root_object_id": object_id,
                "root_bucket_id": ctx.bucket_id,
                "source_type": "bucket",
                "source_object_id": object_id,
                "source_document_id": None,
                "source_collection_id": None,
                "path": f"{ctx.bucket_id}/{ctx.collection_id}",
                "chain": [],
            },
            "processing": {"source_url": blobs[0]["url"], "history": [], "taxonomy_lineage": []},
            "source_blobs": [{"property": blobs[0]["field"], "url": blobs[0]["url"], "type": modality.blob_type}],
            "document_blobs": [dict(blobs[1])],
            "modality": modality.name,
            "metadata": {"ingestion_status": "COMPLETED"},
            "mime_type": modality.mime_type,
            "size_bytes": blobs[0]["size_bytes"],
            "content_hash": "".join(rng.choice("0123456789abcdef") for _ in range(64)),
            "_acl": {"owner": None, "read": [], "write": [], "public": False},
        }

    def _taxonomy_fields(self, path: tuple[str, ...]) -> dict[str, Any]:
        roll = self.rng.random()
        if roll < 0.05:
            return {}
        fields = self._flat_fields() if roll < 0.9 else {}
        if self.rng.random() < 0.55:
            fields.update(self._hierarchical_fields(path))
        return fields

    def _flat_fields(self) -> dict[str, Any]:
        tax = self.context.flat_taxonomy_id
        labels = self.rng.sample(vocab.FLAT_LABELS, 3)
        scores = sorted((round(self.rng.uniform(0.3, 0.98), 4) for _ in labels), reverse=True)
        assignments = [
            {"node_id": node_id(tax, label), "label": label, "score": score, "rank": rank}
            for rank, (label, score) in enumerate(zip(labels, scores, strict=True), start=1)
        ]
        best = assignments[0]
        return {
            f"_taxonomy_{tax}_id": best["node_id"],
            f"_taxonomy_{tax}_label": best["label"],
            f"_taxonomy_{tax}_score": best["score"],
            f"_taxonomy_{tax}_assignments": assignments,
        }

    def _hierarchical_fields(self, path: tuple[str, ...]) -> dict[str, Any]:
        tax = self.context.hierarchical_taxonomy_id
        return {
            f"_taxonomy_{tax}_id": node_id(tax, "/".join(path)),
            f"_taxonomy_{tax}_label": path[-1],
            f"_taxonomy_{tax}_score": round(self.rng.uniform(0.55, 0.99), 4),
            f"_taxonomy_{tax}_path": list(path),
        }
