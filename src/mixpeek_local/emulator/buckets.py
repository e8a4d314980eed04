"""Buckets, their objects and batches in memory, kept beside a Store (which the documents stay in)."""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from typing import Any

from .store import DEFAULT_NAMESPACE, Store

ATTRIBUTE = "_bucket_state"
# The bucket the demo and a standalone emulator hold: one blob property per kind of file a stage may hold.
DEMO_BUCKET = "bkt_demo000001"
DEMO_PROPERTIES = {"image": "image", "video": "video", "audio": "audio", "pdf": "pdf", "text": "text"}


@dataclass
class BucketState:
    """Every bucket, object and batch of one Store; `blobs` keeps each object's fetched bytes, by object id."""

    lock: threading.RLock = field(default_factory=threading.RLock)
    buckets: dict[str, dict[str, Any]] = field(default_factory=dict)
    namespaces: dict[str, str] = field(default_factory=dict)
    objects: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)
    keys: dict[tuple[str, str], str] = field(default_factory=dict)
    batches: dict[str, dict[str, Any]] = field(default_factory=dict)
    counter: int = 0

    def next_id(self, prefix: str) -> str:
        """A deterministic id: prefix + 12 hex digits counting the ids made."""
        with self.lock:
            self.counter += 1
            return f"{prefix}{self.counter:012x}"


def state_of(store: Store) -> BucketState:
    """The bucket state of a store, made on first use."""
    with store.lock:
        found = getattr(store, ATTRIBUTE, None)
        if found is None:
            found = BucketState()
            setattr(store, ATTRIBUTE, found)
        return found


def add_bucket(
    store: Store,
    bucket_id: str,
    properties: dict[str, str],
    namespace: str = DEFAULT_NAMESPACE,
    bucket_name: str | None = None,
) -> str:
    """Create a bucket (BucketResponse shape) whose schema has these properties (name → type)."""
    state = state_of(store)
    stamp = store.clock.tick()
    bucket = {
        "bucket_id": bucket_id,
        "bucket_name": bucket_name or bucket_id,
        "bucket_schema": {"properties": {name: {"type": kind} for name, kind in properties.items()}},
        "created_at": stamp,
        "updated_at": stamp,
        "status": "ACTIVE",
    }
    with state.lock:
        state.buckets[bucket_id] = bucket
        state.namespaces[bucket_id] = namespace
        state.objects.setdefault(bucket_id, {})
    if store.resolve_namespace(namespace) is None:
        store.add_namespace(namespace)
    return bucket_id


def bucket_view(state: BucketState, bucket_id: str) -> dict[str, Any]:
    """A BucketResponse with live counts."""
    with state.lock:
        objects = state.objects[bucket_id]
        size = sum(len(state.blobs.get(object_id, b"")) for object_id in objects)
        return {**copy.deepcopy(state.buckets[bucket_id]), "object_count": len(objects), "total_size_bytes": size}


def find_bucket(state: BucketState, identifier: str, namespace_id: str | None) -> str | None:
    """The id of the bucket with this id or name in the namespace, or None."""
    with state.lock:
        for bucket_id, bucket in state.buckets.items():
            if state.namespaces[bucket_id] == namespace_id and identifier in (bucket_id, bucket["bucket_name"]):
                return bucket_id
    return None
