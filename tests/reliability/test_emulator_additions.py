"""The emulator features the reliability suite adds: the on_list hook, redirect faults, custom error messages."""

from __future__ import annotations

import pytest
import requests

from mixpeek_local.emulator import Emulator, Fault, Store, seed_collection

COLLECTION = "col_hooks00001"
HEADERS = {"Authorization": "Bearer mxp_test_key", "X-Namespace": "ns_demo"}
LIST = f"/v1/collections/{COLLECTION}/documents/list"


def store() -> Store:
    seeded = Store()
    seed_collection(seeded, documents=12, seed=4, namespace="ns_demo", collection_id=COLLECTION)
    return seeded


def post(emu: Emulator, body: dict) -> requests.Response:
    return requests.post(emu.base_url + LIST, json=body, headers=HEADERS, timeout=5, allow_redirects=False)


def test_on_list_sees_each_page_and_may_change_the_store_for_later_pages():
    seen = []

    def hook(number, page):
        seen.append((number, [doc["document_id"] for doc in page["results"]]))
        if number == 1:
            emu.store.delete_document(COLLECTION, emu.store.documents(COLLECTION)[-1]["document_id"])

    with Emulator(store(), on_list=hook) as emu:
        first = post(emu, {"limit": 5}).json()
        later = post(emu, {"limit": 50, "cursor": first["pagination"]["next_cursor"]}).json()
        requests.get(emu.base_url + f"/v1/collections/{COLLECTION}", headers=HEADERS, timeout=5)
    assert [n for n, _ in seen] == [1, 2]
    assert len(first["results"]) + len(later["results"]) == 11


def test_on_list_may_replace_the_page_with_a_dict_or_raw_bytes():
    replies = iter([{"results": [], "pagination": {"next_cursor": None}}, b'{"raw": NaN}'])
    with Emulator(store(), on_list=lambda number, page: next(replies)) as emu:
        assert post(emu, {}).json() == {"results": [], "pagination": {"next_cursor": None}}
        assert post(emu, {}).content == b'{"raw": NaN}'


def test_on_list_is_not_called_for_error_answers():
    calls = []
    with Emulator(store(), on_list=lambda number, page: calls.append(number)) as emu:
        emu.inject(Fault("status", status=500))
        assert post(emu, {}).status_code == 500
        assert post(emu, {"limit": "x"}).status_code == 422
        assert post(emu, {}).status_code == 200
    assert calls == [1]


def test_redirect_fault_answers_a_location_and_does_no_work():
    with Emulator(store()) as emu:
        emu.inject(Fault("redirect", status=307, location="http://127.0.0.2:9/elsewhere"))
        answer = post(emu, {})
        assert answer.status_code == 307 and answer.headers["Location"] == "http://127.0.0.2:9/elsewhere"
        assert emu.requests[-1].fault == "redirect" and emu.faults_injected["redirect"] == 1
        assert post(emu, {}).status_code == 200


@pytest.mark.parametrize(
    "kwargs", [{"status": 302}, {"status": 503, "location": "/x"}, {"status": 200, "location": "/x"}]
)
def test_redirect_fault_needs_a_3xx_status_and_a_location(kwargs):
    with pytest.raises(ValueError, match="3xx"):
        Fault("redirect", **kwargs)


def test_status_fault_message_can_be_set():
    with Emulator(store()) as emu:
        emu.inject(Fault("status", status=401, message="invalid API key mxp_echoed"))
        assert post(emu, {}).json()["error"]["message"] == "invalid API key mxp_echoed"
