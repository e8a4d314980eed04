"""Bound arrays stay within one statement Snowflake can retry: at most 1 MB with the text, after compression."""

from __future__ import annotations

import json
import random
import string

from mixpeek_local.engine.rules import MAX_STATEMENT_BYTES, compressed_size
from mixpeek_snowflake.snowflake.binds import MAX_BIND_CHARS, MAX_BOUND_BYTES, chunk_rows
from mixpeek_snowflake.sync import records
from mixpeek_snowflake.sync.records import convert_page

STATEMENT = (
    "INSERT INTO T (RUN_ID, SEQ, V) SELECT ?, ? + f.INDEX, f.VALUE FROM TABLE(FLATTEN(INPUT => PARSE_JSON(?))) f"
)


def _noise(chars: int, seed: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(chars))


def test_incompressible_rows_are_split_so_each_statement_is_within_the_strict_engines_limit() -> None:
    rows = [json.dumps({"id": i, "blob": _noise(20_000, i)}) for i in range(150)]
    batches = chunk_rows(rows, MAX_BIND_CHARS)
    assert sum(count for _, count in batches) == 150 and len(batches) > 3
    assert [json.loads(row) for batch, _ in batches for row in map(json.dumps, json.loads(batch))] == [
        json.loads(row) for row in rows
    ]
    for batch, _ in batches:
        assert compressed_size(STATEMENT, ["run_1", 0, batch]) <= MAX_STATEMENT_BYTES


def test_compressible_rows_still_share_a_few_large_statements() -> None:
    rows = [json.dumps({"id": i, "text": "the same words again " * 500}) for i in range(400)]
    batches = chunk_rows(rows, MAX_BIND_CHARS)
    assert len(batches) == 2 and all(len(batch) > MAX_BOUND_BYTES for batch, _ in batches[:1])


def test_a_document_too_large_to_bind_in_one_retryable_statement_is_rejected_saying_why() -> None:
    huge = {"document_id": "doc_noise", "blob": _noise(1_200_000, 7)}
    page = convert_page([{"document_id": "doc_small", "blob": "x"}, huge])
    assert len(page.rows_json) == 1
    [reject] = page.rejects
    assert reject.document_id == "doc_noise"
    assert "compressed" in reject.reason and "1 MB" in reject.reason and "128 MB" in reject.reason
    assert str(records.MAX_DOCUMENT_COMPRESSED) in reject.reason


def test_a_large_compressible_document_is_kept() -> None:
    page = convert_page([{"document_id": "doc_words", "text": "the same words again " * 100_000}])
    assert len(page.rows_json) == 1 and not page.rejects
