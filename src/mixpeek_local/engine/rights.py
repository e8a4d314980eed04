"""Caller's rights on the local engine, which has no roles: a session that may touch only what the caller's role may.

`CallerSession(session, readable={"PRICES"}, insertable={"MIXPEEK_INBOX"})` is the session a caller's-rights
procedure gets: every statement is parsed and refused, as Snowflake refuses it ("Object … does not exist or not
authorized"), when it reads a table or view outside `readable`, inserts outside `insertable`, or is anything but a
query, an INSERT or transaction control. Its `owner_session` is the owner's side (owner's rights: everything),
recording what it runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlglot
from sqlglot import exp

NOT_AUTHORIZED = 2003


class NotAuthorized(Exception):
    """What Snowflake raises when a role may not use an object: error 002003."""

    sql_error_code = NOT_AUTHORIZED

    def __init__(self, name: str, statement: bool = False) -> None:
        text = f"Object '{name}' does not exist or not authorized."
        if statement:
            text = f"SQL access control error: Insufficient privileges to run {name} as the caller."
        super().__init__(f"SQL compilation error: {text}" if not statement else text)


def _names(values: Iterable[str]) -> frozenset[str]:
    return frozenset(v.upper() for v in values)


def _table_names(tree: Any) -> list[str]:
    ctes = {cte.alias_or_name.upper() for cte in tree.find_all(exp.CTE)}
    found = []
    for table in tree.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier) or table.name.upper() in ctes:
            continue
        found.append(".".join(p.name for p in table.parts).upper())
    return found


def _allowed(name: str, allowed: frozenset[str]) -> bool:
    return name in allowed or name.rsplit(".", 1)[-1] in allowed


class Recorder:
    """A session that runs everything and keeps the text of every statement (the owner's side)."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.statements: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)

    def sql(self, query: str, params: Sequence[Any] | None = None) -> Any:
        self.statements.append(query)
        return self.session.sql(query, params=params)


class CallerSession(Recorder):
    """The caller's side: only queries of `readable` objects and INSERTs into `insertable` ones."""

    def __init__(self, session: Any, readable: Iterable[str], insertable: Iterable[str] = ()) -> None:
        super().__init__(session)
        self.readable = _names(readable)
        self.insertable = _names(insertable)
        self.owner_session = Recorder(session)

    def sql(self, query: str, params: Sequence[Any] | None = None) -> Any:
        self.check(query)
        return super().sql(query, params)

    def check(self, query: str) -> None:
        """NotAuthorized unless every object the statement uses is one the caller may use that way."""
        tree = sqlglot.parse_one(query, read="snowflake")
        if isinstance(tree, exp.Transaction | exp.Commit | exp.Rollback):
            return
        if isinstance(tree, exp.Insert):
            target = tree.find(exp.Table)
            name = ".".join(p.name for p in target.parts).upper() if target is not None else "?"
            if not _allowed(name, self.insertable):
                raise NotAuthorized(name)
            reads = _table_names(tree.expression) if tree.expression is not None else []
        elif isinstance(tree, exp.Query):
            reads = _table_names(tree)
        else:
            raise NotAuthorized(tree.key.upper(), statement=True)
        for name in reads:
            if not _allowed(name, self.readable):
                raise NotAuthorized(name)
