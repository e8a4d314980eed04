"""Rows bound into statements: gathered into JSON arrays small enough for one statement Snowflake can retry.

Snowflake recommends at most 1 MB per statement, bind values included, after compression: "Larger queries
process normally, but you could not rerun or retry" them (https://docs.snowflake.com/en/user-guide/query-size-limits).
An array is at most MAX_BIND_CHARS characters and, compressed as a client sends it, at most MAX_BOUND_BYTES, which
leaves room for the statement text and the other binds.
"""

from __future__ import annotations

import zlib

MAX_BIND_CHARS = 4_000_000
MAX_BOUND_BYTES = 900_000


def compressed_size(text: str) -> int:
    """Bytes of text after gzip-level compression (zlib, level 6), as the clients compress a request."""
    return len(zlib.compress(text.encode("utf-8"), 6))


def fits(text: str, max_bytes: int = MAX_BOUND_BYTES) -> bool:
    """True when text, bound alone, stays within max_bytes as UTF-8 or compressed (a character is at most 4 bytes, so
    short text is neither encoded nor compressed to know)."""
    if 4 * len(text) <= max_bytes:
        return True
    encoded = text.encode("utf-8")
    return len(encoded) <= max_bytes or len(zlib.compress(encoded, 6)) <= max_bytes


class RowBatches:
    """Rows gathered, across pages, into JSON arrays of at most max_chars each and at most max_bytes compressed
    (a row too large for either goes alone)."""

    def __init__(self, max_chars: int, max_bytes: int = MAX_BOUND_BYTES) -> None:
        self.max_chars = max_chars
        self.max_bytes = max_bytes
        self._rows: list[str] = []
        self._size = 2

    def add(self, rows: list[str]) -> list[tuple[str, int]]:
        """Take rows in order; return the arrays that filled up, with their row counts."""
        full = []
        for row in rows:
            if self._rows and self._size + len(row) + 1 > self.max_chars:
                full += self._take()
            self._rows.append(row)
            self._size += len(row) + 1
        return full

    def flush(self) -> list[tuple[str, int]]:
        """The partly filled array, if any rows are waiting."""
        return self._take() if self._rows else []

    def _take(self) -> list[tuple[str, int]]:
        rows, self._rows, self._size = self._rows, [], 2
        return self._split(rows)

    def _split(self, rows: list[str]) -> list[tuple[str, int]]:
        batch = "[" + ",".join(rows) + "]"
        if len(rows) == 1 or fits(batch, self.max_bytes):
            return [(batch, len(rows))]
        half = len(rows) // 2
        return self._split(rows[:half]) + self._split(rows[half:])


def chunk_rows(rows: list[str], max_chars: int, max_bytes: int = MAX_BOUND_BYTES) -> list[tuple[str, int]]:
    """Join rows into JSON arrays of at most max_chars and max_bytes compressed each (a larger row goes alone),
    with their row counts."""
    batches = RowBatches(max_chars, max_bytes)
    return batches.add(rows) + batches.flush()
