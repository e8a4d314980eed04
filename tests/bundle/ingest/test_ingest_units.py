"""The ingestion's pure parts: checksums, keys, the plan, URL scrubbing, batch answers, and its statements' rules."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from mixpeek_local.engine import rules
from mixpeek_snowflake.errors import InvalidArgument
from mixpeek_snowflake.ingest import files
from mixpeek_snowflake.ingest.files import StageFile, StoredFile
from mixpeek_snowflake.ingest.options import parse_ingest_request, parse_stage
from mixpeek_snowflake.ingest.requests import Outgoing, read_outcomes, scrub
from mixpeek_snowflake.ingest.statements import IngestTables
from mixpeek_snowflake.snowflake.identifiers import TableName

WHEN = datetime(2026, 3, 1, 12, 0, 0)


def test_the_checksum_prefers_md5_then_etag_then_size_and_time() -> None:
    assert files.checksum("ABCDEF01", "ff", 3, WHEN) == "md5:abcdef01"
    assert files.checksum(None, '"0a1b"', 3, WHEN) == "etag:0a1b"
    assert files.checksum("not hex", None, 3, WHEN) == "size:3;modified:2026-03-01T12:00:00"
    aware = datetime(2026, 3, 1, 13, 0, 0, tzinfo=UTC)
    row = files.stage_file(("a.jpg", 3, aware, None, None))
    assert row == StageFile("a.jpg", 3, datetime(2026, 3, 1, 13, 0, 0), "size:3;modified:2026-03-01T13:00:00")


def test_the_idempotency_key_is_a_hash_of_stage_path_and_checksum() -> None:
    expected = "sf-stage:" + hashlib.sha256(b"DB.S.STG\x1fa/b.jpg\x1fmd5:01").hexdigest()
    assert files.idempotency_key("DB.S.STG", "a/b.jpg", "md5:01") == expected
    assert files.idempotency_key("DB.S.STG", "a/b.jpg", "md5:02") != expected
    assert len(expected) <= 255


def test_the_plan_sorts_files_into_new_changed_retried_unchanged_and_removed() -> None:
    stage = [StageFile(p, 1, WHEN, c) for p, c in (("a", "md5:1"), ("b", "md5:2"), ("c", "md5:3"), ("d", "md5:4"))]
    stage.append(StageFile("e", 1, WHEN, "md5:5"))
    stored = {
        "b": StoredFile("b", "md5:2", "SENT", "obj_b"),
        "c": StoredFile("c", "md5:old", "SENT", "obj_c"),
        "d": StoredFile("d", "md5:4", "FAILED", None),
        "e": StoredFile("e", "md5:5", "KEPT", "obj_e"),
        "gone": StoredFile("gone", "md5:9", "SENT", "obj_g"),
        "unmatched": StoredFile("unmatched", "md5:8", "SENT", "obj_u"),
        "done": StoredFile("done", "md5:7", "REMOVED", "obj_r"),
    }
    plan = files.plan(stage, stored, {f.path for f in stage} | {"unmatched"})
    assert [f.path for f in plan.new] == ["a", "e"]
    assert [f.path for f, _ in plan.changed] == ["c"] and [f.path for f, _ in plan.retried] == ["d"]
    assert [f.path for f in plan.unchanged] == ["b"] and [r.path for r in plan.removed] == ["gone"]
    assert [f.path for f, _ in plan.to_send()] == ["a", "c", "d", "e"]


def test_blob_types_come_from_the_option_or_the_extension() -> None:
    assert [files.blob_type(p, None) for p in ("x.JPG", "x.mp4", "x.pdf", "x.bin", "noext")] == [
        "image",
        "video",
        "pdf",
        None,
        None,
    ]
    assert files.blob_type("x.bin", "video") == "video"


def test_scrub_removes_the_given_urls_and_anything_url_shaped() -> None:
    url = "https://bucket.s3.amazonaws.com/a.jpg?X-Amz-Signature=abc123"
    text = scrub(f"could not fetch {url}; see s3://other/key and http://x.test/y", [url])
    assert "amazonaws" not in text and "s3://" not in text and "x.test" not in text
    assert text.count("[url redacted]") == 3


def test_a_batch_answer_is_matched_to_its_files_by_object_index() -> None:
    items = [Outgoing(p, "md5:1", "image", "image", f"k{p}", f"https://h/{p}?sig=s") for p in "abc"]
    answer = {
        "succeeded": [{"object_id": "obj_2", "bucket_id": "b", "object_index": 2, "replayed": True}],
        "failed": [
            {"object_index": 0, "error": "could not download https://h/a?sig=s", "error_type": "URLValidationError"}
        ],
    }
    a, b, c = read_outcomes(answer, items, [i.url for i in items])
    assert (a.object_id, "https://" in (a.error or ""), a.error and a.error.startswith("URLValidationError")) == (
        None,
        False,
        True,
    )
    assert b.object_id is None and "named no object" in (b.error or "")
    assert (c.object_id, c.replayed, c.error) == ("obj_2", True, None)


@pytest.mark.parametrize(
    ("stage", "parts"),
    [("@MEDIA", (None, None, "MEDIA")), ("raw.media", (None, "RAW", "MEDIA")), ("@db.raw.m$1", ("DB", "RAW", "M$1"))],
)
def test_stage_names_parse_into_identifier_parts(stage: str, parts: tuple[str | None, ...]) -> None:
    name = parse_stage(stage)
    assert (name.database, name.schema, name.name) == parts


@pytest.mark.parametrize("stage", ["@", "@a b", "@'x'", '@"X"', "@a.b.c.d", "@x;drop", "@table", None, 7])
def test_hostile_stage_names_are_refused(stage: object) -> None:
    with pytest.raises(InvalidArgument, match=r"^invalid stage"):
        parse_stage(stage)


def test_options_default_to_what_a_task_wants() -> None:
    request = parse_ingest_request("@S", "bkt_1", None)
    options = request.options
    assert (options.expiry_seconds, options.on_removed, options.batch_size, options.dry_run) == (
        3600,
        "delete",
        100,
        False,
    )


def test_every_statement_passes_the_strict_engines_text_rules_under_a_foreign_timestamp_format() -> None:
    tables = IngestTables.of(TableName("MEDIA"), "DB", "SCHEMA")
    statements = [
        tables.directory_page(),
        tables.presigned_urls(600),
        tables.stored_page(),
        tables.record_files(),
        tables.record_gone(),
        tables.mark_seen(),
        tables.ensure_state(),
        tables.acquire_lease(),
        tables.read_lease(),
        tables.release_lease(True),
        tables.release_lease(False),
        tables.insert_run(),
        tables.finish_run(),
        tables.abandon_runs(),
        tables.existing_tables(),
        *tables.creation(set()),
    ]
    for statement in statements:
        rules.check_statement(statement, ["x"], "DD/MM/YYYY HH24:MI:SS")
        assert '@"DB"."SCHEMA"."MEDIA"' in statement or "@" not in rules.code_only(statement)
