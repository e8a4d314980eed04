"""What the target's schema holds before a run: refusals of targets a sync must not write, and what to create."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mixpeek_snowflake.arguments import check_governed, check_new_target
from mixpeek_snowflake.errors import InvalidArgument, MixpeekSnowflakeError
from mixpeek_snowflake.snowflake.database import Database
from mixpeek_snowflake.snowflake.identifiers import quote
from mixpeek_snowflake.snowflake.tables import BOOKKEEPING, DOCUMENTS
from mixpeek_snowflake.sync.statements import SyncTables

# The enrichment's tables (mixpeek_snowflake.enrich.statements), named here because capabilities never import each
# other; tests/bundle/sync checks the two lists agree.
ENRICH_TABLES = ("MIXPEEK_ENRICH_STATE", "MIXPEEK_ENRICH_FAILURES", "MIXPEEK_INBOX")
BUNDLE_TABLES = frozenset({spec.name for spec in BOOKKEEPING} | set(ENRICH_TABLES))
TARGET_COLUMNS = frozenset({"DOCUMENT_ID", "CONTENT_HASH", "IS_DELETED", "LAST_RUN_ID"})
BASE_TABLE = "BASE TABLE"


@dataclass
class SchemaFacts:
    """The tables and views of the target's schema: type and creation time by name, and their columns."""

    kinds: dict[str, str] = field(default_factory=dict)
    created: dict[str, str | None] = field(default_factory=dict)
    columns: dict[str, set[str]] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        """True when a table or view of that name exists."""
        return name in self.kinds

    def missing(self, tables: SyncTables) -> list[str]:
        """Names of the sync's tables that do not exist yet, the target first."""
        return [table.name for _, table in tables.specs() if not self.has(table.name)]


def _created_text(value: object) -> str | None:
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo else value
        return moment.replace(tzinfo=None).isoformat()
    return None if value is None else str(value)


def refuse_bundle_table(tables: SyncTables) -> None:
    """A bundle table is never a target: the sync would overwrite its own bookkeeping."""
    name = tables.target.name
    if name in BUNDLE_TABLES or name.startswith("MIXPEEK_SYNC_"):
        raise InvalidArgument(
            "target_table",
            f"{tables.target.display} is one of the bundle's own tables; expected a table of your own, "
            f"e.g. {DOCUMENTS.name} (the default) or MEDIA_DOCUMENTS",
        )


def inspect_schema(db: Database, tables: SyncTables, *, for_write: bool = True) -> SchemaFacts:
    """The target schema's tables and columns; refuses a missing schema, a view, or a table no sync made, and, for a
    run that writes the target, an ungoverned one (refuse_ungoverned)."""
    refuse_bundle_table(tables)
    target = tables.target
    try:
        found = db.count(tables.schema_exists(), [target.schema])
    except Exception:
        found = 0
    if not found:
        raise InvalidArgument(
            "target_table",
            f"schema {target.database}.{target.schema} does not exist, or the owner role cannot use it; "
            "expected a table in an existing schema (create the schema first)",
        )
    facts = SchemaFacts()
    params = [target.schema, *tables.names()]
    for name, kind, created in _whole_answer(db, tables.schema_tables(), params):
        facts.kinds[name] = str(kind)
        facts.created[name] = _created_text(created)
    for (name,) in _whole_answer(db, tables.schema_views(), params):
        facts.kinds[name] = "VIEW"
    for name, columns in _whole_answer(db, tables.schema_columns(), params):
        facts.columns[name] = set(json.loads(columns) if isinstance(columns, str) else columns or ())
    _refuse_foreign_target(facts, tables)
    if for_write:
        refuse_ungoverned(db, tables, facts)
    return facts


def _whole_answer(db: Database, query: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """The rows of a query whose last column counts its rows, without that column; refused when a caller's
    ROWS_PER_RESULTSET cut the answer (a missing table or column would be taken for a table no sync made)."""
    rows = db.rows(query, params)
    if rows and len(rows) < int(rows[0][-1]):
        raise MixpeekSnowflakeError(
            f"the caller's ROWS_PER_RESULTSET returned {len(rows)} of the {rows[0][-1]} rows describing the target's "
            "schema; CALL the procedure with ROWS_PER_RESULTSET = 0 (the default)"
        )
    return [row[:-1] for row in rows]


def refuse_ungoverned(db: Database, tables: SyncTables, facts: SchemaFacts) -> None:
    """Inside Snowflake with governance deployed: an existing target must have its sensitive columns masked
    (arguments.check_governed), and a new one, which would carry no policy, is refused (arguments.check_new_target)."""
    target = tables.target
    database = quote(target.database or "")
    if facts.has(target.name):
        schema = f"{database}.{quote(target.schema or '')}"
        check_governed(db.rows, database, schema, target.sql, target.display, "target_table")
        return
    check_new_target(db.rows, target.display, "target_table")


def _refuse_foreign_target(facts: SchemaFacts, tables: SyncTables) -> None:
    target = tables.target
    kind = facts.kinds.get(target.name)
    if kind is None:
        return
    if kind != BASE_TABLE:
        raise InvalidArgument(
            "target_table", f"{target.display} is a {kind.lower()}, not a table; expected a table a sync writes"
        )
    lacking = sorted(TARGET_COLUMNS - facts.columns.get(target.name, set()))
    if lacking:
        raise InvalidArgument(
            "target_table",
            f"{target.display} exists but no sync made it (it lacks {', '.join(lacking)}); expected a new table "
            "name or a table an earlier sync created",
        )
