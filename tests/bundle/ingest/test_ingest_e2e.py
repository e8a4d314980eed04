"""ingest_stage_files end to end: the local stage, the real handler, the emulator's objects as the truth."""

from __future__ import annotations

import hashlib

from bundle.ingest.world import BUCKET, COLLECTION, World, sample_files


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
