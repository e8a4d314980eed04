"""Fault injection: each kind behaves as specified and is used up after `times` matching requests."""

from __future__ import annotations

import http.client
import json

import pytest
import requests

from mixpeek_local.emulator import Fault

COLLECTION = "col_demo000001"
LIST = f"/v1/collections/{COLLECTION}/documents/list"
HEADERS = {
    "Authorization": "Bearer mxp_test_key",
    "X-Namespace": "ns_demo",
    "Content-Type": "application/json",
}


def raw_post(emu, path, body):
    connection = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=5)
    connection.request("POST", path, body=json.dumps(body), headers=HEADERS)
    return connection


def test_status_fault_with_retry_hints(emu, client):
    emu.inject(Fault("status", status=429, retry_after=2, retry_after_body=3.5, retryable=True))
    response = client.list_docs({})
    assert response.status_code == 429 and response.headers["Retry-After"] == "2"
    body = response.json()
    assert body == {
        "success": False,
        "status": 429,
        "error": {
            "message": body["error"]["message"],
            "type": "RateLimitError",
            "details": {"retryable": True, "retry_after_seconds": 3.5},
        },
    }
    assert client.list_docs({}).status_code == 200
    assert emu.faults_injected["status"] == 1
    assert [r.status for r in emu.requests] == [429, 200]
    assert emu.requests[0].fault == "status"


def test_status_fault_does_no_work_and_names_types(emu, client):
    document_id = emu.store.documents(COLLECTION)[0]["document_id"]
    emu.inject(Fault("status", path_contains=f"/documents/{document_id}", status=503, retryable=False))
    refused = client.delete(f"/v1/collections/{COLLECTION}/documents/{document_id}")
    assert refused.status_code == 503 and refused.json()["error"]["type"] == "WriterReadOnlyError"
    assert refused.json()["error"]["details"] == {"retryable": False}
    assert "Retry-After" not in refused.headers
    assert emu.store.get_document(COLLECTION, document_id) is not None
    assert emu.store.events() == []
    emu.inject(Fault("status", status=503))
    assert client.list_docs({}).json()["error"]["type"] == "ServiceUnavailable"
    emu.inject(Fault("status", status=500))
    assert client.list_docs({}).json()["error"]["type"] == "InternalServerError"


def test_times_and_path_matching(emu, client):
    emu.inject(Fault("status", status=503, times=2))
    assert client.get(f"/v1/collections/{COLLECTION}/documents/count").status_code == 200
    assert [client.list_docs({}).status_code for _ in range(3)] == [503, 503, 200]
    assert emu.faults_injected["status"] == 2


def test_drop_closes_without_a_response(emu, client):
    emu.inject(Fault("drop"))
    connection = raw_post(emu, LIST, {})
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
        connection.getresponse()
    assert client.list_docs({}).status_code == 200
    assert emu.faults_injected["drop"] == 1 and emu.requests[0].status == 0


def test_truncate_sends_half_the_body(emu):
    emu.inject(Fault("truncate"))
    response = raw_post(emu, LIST, {"limit": 5}).getresponse()
    assert response.status == 200
    length = int(response.getheader("Content-Length"))
    with pytest.raises(http.client.IncompleteRead) as caught:
        response.read()
    assert len(caught.value.partial) == length // 2
    assert emu.faults_injected["truncate"] == 1


def test_invalid_json_is_200_with_garbage(emu, client):
    emu.inject(Fault("invalid_json"))
    response = client.list_docs({})
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()
    assert client.list_docs({}).json()["results"]


def test_delay_triggers_client_timeouts(emu, client):
    emu.inject(Fault("delay", delay=0.6))
    with pytest.raises(requests.exceptions.ReadTimeout):
        client.session.post(emu.base_url + LIST, json={}, timeout=0.2)
    assert client.list_docs({}).status_code == 200
    assert emu.faults_injected["delay"] == 1


def test_repeat_cursor_with_a_cursor(emu, client):
    first = client.list_docs({"limit": 5}).json()
    cursor = first["pagination"]["next_cursor"]
    emu.inject(Fault("repeat_cursor"))
    looped = client.list_docs({"limit": 5, "cursor": cursor}).json()
    assert looped["pagination"]["next_cursor"] == cursor
    assert client.list_docs({"limit": 5, "cursor": cursor}).json()["pagination"]["next_cursor"] != cursor


def test_repeat_cursor_on_a_first_page(emu, client):
    emu.inject(Fault("repeat_cursor"))
    first = client.list_docs({"limit": 5}).json()
    cursor = first["pagination"]["next_cursor"]
    second = client.list_docs({"limit": 5, "cursor": cursor}).json()
    assert second["pagination"]["next_cursor"] == cursor
    third = client.list_docs({"limit": 5, "cursor": cursor}).json()
    assert third["pagination"]["next_cursor"] != cursor
    assert emu.faults_injected["repeat_cursor"] == 1


def test_unknown_fault_kind_is_refused():
    with pytest.raises(ValueError):
        Fault("explode")


def test_drip_fault_sends_the_real_answer_a_few_bytes_at_a_time(emu, client):
    expected = client.list_docs({"limit": 2}).content
    emu.inject(Fault("drip", delay=0.01, drip_bytes=len(expected) // 4 + 1))
    connection = raw_post(emu, LIST, {"limit": 2})
    response = connection.getresponse()
    pieces = []
    while piece := response.read1(65536):
        pieces.append(piece)
    assert b"".join(pieces) == expected and len(pieces) >= 2
    assert emu.faults_injected["drip"] == 1 and client.list_docs({"limit": 2}).content == expected


def test_drip_fault_needs_a_positive_piece_size():
    with pytest.raises(ValueError, match="drip_bytes must be at least 1"):
        Fault("drip", drip_bytes=0)
