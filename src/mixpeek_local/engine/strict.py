"""The strict local engine: a Snowpark session on fakesnow that applies the rules a real procedure runs under.

`procedure(session, caller)` runs a handler the way Snowflake runs an owner's-rights Python procedure: in the
procedure's own database and schema, with the caller's AUTOCOMMIT, TIMESTAMP_INPUT_FORMAT, ROWS_PER_RESULTSET and
open transaction, refusing what Snowflake refuses (see engine/rules.py and docs/strict-engine.md).
It is on by default where `from_environment` or `handler` is used; MIXPEEK_STRICT_ENGINE=0 turns it off.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlglot
from snowflake.snowpark import Row
from sqlglot import exp

from mixpeek_local.engine import rules
from mixpeek_local.engine.rules import StrictViolation

SWITCH = "MIXPEEK_STRICT_ENGINE"
DONE = [Row(status="Statement executed successfully.")]
OTHER_SCOPE = "Modifying a transaction that has started at a different scope is not allowed."
T = TypeVar("T")


@dataclass(frozen=True)
class Caller:
    """The caller's session as an owner's-rights procedure sees it (the parameters it inherits)."""

    autocommit: bool = True
    timestamp_input_format: str = "AUTO"
    rows_per_resultset: int = 0
    in_transaction: bool = False
    error_on_nondeterministic_merge: bool = True


def caller_from_environment(environ: Mapping[str, str] = os.environ) -> Caller:
    """MIXPEEK_STRICT_AUTOCOMMIT=0, _TIMESTAMP_INPUT_FORMAT=…, _ROWS_PER_RESULTSET=n, _CALLER_TRANSACTION=1."""
    return Caller(
        autocommit=environ.get("MIXPEEK_STRICT_AUTOCOMMIT", "1") != "0",
        timestamp_input_format=environ.get("MIXPEEK_STRICT_TIMESTAMP_INPUT_FORMAT") or "AUTO",
        rows_per_resultset=int(environ.get("MIXPEEK_STRICT_ROWS_PER_RESULTSET") or 0),
        in_transaction=environ.get("MIXPEEK_STRICT_CALLER_TRANSACTION", "0") == "1",
    )


def enabled(environ: Mapping[str, str] = os.environ) -> bool:
    """True unless MIXPEEK_STRICT_ENGINE=0."""
    return environ.get(SWITCH, "1") != "0"


class StrictResult:
    """What StrictSession.sql returns: runs the statement under the rules when collected."""

    def __init__(self, owner: StrictSession, query: str, params: Sequence[Any] | None) -> None:
        self._owner = owner
        self._query = query
        self._params = params

    def collect(self) -> list[Any]:
        return self._owner.execute(self._query, self._params)

    def to_local_iterator(self) -> Iterator[Any]:
        return iter(self.collect())

    @property
    def schema(self) -> Any:
        return self._owner.session.sql(self._query, params=self._params).schema


class StrictSession:
    """A Snowpark session seen from inside a stored procedure: the handlers' only way to run SQL."""

    def __init__(self, session: Any, caller: Caller | None = None, home: tuple[str, str] | None = None) -> None:
        self.session: Any = session.session if isinstance(session, StrictSession) else session
        self.caller = caller or Caller()
        self.thread = threading.current_thread()
        self.own_transaction = False
        self.caller_transaction = self.caller.in_transaction
        self.home = home
        self.entered: tuple[str, str] | None = None
        self.transactions = 0
        self.in_call = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)

    def sql(self, query: str, params: Sequence[Any] | None = None) -> StrictResult:
        """Check the statement's text now; run it when collected."""
        self._check_thread()
        rules.check_statement(query, params, self.caller.timestamp_input_format)
        self.enter()
        return StrictResult(self, query, params)

    def enter(self) -> None:
        """At the first statement: the caller's transaction (when it has one) and the procedure's context."""
        if self.entered is not None:
            return
        self.entered = _context(self.session)
        if self.caller_transaction:
            self._send("BEGIN", None)
        _use(self.session, *(self.home or self.entered))

    def leave(self, failed: bool) -> None:
        """After the CALL: the caller's transaction ends as the caller would end it, and its context is back."""
        if self.entered is None:
            return
        if self.caller_transaction:
            self._send("ROLLBACK" if failed else "COMMIT", None)
        _use(self.session, *self.entered)

    def execute(self, query: str, params: Sequence[Any] | None) -> list[Any]:
        """Run one statement with Snowflake's transaction semantics for the caller's AUTOCOMMIT."""
        self._check_thread()
        kind = rules.keyword(query)
        if rules.asks_current_transaction(query):
            return [Row(**{"CURRENT_TRANSACTION()": self.current_transaction()})]
        if kind in rules.BEGIN:
            return self._begin()
        if kind in rules.END:
            return self._end(query)
        if kind in rules.DDL:
            self._before_ddl()
        elif kind in rules.DML:
            self._before_dml(query, params)
        rows = self._send(query, params)
        limit = self.caller.rows_per_resultset
        return rows[:limit] if limit > 0 else rows

    def current_transaction(self) -> str | None:
        """CURRENT_TRANSACTION(): an id while the caller's or the procedure's own transaction is open, else NULL."""
        if not (self.caller_transaction or self.own_transaction):
            return None
        return str(1_700_000_000_000_000_000 + self.transactions)

    def _send(self, query: str, params: Sequence[Any] | None) -> list[Any]:
        return list(self.session.sql(query, params=list(params) if params else None).collect())

    def _check_thread(self) -> None:
        if threading.current_thread() is not self.thread:
            raise StrictViolation(
                "main-thread", "Running concurrent queries is not supported in stored procedures.", rules.LIMITATIONS
            )

    def _begin(self) -> list[Any]:
        if self.own_transaction:
            return DONE
        if self.caller_transaction:
            raise StrictViolation(
                "caller-transaction",
                "BEGIN inside a CALL made in the caller's open transaction starts a scoped transaction the local "
                "engine cannot emulate; CALL the procedure outside a transaction",
                rules.TRANSACTIONS,
            )
        self._send("BEGIN", None)
        self.own_transaction = True
        self.transactions += 1
        return DONE

    def _end(self, query: str) -> list[Any]:
        if self.own_transaction:
            rows = self._send(query, None)
            self.own_transaction = False
            return rows
        if self.caller_transaction:
            raise StrictViolation("caller-transaction", OTHER_SCOPE, rules.TRANSACTIONS, 3001)
        return DONE

    def _before_ddl(self) -> None:
        if self.caller_transaction:
            raise StrictViolation("ddl-in-caller-transaction", OTHER_SCOPE, rules.TRANSACTIONS, 3001)
        if self.own_transaction:
            self._send("COMMIT", None)
            self.own_transaction = False

    def _before_dml(self, query: str, params: Sequence[Any] | None) -> None:
        if not self.caller.autocommit and not self.own_transaction and not self.caller_transaction:
            self._send("BEGIN", None)
            self.own_transaction = True
            self.transactions += 1
        if self.caller.error_on_nondeterministic_merge and rules.keyword(query) == "MERGE":
            check_merge_sources(self, query, params)

    def finish(self, failed: bool) -> None:
        """End of the procedure: an open transaction of its own is rolled back, and that is an error."""
        if not self.own_transaction:
            return
        self.own_transaction = False
        self._send("ROLLBACK", None)
        if not failed:
            raise StrictViolation(
                "no-open-transaction-at-end",
                "the stored procedure ended with an active transaction: Snowflake rolls it back and issues an error",
                rules.TRANSACTIONS,
            )


