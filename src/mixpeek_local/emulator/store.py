"""Thread-safe in-memory state: namespaces, collections, documents (copy-on-write) and the change feed."""

from __future__ import annotations

import bisect
import copy
import random
import threading
import zlib
from typing import Any

from .clock import LogicalClock, Pace
from .docpaths import deep_merge
from .generator import CollectionContext, DocumentFactory

DEFAULT_NAMESPACE = "ns_demo"
OPERATIONS = {"created": "insert", "updated": "update", "deleted": "delete"}


class Store:
    """The emulator's single source of truth, guarded by one lock.

    Stored documents are never mutated in place: every change replaces the dict, so a reader holding a
    reference keeps a consistent snapshot.
    """

    def __init__(self, start: str | None = None, pace: Pace | None = None) -> None:
        self.lock = threading.RLock()
        self.clock = LogicalClock(start, lock=self.lock, pace=pace)
        self._namespaces: dict[str, str] = {}
        self._collections: dict[str, dict[str, Any]] = {}
        self._collection_namespace: dict[str, str] = {}
        self._docs: dict[str, dict[str, dict[str, Any]]] = {}
        self._ids: dict[str, list[str]] = {}
        self._listed: dict[str, tuple[list[str], dict[str, dict[str, Any]]]] = {}
        self._factories: dict[str, DocumentFactory] = {}
        self._events: list[dict[str, Any]] = []
        self._retrievers: dict[str, dict[str, Any]] = {}
        self._taxonomies: dict[str, dict[str, Any]] = {}
        self._executions = 0

    def add_namespace(self, namespace_id: str, name: str | None = None) -> None:
        """Register a namespace id and the name that also resolves to it."""
        with self.lock:
            self._namespaces[namespace_id] = name or namespace_id.removeprefix("ns_")

    def resolve_namespace(self, value: str | None) -> str | None:
        """The namespace id an X-Namespace value (id or name) names, or None."""
        with self.lock:
            if value in self._namespaces:
                return value
            return next((ns for ns, name in self._namespaces.items() if name == value), None)

    def add_collection(self, collection: dict[str, Any], namespace: str = DEFAULT_NAMESPACE) -> str:
        """Add (or replace) a collection in a namespace; returns its id."""
        collection = copy.deepcopy(collection)
        collection_id = collection["collection_id"]
        with self.lock:
            if namespace not in self._namespaces:
                self.add_namespace(namespace)
            self._collections[collection_id] = collection
            self._collection_namespace[collection_id] = namespace
            self._docs.setdefault(collection_id, {})
            self._ids.setdefault(collection_id, [])
        return collection_id

    def set_factory(self, collection_id: str, factory: DocumentFactory) -> None:
        """Use this factory when add_document is asked to generate a document."""
        with self.lock:
            self._factories[collection_id] = factory

    def get_collection(self, id_or_name: str, namespace: str | None = None) -> dict[str, Any] | None:
        """A copy of a collection by id or name (optionally in one namespace), with a live document_count."""
        with self.lock:
            for collection_id, collection in self._collections.items():
                if namespace and self._collection_namespace[collection_id] != namespace:
                    continue
                if id_or_name in (collection_id, collection.get("collection_name")):
                    return {**copy.deepcopy(collection), "document_count": len(self._ids[collection_id])}
        return None

    def collections(self, namespace: str) -> list[dict[str, Any]]:
        """Copies of every collection in a namespace, sorted by id."""
        with self.lock:
            ids = sorted(c for c, ns in self._collection_namespace.items() if ns == namespace)
            return [c for c in (self.get_collection(i) for i in ids) if c is not None]

    def namespace_of(self, collection_id: str) -> str:
        """The namespace a collection lives in."""
        with self.lock:
            return self._collection_namespace[self._require(collection_id)]

    def put_documents(self, collection_id: str, docs: list[dict[str, Any]]) -> None:
        """Bulk-load documents as given (no change events); missing timestamps are filled from the clock."""
        with self.lock:
            self._require(collection_id)
            for doc in docs:
                self._store(collection_id, self._prepared(collection_id, doc))

    def add_document(self, collection_id: str, document: dict[str, Any] | None = None) -> dict[str, Any]:
        """Create a document (generated when None); emits document.created and returns a copy."""
        with self.lock:
            self._require(collection_id)
            doc = self._generated(collection_id) if document is None else self._prepared(collection_id, document, False)
            stamp = self.clock.tick()
            doc = deep_merge(doc, {"searchable_at": stamp, "_internal": {"created_at": stamp, "updated_at": stamp}})
            self._store(collection_id, doc)
            self._emit("document.created", collection_id, doc["document_id"], stamp)
            return copy.deepcopy(doc)

    def update_document(self, collection_id: str, document_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Deep-merge `changes` into a document, bump updated_at, emit document.updated; return a copy."""
        with self.lock:
            current = self._require_doc(collection_id, document_id)
            stamp = self.clock.tick()
            doc = deep_merge(current, changes)
            doc = deep_merge(doc, {"searchable_at": stamp, "_internal": {"updated_at": stamp}})
            self._docs[collection_id][document_id] = doc
            self._listed.pop(collection_id, None)
            self._emit("document.updated", collection_id, document_id, stamp)
            return copy.deepcopy(doc)

    def replace_document(self, collection_id: str, document: dict[str, Any]) -> dict[str, Any]:
        """Store a new version of an existing document; bumps updated_at and emits document.updated."""
        with self.lock:
            document_id = document["document_id"]
            self._require_doc(collection_id, document_id)
            stamp = self.clock.tick()
            doc = deep_merge(document, {"searchable_at": stamp, "_internal": {"updated_at": stamp}})
            self._docs[collection_id][document_id] = doc
            self._listed.pop(collection_id, None)
            self._emit("document.updated", collection_id, document_id, stamp)
            return copy.deepcopy(doc)

    def delete_document(self, collection_id: str, document_id: str) -> None:
        """Remove a document and emit document.deleted; KeyError when it does not exist."""
        with self.lock:
            self._require_doc(collection_id, document_id)
            del self._docs[collection_id][document_id]
            ids = self._ids[collection_id]
            del ids[bisect.bisect_left(ids, document_id)]
            self._listed.pop(collection_id, None)
            self._emit("document.deleted", collection_id, document_id, self.clock.tick())

    def documents(self, collection_id: str) -> list[dict[str, Any]]:
        """Deep copies of every document in a collection, sorted by document_id."""
        with self.lock:
            self._require(collection_id)
            return [copy.deepcopy(self._docs[collection_id][i]) for i in self._ids[collection_id]]

    def get_document(self, collection_id: str, document_id: str) -> dict[str, Any] | None:
        """A deep copy of one document, or None."""
        return copy.deepcopy(self.document_ref(collection_id, document_id))

    def document_ref(self, collection_id: str, document_id: str) -> dict[str, Any] | None:
        """The stored document itself (shared and read-only: never mutate it), or None."""
        with self.lock:
            return self._docs.get(collection_id, {}).get(document_id)

    def count(self, collection_id: str) -> int:
        """How many documents a collection holds."""
        with self.lock:
            return len(self._ids[self._require(collection_id)])

    def snapshot(self, collection_id: str) -> tuple[list[str], dict[str, dict[str, Any]]]:
        """Sorted ids and the id->document map as of now; the documents are read-only shared references."""
        with self.lock:
            self._require(collection_id)
            return list(self._ids[collection_id]), dict(self._docs[collection_id])

    def listing_snapshot(self, collection_id: str) -> tuple[list[str], dict[str, dict[str, Any]]]:
        """snapshot(), copied once per change of the collection and shared by every page listed until the next:
        read-only, never mutate the list or the map."""
        with self.lock:
            self._require(collection_id)
            listed = self._listed.get(collection_id)
            if listed is None:
                listed = self._listed[collection_id] = (list(self._ids[collection_id]), dict(self._docs[collection_id]))
            return listed

    def find_documents(self, namespace: str, document_ids: list[str]) -> list[dict[str, Any]]:
        """Stored documents (read-only) with these ids in any collection of a namespace, in request order."""
        with self.lock:
            collections = [c for c, ns in self._collection_namespace.items() if ns == namespace]
            found = (next((self._docs[c][i] for c in collections if i in self._docs[c]), None) for i in document_ids)
            return [doc for doc in found if doc is not None]

    def events(self) -> list[dict[str, Any]]:
        """Copies of the change feed, oldest first."""
        with self.lock:
            return copy.deepcopy(self._events)

    def events_after(self, seq: int) -> list[dict[str, Any]]:
        """Stored events (read-only) with a sequence number above `seq`."""
        with self.lock:
            return self._events[seq:]

    def add_retriever(self, retriever: dict[str, Any]) -> str:
        """Save a retriever (retriever_id, retriever_name, collection_ids, …) in its collections' namespace."""
        retriever = copy.deepcopy(retriever)
        with self.lock:
            namespaces = {self.namespace_of(c) for c in retriever["collection_ids"]}
            if len(namespaces) != 1:
                raise ValueError("a retriever's collections must share one namespace")
            retriever["namespace_id"] = namespaces.pop()
            self._retrievers[retriever["retriever_id"]] = retriever
        return retriever["retriever_id"]

    def get_retriever(self, id_or_name: str, namespace: str) -> dict[str, Any] | None:
        """A copy of a saved retriever by id or name in one namespace, or None."""
        with self.lock:
            for retriever_id, retriever in self._retrievers.items():
                if retriever["namespace_id"] == namespace and id_or_name in (retriever_id, retriever["retriever_name"]):
                    return copy.deepcopy(retriever)
        return None

    def add_taxonomy(self, taxonomy: dict[str, Any], namespace: str) -> str:
        """Save a taxonomy (TaxonomyResponse shape) in a namespace."""
        with self.lock:
            self._taxonomies[taxonomy["taxonomy_id"]] = {**copy.deepcopy(taxonomy), "_namespace": namespace}
        return taxonomy["taxonomy_id"]

    def get_taxonomy(self, id_or_name: str, namespace: str) -> dict[str, Any] | None:
        """A copy of a taxonomy by id or name in one namespace, or None."""
        with self.lock:
            for taxonomy_id, taxonomy in self._taxonomies.items():
                if taxonomy["_namespace"] == namespace and id_or_name in (taxonomy_id, taxonomy["taxonomy_name"]):
                    return {k: copy.deepcopy(v) for k, v in taxonomy.items() if k != "_namespace"}
        return None

    def next_execution_id(self) -> str:
        """A new, deterministic execution id: exec_ + 12 hex digits counting executions."""
        with self.lock:
            self._executions += 1
            return f"exec_{self._executions:012x}"

    def _require(self, collection_id: str) -> str:
        if collection_id not in self._collections:
            raise KeyError(f"unknown collection {collection_id!r}")
        return collection_id

    def _require_doc(self, collection_id: str, document_id: str) -> dict[str, Any]:
        doc = self._docs[self._require(collection_id)].get(document_id)
        if doc is None:
            raise KeyError(f"document {document_id!r} not found in collection {collection_id!r}")
        return doc

    def _store(self, collection_id: str, doc: dict[str, Any]) -> None:
        document_id = doc["document_id"]
        if document_id not in self._docs[collection_id]:
            bisect.insort(self._ids[collection_id], document_id)
        self._docs[collection_id][document_id] = doc
        self._listed.pop(collection_id, None)

    def _prepared(self, collection_id: str, document: dict[str, Any], stamped: bool = True) -> dict[str, Any]:
        """A copy of the document in the collection; with `stamped`, missing timestamps are the next tick."""
        doc = copy.deepcopy(document)
        doc.setdefault("document_id", self._factory(collection_id).new_document_id())
        doc["collection_id"] = collection_id
        internal = doc.setdefault("_internal", {})
        if stamped and ("created_at" not in internal or "updated_at" not in internal):
            stamp = self.clock.tick()
            internal.setdefault("created_at", stamp)
            internal.setdefault("updated_at", stamp)
        internal.setdefault("document_id", doc["document_id"])
        internal.setdefault("collection_id", collection_id)
        internal.setdefault("namespace_id", self._collection_namespace[collection_id])
        return doc

    def _generated(self, collection_id: str) -> dict[str, Any]:
        factory = self._factory(collection_id)
        document_id = factory.new_document_id()
        while document_id in self._docs[collection_id]:
            document_id = factory.new_document_id()
        stamp = self.clock.now()
        return factory.make(document_id, stamp, stamp)

    def _factory(self, collection_id: str) -> DocumentFactory:
        if collection_id not in self._factories:
            namespace = self._collection_namespace[collection_id]
            context = CollectionContext(collection_id, namespace, "bkt_emulator01", "tax_flat000001", "tax_tree000001")
            rng = random.Random(zlib.crc32(collection_id.encode()))
            self._factories[collection_id] = DocumentFactory(rng, context)
        return self._factories[collection_id]

    def _emit(self, event_type: str, collection_id: str, document_id: str, stamp: str) -> None:
        self._events.append(
            {
                "seq": len(self._events) + 1,
                "namespace_id": self._collection_namespace[collection_id],
                "event_type": event_type,
                "resource_type": event_type.split(".", 1)[0],
                "operation": OPERATIONS[event_type.rsplit(".", 1)[1]],
                "payload": {"document_id": document_id, "collection_id": collection_id},
                "created_at": stamp,
            }
        )
