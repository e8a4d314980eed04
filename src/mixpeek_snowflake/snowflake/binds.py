"""Rows bound into statements: gathered into JSON arrays no larger than a bound value may be."""

from __future__ import annotations

MAX_BIND_CHARS = 4_000_000


class RowBatches:
    """Rows gathered, across pages, into JSON arrays of at most max_chars each (a larger row goes alone)."""

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self._rows: list[str] = []
        self._size = 2

    def add(self, rows: list[str]) -> list[tuple[str, int]]:
        """Take rows in order; return the arrays that filled up, with their row counts."""
        full = []
        for row in rows:
            if self._rows and self._size + len(row) + 1 > self.max_chars:
                full.append(self._take())
            self._rows.append(row)
            self._size += len(row) + 1
        return full

    def flush(self) -> list[tuple[str, int]]:
        """The partly filled array, if any rows are waiting."""
        return [self._take()] if self._rows else []

    def _take(self) -> tuple[str, int]:
        batch = ("[" + ",".join(self._rows) + "]", len(self._rows))
        self._rows, self._size = [], 2
        return batch


def chunk_rows(rows: list[str], max_chars: int) -> list[tuple[str, int]]:
    """Join rows into JSON arrays of at most max_chars each (a larger row goes alone), with their row counts."""
    batches = RowBatches(max_chars)
    return batches.add(rows) + batches.flush()