def duplicate_probe(query: str, params: Sequence[Any] | None) -> tuple[str, list[Any]] | None:
    """A query counting target rows that join more than one source row of a MERGE with a WHEN MATCHED clause."""
    try:
        tree = sqlglot.parse_one(query, read="snowflake")
    except sqlglot.errors.ParseError:
        return None
    whens = tree.args.get("whens")
    if not isinstance(tree, exp.Merge) or whens is None:
        return None
    if not any(w.args.get("matched") for w in whens.expressions):
        return None
    target, source, on = tree.this, tree.args["using"], tree.args["on"]
    alias = target.alias_or_name
    used = sum(len(list(node.find_all(exp.Placeholder))) for node in (target, source, on))
    probe = (
        f"SELECT COUNT(*) FROM (SELECT {alias}.rowid FROM {target.sql('snowflake')} "
        f"JOIN {source.sql('snowflake')} ON {on.sql('snowflake')} GROUP BY 1 HAVING COUNT(*) > 1)"
    )
    return probe, list(params or [])[:used]


def check_merge_sources(strict: StrictSession, query: str, params: Sequence[Any] | None) -> None:
    """ERROR_ON_NONDETERMINISTIC_MERGE (default TRUE): a target row matched by two source rows fails the MERGE."""
    probe = duplicate_probe(query, params)
    if probe is None:
        return
    rows = strict.session.sql(probe[0], params=probe[1] or None).collect()
    if rows and rows[0][0]:
        raise StrictViolation(
            "merge-duplicate-source",
            f"Duplicate row detected during DML action ({rows[0][0]} target rows joined more than one source row)",
            rules.MERGE,
            100090,
        )


