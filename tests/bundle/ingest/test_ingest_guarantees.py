"""What ingest_stage_files promises besides sending files: no URL anywhere, clear refusals, the lease, the join back."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from bundle.ingest.world import BUCKET, COLLECTION, NAMESPACE, STAGE, World, sample_files

from mixpeek_local.demo.ingest import create_join_views
from mixpeek_local.emulator.api import Response
from mixpeek_local.emulator.errors import error_body
from mixpeek_snowflake import procedures
from mixpeek_snowflake.errors import InvalidArgument


def _secrets(world: World) -> list[str]:
    """What would betray a presigned URL: the file server's address and every token it issued."""
    return [world.stages.base_url.split("//", 1)[1], *world.stages._tokens]


def test_no_presigned_url_reaches_a_table_a_log_a_summary_or_an_error(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    world.write("products/empty.jpg", b"")
    world.refresh()
    original = world.emulator.api.handle
    echoed: list[str] = []

    def echo_urls(method: str, target: str, headers: Any, body: bytes) -> Response:
        if "/objects/batch" in target and "docs/" in body.decode():
            urls = [o["blobs"][0]["data"] for o in json.loads(body)["objects"]]
            echoed.extend(urls)
            return Response(422, error_body(422, f"refused blob data {urls[0]} and {urls[-1]}"))
        return original(method, target, headers, body)

    world.emulator.api.handle = echo_urls  # type: ignore[method-assign]
    first = world.ingest(collection=COLLECTION, pattern="docs/.*")
    world.emulator.api.handle = original  # type: ignore[method-assign]
    second = world.ingest(collection=COLLECTION)
    procedures.sync_mixpeek_collection(world.session, COLLECTION, "MIXPEEK_DOCUMENTS", "full", None)
    rows = world.files()
    assert echoed and rows["docs/catalog.pdf"]["STATUS"] == "SENT" and rows["products/empty.jpg"]["STATUS"] == "FAILED"
    assert "[url redacted]" in rows["products/empty.jpg"]["ERROR"]
    assert first["failed"] == 2 and second["failed"] == 1
    seen = world.every_table_text() + caplog.text + json.dumps([first, second])
    assert len(world.stages._tokens) == 2
    for secret in _secrets(world):
        assert secret not in seen


def test_every_bad_argument_is_refused_by_name_before_any_request(world: World) -> None:
    cases = [
        ("x; DROP TABLE t", BUCKET, None, "invalid stage"),
        ("@A.B.C.D", BUCKET, None, "invalid stage"),
        ("@select", BUCKET, None, "invalid stage"),
        (f"@{STAGE}", "../../buckets", None, "invalid bucket_id"),
        (f"@{STAGE}", BUCKET, {"expiry_seconds": 10}, "invalid option expiry_seconds"),
        (f"@{STAGE}", BUCKET, {"expiry_seconds": 604801}, "invalid option expiry_seconds"),
        (f"@{STAGE}", BUCKET, {"batch_size": 101}, "invalid option batch_size"),
        (f"@{STAGE}", BUCKET, {"pattern": "("}, "invalid option pattern"),
        (f"@{STAGE}", BUCKET, {"on_removed": "drop"}, "invalid option on_removed"),
        (f"@{STAGE}", BUCKET, {"collection": "col/../x"}, "invalid option collection"),
        (f"@{STAGE}", BUCKET, {"blob_type": "hologram"}, "invalid option blob_type"),
        (f"@{STAGE}", BUCKET, {"bogus": 1}, "invalid options"),
        (f"@{STAGE}", BUCKET, "{not json", "invalid options"),
    ]
    for stage, bucket, options, message in cases:
        with pytest.raises(InvalidArgument) as raised:
            procedures.ingest_stage_files(world.session, stage, bucket, options)
        assert str(raised.value).startswith(message), (stage, bucket, options, str(raised.value))
    assert world.emulator.requests == []


def test_a_missing_stage_or_one_without_a_directory_table_is_named_with_the_fix(world: World) -> None:
    with pytest.raises(InvalidArgument, match=r"invalid stage: DIRECTORY\(@.*NOWHERE\).*does not exist.*READ"):
        world.ingest(stage="@NOWHERE")
    database = world.rows("SELECT CURRENT_DATABASE() AS D")[0]["D"]
    world.stages.add(f"{database}.PUBLIC.FLAT", world.folder, directory=False)
    with pytest.raises(InvalidArgument, match=r"DIRECTORY = \(ENABLE = TRUE\)"):
        world.ingest(stage="@FLAT")
    failed = world.rows("SELECT STATUS, ERROR FROM MIXPEEK_INGEST_RUNS")
    assert [r["STATUS"] for r in failed] == ["FAILED", "FAILED"] and world.buckets.objects[BUCKET] == {}


def test_a_bucket_the_namespace_does_not_hold_fails_the_run_before_any_file_is_recorded(world: World) -> None:
    world.ingest()
    before = world.files()
    for dry_run in (False, True):
        with pytest.raises(
            InvalidArgument, match=r"^invalid bucket_id: 'bkt_nowhere' is not a bucket of the namespace"
        ):
            world.ingest(bucket="bkt_nowhere", dry_run=dry_run)
    assert world.files() == before
    runs = world.rows("SELECT STATUS, BUCKET_ID, ERROR FROM MIXPEEK_INGEST_RUNS ORDER BY STARTED_AT")
    assert [(r["STATUS"], r["BUCKET_ID"]) for r in runs] == [
        ("SUCCEEDED", BUCKET),
        ("FAILED", "bkt_nowhere"),
        ("FAILED", "bkt_nowhere"),
    ]
    assert all("'bkt_nowhere' is not a bucket of the namespace" in r["ERROR"] for r in runs[1:])


def test_a_held_lease_skips_the_run_and_sends_nothing(world: World) -> None:
    world.ingest(dry_run=True)
    database = world.rows("SELECT CURRENT_DATABASE() AS D")[0]["D"]
    world.session.sql(
        "INSERT INTO MIXPEEK_INGEST_STATE (STAGE, BUCKET_ID, LEASE_RUN_ID, LEASE_EXPIRES_AT) "
        "SELECT ?, ?, 'ing_other', TO_TIMESTAMP_NTZ('2999-01-01 00:00:00.000000', 'YYYY-MM-DD HH24:MI:SS.FF6')",
        params=[f"{database}.PUBLIC.{STAGE}", BUCKET],
    ).collect()
    summary = world.ingest()
    assert summary["status"] == "SKIPPED" and "ing_other" in summary["reason"]
    assert world.buckets.objects[BUCKET] == {} and world.files() == {}


def test_the_join_view_leads_from_each_file_to_its_object_documents_and_labels(world: World) -> None:
    world.write("products/empty.jpg", b"")
    world.refresh()
    world.ingest(collection=COLLECTION)
    procedures.sync_mixpeek_collection(world.session, COLLECTION, "MIXPEEK_DOCUMENTS", "incremental", None)
    assert create_join_views(world.session)
    joined = world.rows("SELECT * FROM MIXPEEK_STAGE_FILE_DOCUMENTS")
    by_path = {r["RELATIVE_PATH"]: r for r in joined}
    objects = world.objects()
    truth = {d["_internal"]["lineage"]["source_object_id"]: d for d in world.store.documents(COLLECTION)}
    assert sorted(by_path) == sorted([*sample_files(), "products/empty.jpg"]) and len(joined) == len(by_path)
    for path in sample_files():
        row, obj = by_path[path], objects[path]
        assert (row["OBJECT_ID"], row["DOCUMENT_ID"]) == (obj["object_id"], truth[obj["object_id"]]["document_id"])
        assert (row["DOCUMENT_STAGE_PATH"], row["DOCUMENT_IS_CURRENT"], row["FILE_STATUS"]) == (path, True, "SENT")
    failed = by_path["products/empty.jpg"]
    assert failed["FILE_STATUS"] == "FAILED" and failed["DOCUMENT_ID"] is None and failed["FILE_ERROR"]
    labels = world.rows("SELECT RELATIVE_PATH, DOCUMENT_ID, TAXONOMY_ID, LABEL FROM MIXPEEK_STAGE_FILE_LABELS")
    expected = {
        (path, truth[objects[path]["object_id"]]["document_id"], key[len("_taxonomy_") : -len("_label")], value)
        for path in sample_files()
        for key, value in truth[objects[path]["object_id"]]["_internal"].items()
        if key.startswith("_taxonomy_") and key.endswith("_label")
    }
    best = {(r["RELATIVE_PATH"], r["DOCUMENT_ID"], r["TAXONOMY_ID"], r["LABEL"]) for r in labels}
    assert expected and expected <= best
    assert NAMESPACE
