"""ingest_stage_files end to end: the local stage, the real handler, the emulator's objects as the truth."""

from __future__ import annotations

import hashlib
from typing import Any

from bundle.ingest.world import BOTH_ENGINES, BUCKET, COLLECTION, World, sample_files

from mixpeek_local.emulator.api import Response
from mixpeek_local.emulator.errors import error_body
from mixpeek_local.engine import strict


@BOTH_ENGINES
def test_first_ingest_makes_one_object_per_file_with_the_file_in_its_blob_metadata(world: World) -> None:
    summary = world.ingest(collection=COLLECTION)
    files = sample_files()
    assert summary["status"] == "SUCCEEDED"
    assert (summary["created"], summary["failed"], summary["unchanged"]) == (len(files), 0, 0)
    objects = world.objects()
    assert sorted(objects) == sorted(files)
    stored = world.files()
    for path, data in files.items():
        obj = objects[path]
        assert obj["snowflake_checksum"] == "md5:" + hashlib.md5(data).hexdigest()
        assert obj["blobs"][0]["details"]["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert stored[path]["OBJECT_ID"] == obj["object_id"]
        assert stored[path]["STATUS"] == "SENT"
        assert stored[path]["BATCH_ID"] in summary["batch_ids"]
    assert len(world.store.documents(COLLECTION)) == 3 + len(files)


def _batch_posts(world: World) -> int:
    return world.emulator.request_count(f"/v1/buckets/{BUCKET}/objects/batch")


def test_a_rerun_sends_nothing_and_fetches_nothing(world: World) -> None:
    world.ingest(collection=COLLECTION)
    posts, fetches, documents = _batch_posts(world), len(world.stages.fetches), world.store.documents(COLLECTION)
    before = world.files()
    summary = world.ingest(collection=COLLECTION)
    assert (summary["created"], summary["replaced"], summary["unchanged"]) == (0, 0, len(sample_files()))
    assert summary["batch_ids"] == []
    assert (_batch_posts(world), len(world.stages.fetches)) == (posts, fetches)
    assert world.store.documents(COLLECTION) == documents
    after = world.files()
    assert {p: r["OBJECT_ID"] for p, r in after.items()} == {p: r["OBJECT_ID"] for p, r in before.items()}
    assert all(r["LAST_RUN_ID"] == summary["run_id"] for r in after.values())


def test_a_changed_file_replaces_its_object_after_a_refresh(world: World) -> None:
    world.ingest(collection=COLLECTION)
    old = world.objects()["products/red-shoe.jpg"]["object_id"]
    world.write("products/red-shoe.jpg", b"\xff\xd8\xff\xe0 a redder shoe")
    unseen = world.ingest(collection=COLLECTION)
    assert unseen["replaced"] == 0
    world.refresh()
    summary = world.ingest(collection=COLLECTION)
    assert (summary["replaced"], summary["created"], summary["unchanged"]) == (1, 0, len(sample_files()) - 1)
    objects = world.objects()
    new = objects["products/red-shoe.jpg"]
    assert new["object_id"] != old and old not in world.buckets.objects[BUCKET]
    assert new["snowflake_checksum"] == "md5:" + hashlib.md5(b"\xff\xd8\xff\xe0 a redder shoe").hexdigest()
    row = world.files()["products/red-shoe.jpg"]
    assert (row["OBJECT_ID"], row["CHECKSUM"], row["STATUS"]) == (new["object_id"], new["snowflake_checksum"], "SENT")
    assert len(objects) == len(sample_files())


def test_a_removed_file_deletes_its_object_or_keeps_it_by_option(world: World) -> None:
    world.ingest()
    (world.folder / "docs/notes.txt").unlink()
    (world.folder / "docs/catalog.pdf").unlink()
    world.refresh()
    kept = world.ingest(on_removed="keep", pattern="docs/catalog[.]pdf|products/.*")
    assert (kept["kept"], kept["deleted"]) == (2, 0)
    rows = world.files()
    assert rows["docs/catalog.pdf"]["STATUS"] == rows["docs/notes.txt"]["STATUS"] == "KEPT"
    assert {"docs/catalog.pdf", "docs/notes.txt"} <= set(world.objects())
    world.write("docs/catalog.pdf", sample_files()["docs/catalog.pdf"])
    world.refresh()
    back = world.ingest()
    assert back["replayed"] == 1 and world.files()["docs/catalog.pdf"]["STATUS"] == "SENT"
    (world.folder / "docs/catalog.pdf").unlink()
    world.refresh()
    gone = world.ingest()
    assert gone["deleted"] == 1
    assert "docs/catalog.pdf" not in world.objects() and "docs/notes.txt" in world.objects()
    rows = world.files()
    assert (rows["docs/catalog.pdf"]["STATUS"], rows["docs/notes.txt"]["STATUS"]) == ("REMOVED", "KEPT")
    assert rows["docs/catalog.pdf"]["SIZE_BYTES"] == len(sample_files()["docs/catalog.pdf"])


def test_failing_files_are_recorded_and_the_rest_are_sent(world: World) -> None:
    world.write("products/empty.jpg", b"")
    world.write("exports/data.bin", b"\x00\x01")
    world.refresh()
    summary = world.ingest(collection=COLLECTION)
    assert summary["status"] == "PARTIAL"
    assert (summary["created"], summary["failed"]) == (len(sample_files()), 2)
    rows = world.files()
    assert rows["products/empty.jpg"]["STATUS"] == "FAILED" and "empty" in rows["products/empty.jpg"]["ERROR"]
    assert rows["exports/data.bin"]["STATUS"] == "FAILED" and "blob_type" in rows["exports/data.bin"]["ERROR"]
    assert rows["products/empty.jpg"]["OBJECT_ID"] is None
    assert "products/empty.jpg" not in world.objects()
    world.write("products/empty.jpg", b"\xff\xd8 now a picture")
    world.refresh()
    retried = world.ingest(collection=COLLECTION, blob_type="image", pattern=".*[.]jpg")
    assert (retried["status"], retried["retried"], retried["created"], retried["failed"]) == ("SUCCEEDED", 1, 1, 0)
    assert world.files()["products/empty.jpg"]["STATUS"] == "SENT"


def test_a_run_whose_objects_were_stored_but_not_recorded_replays_them_without_duplicates(world: World) -> None:
    world.ingest()
    objects = {p: o["object_id"] for p, o in world.objects().items()}
    world.session.sql("DELETE FROM MIXPEEK_STAGE_FILES").collect()
    summary = world.ingest()
    assert (summary["created"], summary["replayed"]) == (len(objects), len(objects))
    assert {p: o["object_id"] for p, o in world.objects().items()} == objects
    assert {p: r["OBJECT_ID"] for p, r in world.files().items()} == objects


def test_a_request_stored_but_unanswered_is_retried_with_the_same_keys_and_makes_no_duplicate(world: World) -> None:
    original = world.emulator.api.handle
    lost: list[Response] = []

    def answer_lost(method: str, target: str, headers: Any, body: bytes) -> Response:
        response = original(method, target, headers, body)
        if "/objects/batch" in target and not lost:
            lost.append(response)
            return Response(503, error_body(503, "gateway timeout after the write"), {"Retry-After": "0"})
        return response

    world.emulator.api.handle = answer_lost  # type: ignore[method-assign]
    summary = world.ingest()
    assert lost and lost[0].body["succeeded_count"] == len(sample_files())
    assert (summary["retries"], summary["created"], summary["replayed"]) == (
        1,
        len(sample_files()),
        len(sample_files()),
    )
    assert len(world.buckets.objects[BUCKET]) == len(sample_files())
    assert {p: r["OBJECT_ID"] for p, r in world.files().items()} == {
        p: o["object_id"] for p, o in world.objects().items()
    }


@BOTH_ENGINES
def test_a_dry_run_sends_and_records_nothing(world: World) -> None:
    summary = world.ingest(dry_run=True, collection=COLLECTION)
    assert summary["status"] == "SUCCEEDED" and summary["would_send"] == len(sample_files())
    bucket_requests = [(r.method, r.path) for r in world.emulator.requests if r.path.startswith("/v1/buckets")]
    assert world.buckets.objects[BUCKET] == {} and bucket_requests == [("GET", f"/v1/buckets/{BUCKET}")]
    assert world.files() == {} and world.stages.fetches == []
    runs = world.rows("SELECT STATUS, DRY_RUN FROM MIXPEEK_INGEST_RUNS")
    assert runs == [{"STATUS": "SUCCEEDED", "DRY_RUN": True}]


def test_small_batches_split_the_files_into_requests_of_batch_size(world: World) -> None:
    summary = world.ingest(batch_size=2, collection=COLLECTION)
    assert _batch_posts(world) == 3 and len(summary["batch_ids"]) == 3
    assert len(world.buckets.objects[BUCKET]) == len(sample_files())


def test_a_caller_with_autocommit_off_gets_every_write_committed(world: World) -> None:
    world.strict, world.caller = True, strict.Caller(autocommit=False, timestamp_input_format="DD/MM/YYYY HH24:MI:SS")
    summary = world.ingest(collection=COLLECTION)
    assert summary["created"] == len(sample_files())
    world.strict = False
    assert {r["STATUS"] for r in world.files().values()} == {"SENT"}
    assert world.rows("SELECT STATUS FROM MIXPEEK_INGEST_RUNS") == [{"STATUS": "SUCCEEDED"}]
