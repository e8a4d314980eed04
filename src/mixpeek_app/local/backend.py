"""The local backend: queries on the local engine, procedures and the search function as their Python handlers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from mixpeek_app import queries


@dataclass
class LocalBackend:
    """Snowflake's CALL and TABLE(mixpeek_search(…)) replaced by the handlers they run, on the same session.

    A CALL runs under the strict engine (docs/strict-engine.md): the procedure's own schema, the caller's AUTOCOMMIT,
    no DDL inside a caller's transaction, as Snowflake runs it.
    """

    session: Any
    defaults: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from mixpeek_local.engine import strict

        self.session = strict.unwrapped(self.session)

    def query(self, statement: queries.Statement) -> list[dict[str, Any]]:
        return queries.run(self.session, statement)

    def call(self, procedure: str, args: Sequence[Any]) -> Any:
        queries.call(queries.Bundle("LOCAL", "LOCAL"), procedure, args)
        handler = _bundle_handler(procedure)
        if handler is None:
            raise LookupError(f"{procedure} is not a procedure of this bundle")
        from mixpeek_local.engine import strict

        return strict.call(handler, self.session, *args)

    def search(self, retriever: str, query: str, limit: int) -> list[dict[str, Any]]:
        from mixpeek_snowflake.functions import MixpeekSearch
        from mixpeek_snowflake.search.retrieval import COLUMNS

        rows = MixpeekSearch().process(retriever, {"query": query}, {"limit": limit})
        return [
            {name: value for name, value in zip(COLUMNS, row, strict=True) if name in queries.SEARCH_COLUMNS}
            for row in rows
        ]


def _bundle_handler(procedure: str) -> Callable[..., Any] | None:
    from mixpeek_snowflake import procedures

    handler = getattr(procedures, procedure, None)
    return handler if callable(handler) else None