def _context(session: Any) -> tuple[str, str]:
    row = session.sql("SELECT CURRENT_DATABASE(), CURRENT_SCHEMA()").collect()[0]
    return str(row[0]), str(row[1])


def _use(session: Any, database: str, schema: str) -> None:
    session.sql(f'USE SCHEMA "{database}"."{schema}"').collect()


@contextmanager
def procedure(
    session: Any, caller: Caller | None = None, home: tuple[str, str] | None = None
) -> Iterator[StrictSession]:
    """One CALL: the procedure's database and schema (home, default the session's) whatever the caller USEs.

    Nothing is sent before the handler's first statement, so a handler that refuses its arguments sends none.
    """
    strict = StrictSession(session, caller, home)
    strict.in_call = True
    failed = False
    try:
        yield strict
    except BaseException:
        failed = True
        raise
    finally:
        try:
            strict.finish(failed)
        finally:
            strict.leave(failed)


def call(
    handler: Callable[..., T],
    session: Any,
    *args: Any,
    caller: Caller | None = None,
    home: tuple[str, str] | None = None,
    **kwargs: Any,
) -> T:
    """CALL handler(session, *args) under the strict engine."""
    with procedure(session, caller, home) as strict:
        return handler(strict, *args, **kwargs)


def handler(function: Callable[..., T]) -> Callable[..., T]:
    """The handler run under the strict engine unless MIXPEEK_STRICT_ENGINE=0 (read at each call)."""

    @functools.wraps(function)
    def run(session: Any, *args: Any, **kwargs: Any) -> T:
        if not enabled() or (isinstance(session, StrictSession) and session.in_call):
            return function(session, *args, **kwargs)
        return call(function, session, *args, caller=caller_from_environment(), **kwargs)

    return run


def unwrapped(session: Any) -> Any:
    """The Snowpark session under a StrictSession (what an app or worksheet, not a procedure, would query)."""
    return session.session if isinstance(session, StrictSession) else session


def from_environment(session: Any) -> Any:
    """A StrictSession for the caller the environment describes, or with MIXPEEK_STRICT_ENGINE=0 the session itself.

    Statement rules and AUTOCOMMIT apply to every statement; the end-of-CALL rules need `procedure` or `handler`.
    """
    return StrictSession(session, caller_from_environment()) if enabled() else session
