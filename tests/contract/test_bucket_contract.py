"""The ingestion's side of the contract: the SDK's models parse every bucket answer of the emulator and validate
every request ingest_stage_files sends."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bundle.ingest.world import BUCKET, COLLECTION, NAMESPACE, World, ingest_world, sample_files
from contract.sdk_models import parse
from mixpeek.models.batch_model import BatchModel
from mixpeek.models.bucket_response import BucketResponse
from mixpeek.models.create_batch_request import CreateBatchRequest
from mixpeek.models.create_objects_batch_request import CreateObjectsBatchRequest
from mixpeek.models.create_objects_batch_response import CreateObjectsBatchResponse
from mixpeek.models.error_response import ErrorResponse
from mixpeek.models.object_response import ObjectResponse
from mixpeek.models.task_response import TaskResponse

from mixpeek_local.emulator.api import Response


@pytest.fixture
def recorded(engine: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[World, list]]:
    """A world whose emulator records every (method, path, request body, response) of the bucket routes."""
    with ingest_world(engine, tmp_path, monkeypatch) as world:
        calls: list[tuple[str, str, Any, Response]] = []
        original = world.emulator.api.handle

        def recording(method: str, target: str, headers: Any, body: bytes) -> Response:
            response = original(method, target, headers, body)
            if target.startswith("/v1/buckets"):
                calls.append((method, target, json.loads(body) if body.strip() else None, response))
            return response

        world.emulator.api.handle = recording  # type: ignore[method-assign]
        yield world, calls


def _headers() -> dict[str, str]:
    return {"Authorization": "Bearer mxp_ingest_canary_key_51d2e8", "X-Namespace": NAMESPACE}


def test_every_request_the_ingestion_sends_validates_and_every_answer_parses(recorded: tuple[World, list]) -> None:
    world, calls = recorded
    world.write("products/empty.jpg", b"")
    world.refresh()
    world.ingest(collection=COLLECTION, batch_size=3)
    world.write("products/red-shoe.jpg", b"\xff\xd8 changed")
    (world.folder / "docs/notes.txt").unlink()
    world.refresh()
    world.ingest(collection=COLLECTION)
    kinds = set()
    for method, target, body, response in calls:
        path = target.split("?", 1)[0]
        if method == "POST" and path.endswith("/objects/batch"):
            request = parse(CreateObjectsBatchRequest, body)
            assert len(request.objects) <= 100 and all(o.idempotency_key for o in request.objects)
            assert all(isinstance(b.data.actual_instance, str) for o in request.objects for b in o.blobs or [])
            assert all(b.type.value in ("image", "pdf", "text") for o in request.objects for b in o.blobs or [])
            answer = CreateObjectsBatchResponse.from_dict(response.body)
            assert answer.total_requested == len(request.objects)
            kinds.add("create")
        elif method == "POST" and path.endswith("/batches"):
            assert "auto_submit=true" in target
            assert parse(CreateBatchRequest, body).collection_ids == [COLLECTION]
            batch = BatchModel.model_validate(response.body)
            assert batch.status is not None and batch.status.value == "COMPLETED" and batch.bucket_id == BUCKET
            kinds.add("batch")
        elif method == "DELETE":
            assert response.status == 204 and body is None
            kinds.add("delete")
        elif method == "GET" and path == f"/v1/buckets/{BUCKET}":
            assert body is None and parse(BucketResponse, response.body).bucket_id == BUCKET
            kinds.add("bucket")
        else:
            raise AssertionError(f"unexpected request {method} {target}")
    assert kinds == {"bucket", "create", "batch", "delete"}


def test_bucket_object_batch_and_error_answers_parse_with_the_sdk_models(recorded: tuple[World, list]) -> None:
    world, _ = recorded
    world.ingest(collection=COLLECTION)
    api, headers = world.emulator.api, _headers()
    parse(BucketResponse, api.handle("GET", f"/v1/buckets/{BUCKET}", headers, b"").body)
    for obj in world.buckets.objects[BUCKET].values():
        found = api.handle("GET", f"/v1/buckets/{BUCKET}/objects/{obj['object_id']}", headers, b"").body
        parsed = ObjectResponse.from_dict(found)
        assert parsed.document_count == 1 and parsed.status is not None and parsed.status.value == "COMPLETED"
    draft = api.handle(
        "POST", f"/v1/buckets/{BUCKET}/batches", headers, json.dumps({"object_ids": [obj["object_id"]]}).encode()
    ).body
    assert BatchModel.model_validate(draft).status.value == "DRAFT"
    task = api.handle("POST", f"/v1/buckets/{BUCKET}/batches/{draft['batch_id']}/submit", headers, b"{}").body
    parse(TaskResponse, task)
    done = api.handle("GET", f"/v1/buckets/{BUCKET}/batches/{draft['batch_id']}", headers, b"").body
    assert BatchModel.model_validate(done).status.value == "COMPLETED"
    for status, answer in (
        (404, api.handle("GET", "/v1/buckets/bkt_nowhere", headers, b"")),
        (404, api.handle("DELETE", f"/v1/buckets/{BUCKET}/objects/obj_nowhere", headers, b"")),
        (422, api.handle("POST", f"/v1/buckets/{BUCKET}/objects/batch", headers, b'{"objects": []}')),
    ):
        assert answer.status == status
        parse(ErrorResponse, answer.body)


def test_a_batch_of_which_every_object_failed_is_a_422_with_the_batch_shape(recorded: tuple[World, list]) -> None:
    world, _ = recorded
    body = {"objects": [{"blobs": [{"property": "image", "type": "image", "data": "http://127.0.0.1:9/none.jpg"}]}]}
    answer = world.emulator.api.handle(
        "POST", f"/v1/buckets/{BUCKET}/objects/batch", _headers(), json.dumps(body).encode()
    )
    assert answer.status == 422
    parsed = parse(CreateObjectsBatchResponse, answer.body)
    assert parsed.failed_count == 1 and parsed.failed[0].error_type == "URLValidationError"
    assert len(sample_files()) == 5
