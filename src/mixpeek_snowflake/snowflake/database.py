"""The one place SQL is executed: a Snowpark session, bound parameters, counted statements, writes that land."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from mixpeek_snowflake.errors import MixpeekSnowflakeError

log = logging.getLogger("mixpeek_snowflake.database")
WHO = "SELECT CURRENT_USER(), CURRENT_ROLE(), LAST_QUERY_ID()"
WHO_WITHOUT_QUERY_ID = "SELECT CURRENT_USER(), CURRENT_ROLE(), NULL"
CURRENT_TRANSACTION = "SELECT CURRENT_TRANSACTION()"
TRANSACTIONS_URL = "https://docs.snowflake.com/en/sql-reference/transactions"
_DML = re.compile(r"^\s*(INSERT|UPDATE|DELETE|MERGE|TRUNCATE)\b", re.IGNORECASE)
_ENDS = re.compile(r"^\s*(COMMIT|ROLLBACK|CREATE|ALTER|DROP|UNDROP|GRANT|REVOKE|COMMENT)\b", re.IGNORECASE)


class SessionLike(Protocol):
    def sql(self, query: str, params: Sequence[Any] | None = None) -> Any: ...


class InsideTransaction(MixpeekSnowflakeError):
    """The CALL was made inside the caller's open transaction: refused before any statement that could change it."""


class Database:
    """Runs statements on the caller's thread and counts them (the run summary reports the count).

    A stored procedure inherits the caller's AUTOCOMMIT: with it off, the first DML after a transaction ends opens
    an implicit one, a BEGIN inside it is ignored, and one still open when the procedure returns is rolled back with
    an error (TRANSACTIONS_URL). So the writes made outside `transaction()` are `pending` until `commit()` lands
    them, and `transaction()` lands them before its BEGIN; with AUTOCOMMIT on that COMMIT is a no-op.
    """

    def __init__(self, session: SessionLike) -> None:
        self.session = session
        self.statements = 0
        self.pending = False
        self._in_transaction = False

    def rows(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Execute one statement and return its rows as tuples."""
        self.statements += 1
        log.debug("sql %s", query.split(" (", 1)[0][:80])
        if not self._in_transaction and _DML.match(query):
            self.pending = True
        result = self.session.sql(query, params=list(params) if params else None).collect()
        if not self._in_transaction and _ENDS.match(query):
            self.pending = False
        return [tuple(row) for row in result]

    def first(self, query: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """The first row, or None."""
        rows = self.rows(query, params)
        return rows[0] if rows else None

    def count(self, query: str, params: Sequence[Any] = ()) -> int:
        """The first number a statement reports: rows affected by DML, or a COUNT(*)."""
        row = self.first(query, params)
        return int(row[0]) if row and row[0] is not None else 0

    def who(self) -> tuple[Any, ...]:
        """CURRENT_USER(), CURRENT_ROLE() and LAST_QUERY_ID() for a run row; the query id is NULL where the engine
        lacks it."""
        try:
            return self.first(WHO) or (None, None, None)
        except Exception:
            return self.first(WHO_WITHOUT_QUERY_ID) or (None, None, None)

    def commit(self) -> None:
        """Land the writes made since the last commit (the caller's AUTOCOMMIT may be off); none pending: no-op."""
        if self.pending:
            self.rows("COMMIT")

    def refuse_open_transaction(self, procedure: str) -> None:
        """Refuse a CALL made inside an open transaction, before any write, DDL or request: the procedures' DDL
        would commit it ("Modifying a transaction that has started at a different scope is not allowed")."""
        row = self.first(CURRENT_TRANSACTION)
        if row and row[0] is not None:
            raise InsideTransaction(
                f"{procedure} was called inside an open transaction (CURRENT_TRANSACTION() = {row[0]}); it creates "
                "tables and commits its own work, so CALL it outside a transaction: COMMIT or ROLLBACK first (with "
                f"AUTOCOMMIT off, any DML before the CALL opened one). Nothing was changed. See {TRANSACTIONS_URL}"
            )

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN … COMMIT, or ROLLBACK when the block or the COMMIT raises; pending writes land first, so the
        BEGIN opens a transaction of its own even when the caller's AUTOCOMMIT is off."""
        self.commit()
        self.rows("BEGIN")
        self._in_transaction = True
        try:
            yield
            self.rows("COMMIT")
        except BaseException:
            self._roll_back()
            raise
        finally:
            self._in_transaction = False

    def _roll_back(self) -> None:
        try:
            self.rows("ROLLBACK")
        except Exception:
            log.exception("ROLLBACK failed; the session closes the transaction when it ends")


def for_procedure(session: SessionLike, procedure: str) -> Database:
    """The Database of one CALL, refused at once when the CALL runs inside an open transaction."""
    db = Database(session)
    db.refuse_open_transaction(procedure)
    return db
