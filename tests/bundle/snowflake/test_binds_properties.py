"""Properties of RowBatches and chunk_rows: order kept, nothing lost, arrays within max_chars unless a row is alone."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st
from properties import PROPERTY

from mixpeek_snowflake.snowflake.binds import RowBatches, chunk_rows

rows = st.lists(st.integers(0, 10**12).map(str) | st.text(max_size=20).map(json.dumps), max_size=12)
pages = st.lists(rows, max_size=5)
limits = st.integers(2, 80)


def check(batches: list[tuple[str, int]], expected_rows: list[str], max_chars: int) -> None:
    """Arrays are JSON of the rows in order, counts right, sized within the limit, and full: the next row would
    not have fitted (the running size counts one comma more than the array holds, so "full" is within one)."""
    got: list[object] = []
    parsed_batches = []
    for payload, count in batches:
        parsed = json.loads(payload)
        assert len(parsed) == count >= 1
        assert len(payload) <= max_chars or count == 1
        parsed_batches.append(parsed)
        got += parsed
    assert got == [json.loads(r) for r in expected_rows]
    sizes = [len(payload) for payload, _ in batches]
    firsts = [len(json.dumps(b[0])) if b else 0 for b in parsed_batches]
    for i in range(len(batches) - 1):
        assert sizes[i] + 1 + firsts[i + 1] + 1 > max_chars


@PROPERTY
@given(rows, limits)
def test_chunk_rows_keeps_every_row_in_order_within_the_limit(values: list[str], max_chars: int) -> None:
    values = [json.dumps(json.loads(v)) for v in values]
    check(chunk_rows(values, max_chars), values, max_chars)


@PROPERTY
@given(pages, limits)
def test_batches_span_pages_and_only_full_arrays_come_back_early(many: list[list[str]], max_chars: int) -> None:
    many = [[json.dumps(json.loads(v)) for v in page] for page in many]
    batches = RowBatches(max_chars)
    out: list[tuple[str, int]] = []
    fed: list[str] = []
    for page in many:
        filled = batches.add(page)
        fed += page
        taken = sum(count for _, count in out + filled)
        waiting = fed[taken:]
        if waiting:
            assert len("[" + ",".join(waiting) + "]") <= max_chars or len(waiting) == 1 or not page
        out += filled
    out += batches.flush()
    assert batches.flush() == []
    check(out, fed, max_chars)
