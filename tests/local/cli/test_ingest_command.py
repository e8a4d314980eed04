"""`mixpeek-snowflake ingest`: a folder standing for a stage on the local engine, into an emulator bucket."""

from __future__ import annotations

import json
from pathlib import Path

from local.cli.cli_world import NAMESPACE

from mixpeek_local.emulator import Store
from mixpeek_local.emulator.buckets import add_bucket, state_of

BUCKET = "bkt_cli0000001"


def _files(folder: Path) -> None:
    (folder / "docs").mkdir(parents=True)
    (folder / "docs" / "notes.txt").write_bytes(b"buyer notes")
    (folder / "red-boot.jpg").write_bytes(b"\xff\xd8 a boot")


def test_ingest_sends_a_folders_files_once_and_a_changed_one_again(cli, store: Store, tmp_path: Path) -> None:
    add_bucket(store, BUCKET, {"image": "image", "text": "text"}, NAMESPACE)
    folder, local = tmp_path / "stage", str(tmp_path / "local")
    _files(folder)
    first = cli("ingest", "@MEDIA", BUCKET, "--stage-folder", str(folder), "--local-dir", local)
    assert first.code == 0, first.err
    summary = json.loads(first.out)
    assert (summary["status"], summary["files_seen"], summary["created"], summary["failed"]) == ("SUCCEEDED", 2, 2, 0)
    with state_of(store).lock:
        sent = sorted(o["snowflake_path"] for o in state_of(store).objects[BUCKET].values())
    assert sent == ["docs/notes.txt", "red-boot.jpg"]
    again = json.loads(cli("ingest", "@MEDIA", BUCKET, "--stage-folder", str(folder), "--local-dir", local).out)
    assert (again["unchanged"], again["created"]) == (2, 0)
    (folder / "red-boot.jpg").write_bytes(b"\xff\xd8 another boot")
    changed = json.loads(cli("ingest", "@MEDIA", BUCKET, "--stage-folder", str(folder), "--local-dir", local).out)
    assert (changed["changed"], changed["replaced"], changed["unchanged"]) == (1, 1, 1)


def test_a_failed_file_exits_1_and_the_run_is_partial(cli, store: Store, tmp_path: Path) -> None:
    add_bucket(store, BUCKET, {"image": "image", "text": "text"}, NAMESPACE)
    folder = tmp_path / "stage"
    _files(folder)
    (folder / "empty.jpg").write_bytes(b"")
    done = cli("ingest", "@MEDIA", BUCKET, "--stage-folder", str(folder), "--local-dir", str(tmp_path / "local"))
    assert done.code == 1
    summary = json.loads(done.out)
    assert (summary["status"], summary["created"], summary["failed"]) == ("PARTIAL", 2, 1)


def test_without_a_folder_or_with_a_bad_stage_or_bucket_it_exits_2_naming_the_argument(cli, tmp_path: Path) -> None:
    local = str(tmp_path / "local")
    missing = cli("ingest", "@MEDIA", BUCKET, "--local-dir", local)
    assert (missing.code, missing.out) == (2, "")
    assert missing.err.startswith("error: invalid --stage-folder: expected an existing folder")
    folder = tmp_path / "stage"
    _files(folder)
    bad_stage = cli("ingest", "@MEDIA;DROP", BUCKET, "--stage-folder", str(folder), "--local-dir", local)
    assert bad_stage.code == 2 and bad_stage.err.startswith("error: invalid stage: 'MEDIA;DROP' is not allowed")
    nowhere = cli("ingest", "@MEDIA", "bkt_nowhere", "--stage-folder", str(folder), "--local-dir", local)
    assert nowhere.code == 2
    assert nowhere.err.startswith("error: invalid bucket_id: 'bkt_nowhere' is not a bucket of the namespace")
