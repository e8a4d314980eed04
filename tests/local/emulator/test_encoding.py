"""Listing pages from each stored document's cached JSON text: json.dumps's very bytes, edits and changes seen."""

from __future__ import annotations

import json

import requests

from mixpeek_local.emulator import Emulator, Store, seed_collection
from mixpeek_local.emulator.encoding import EncodedDocuments, stored_copy

API_KEY = "mxp_test_key"
COLLECTION = "col_demo000001"


def make_store() -> Store:
    store = Store()
    seed_collection(store, documents=30, seed=7, namespace="ns_demo", collection_id=COLLECTION)
    return store


def list_page(emu: Emulator) -> list[dict]:
    response = requests.post(
        f"{emu.base_url}/v1/collections/{COLLECTION}/documents/list",
        json={"limit": 5},
        headers={"Authorization": f"Bearer {API_KEY}", "X-Namespace": "ns_demo"},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["results"]


def test_a_page_is_the_bytes_json_dumps_writes():
    stored = [{"document_id": f"d{i}", "title": "caf\u00e9 \u2603", "n": i, "x": [1.5, None, True]} for i in range(3)]
    body = {"results": [stored_copy(d) for d in stored], "pagination": {"next_cursor": None}, "total_documents": 3}
    cache = EncodedDocuments()
    for _ in range(2):
        assert cache.body(body) == json.dumps(body, separators=(",", ":")).encode()


def test_an_edited_copy_or_a_replaced_document_is_encoded_afresh():
    cache = EncodedDocuments()
    stored = {"document_id": "d1", "a": 1, "b": True}
    copy = stored_copy(stored)
    assert cache.body({"results": [copy]}) == b'{"results":[{"document_id":"d1","a":1,"b":true}]}'
    copy["a"] = True
    assert cache.body({"results": [copy]}) == b'{"results":[{"document_id":"d1","a":true,"b":true}]}'
    reordered = stored_copy(stored)
    del reordered["a"]
    reordered["a"] = 1
    assert cache.body({"results": [reordered]}) == b'{"results":[{"document_id":"d1","b":true,"a":1}]}'
    replaced = {"document_id": "d1", "a": 2}
    assert cache.body({"results": [stored_copy(replaced)]}) == b'{"results":[{"document_id":"d1","a":2}]}'


def test_bodies_without_a_results_list_are_plain_json():
    cache = EncodedDocuments()
    for body in ({"results": None, "x": 1}, [1, 2], {"error": {"message": "no"}}, {1: "int key", "results": []}):
        assert cache.body(body) == json.dumps(body, separators=(",", ":")).encode()


def test_pages_show_updates_deletes_and_a_listing_hook_edit():
    def hook(_number: int, page: dict) -> None:
        page["results"][0]["title"] = "edited by the hook"

    with Emulator(make_store(), api_key=API_KEY) as emu:
        first = list_page(emu)
        target = first[1]["document_id"]
        emu.store.update_document(COLLECTION, target, {"title": "changed"})
        emu.store.delete_document(COLLECTION, first[2]["document_id"])
        again = list_page(emu)
        assert again[1]["title"] == "changed" and first[2]["document_id"] not in [d["document_id"] for d in again]
        assert again[1] == emu.store.get_document(COLLECTION, target)
    with Emulator(make_store(), api_key=API_KEY, on_list=hook) as emu:
        results = list_page(emu)
        assert results[0]["title"] == "edited by the hook"
        assert emu.store.get_document(COLLECTION, results[0]["document_id"])["title"] != "edited by the hook"
