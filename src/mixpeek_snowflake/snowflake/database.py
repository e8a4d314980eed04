"""The one place SQL is executed: a Snowpark session, bound parameters, counted statements."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

log = logging.getLogger("mixpeek_snowflake.database")


class SessionLike(Protocol):
    def sql(self, query: str, params: Sequence[Any] | None = None) -> Any: ...


class Database:
    """Runs statements on the caller's thread and counts them (the run summary reports the count)."""

    def __init__(self, session: SessionLike) -> None:
        self.session = session
        self.statements = 0

    def rows(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Execute one statement and return its rows as tuples."""
        self.statements += 1
        log.debug("sql %s", query.split(" (", 1)[0][:80])
        result = self.session.sql(query, params=list(params) if params else None).collect()
        return [tuple(row) for row in result]

    def first(self, query: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """The first row, or None."""
        rows = self.rows(query, params)
        return rows[0] if rows else None

    def count(self, query: str, params: Sequence[Any] = ()) -> int:
        """The first number a statement reports: rows affected by DML, or a COUNT(*)."""
        row = self.first(query, params)
        return int(row[0]) if row and row[0] is not None else 0

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN … COMMIT, or ROLLBACK when the block or the COMMIT raises."""
        self.rows("BEGIN")
        try:
            yield
            self.rows("COMMIT")
        except BaseException:
            self._roll_back()
            raise

    def _roll_back(self) -> None:
        try:
            self.rows("ROLLBACK")
        except Exception:
            log.exception("ROLLBACK failed; the session closes the transaction when it ends")
