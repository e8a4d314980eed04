"""The demo's view step: CALL create_mixpeek_views, then a glance at the typed views it made."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mixpeek_local.output import rows_as_dicts, table
from mixpeek_snowflake.procedures import create_mixpeek_views
from mixpeek_snowflake.snowflake.identifiers import TableName, quote
from mixpeek_snowflake.views.specs import DOCUMENT_COLUMNS, ITEM_INDEX, ITEM_PARENT_COLUMNS

DEMO_COLLECTION = "col_demo000001"
TYPED = ("FLOAT", "NUMBER(38,0)", "BOOLEAN", "TIMESTAMP_NTZ")
GLANCE_FIELDS = 5
GLANCE_ROWS = 5


def _fields(view: dict[str, Any], skip: tuple[str, ...]) -> list[dict[str, str]]:
    return [c for c in view["columns"] if c["name"] not in skip]


def documents_query(view: dict[str, Any]) -> str:
    """A few rows of the documents view: id, modality and its first typed (non-text) field columns."""
    typed = [c["name"] for c in _fields(view, DOCUMENT_COLUMNS) if c["type"] in TYPED][:GLANCE_FIELDS]
    columns = ", ".join(quote(name) for name in ("DOCUMENT_ID", "MODALITY", *typed))
    source = TableName.parse(view["name"]).sql
    return f'SELECT {columns} FROM {source} ORDER BY "UPDATED_AT" DESC, "DOCUMENT_ID" LIMIT {GLANCE_ROWS}'


def _first(fields: list[dict[str, str]], sql_type: str) -> str | None:
    return next((c["name"] for c in fields if c["type"] == sql_type), None)


def top_values_query(view: dict[str, Any]) -> str | None:
    """The commonest values of a child view's first text column, with the average of its first number column."""
    fields = _fields(view, (*ITEM_PARENT_COLUMNS, ITEM_INDEX))
    text, number = _first(fields, "VARCHAR"), _first(fields, "FLOAT")
    if text is None:
        return None
    average = f", ROUND(AVG({quote(number)}), 3) AS {quote('AVG_' + number)}" if number else ""
    source = TableName.parse(view["name"]).sql
    return (
        f'SELECT {quote(text)}, COUNT(*) AS "ROWS"{average} FROM {source} '
        f'GROUP BY {quote(text)} ORDER BY "ROWS" DESC, {quote(text)} LIMIT {GLANCE_ROWS}'
    )


def glance_child(children: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The child view that makes the best glance: one with text and numbers, else one with text."""
    ranked = [(_first(c["columns"], "FLOAT") is not None, top_values_query(c) is not None, c) for c in children]
    usable = [entry for entry in ranked if entry[1]]
    return max(usable, key=lambda entry: entry[0])[2] if usable else None


def _show(session: Any, say: Callable[[str], None], title: str, query: str) -> None:
    say(f"\n== {title}\n{query}")
    say(table(rows_as_dicts(session.sql(query).collect())))


def show_views(session: Any, say: Callable[[str], None] = print, collection_id: str = DEMO_COLLECTION) -> dict:
    """Create the collection's typed views and print what they hold; returns the procedure's summary."""
    say(f"\nCALL create_mixpeek_views('{collection_id}')")
    summary = create_mixpeek_views(session, collection_id)
    listing = [
        {"VIEW": v["name"].rsplit(".", 1)[-1], "ROWS": v["rows"], "COLUMNS": len(v["columns"])}
        for v in summary["views"]
    ]
    say(table(listing))
    documents, *children = summary["views"]
    _show(session, say, f"Typed documents view {documents['name']}", documents_query(documents))
    child = glance_child(children)
    if child is not None:
        title = f"Child view {child['name']} (one row per {child['rows']} element)"
        _show(session, say, title, top_values_query(child) or "")
    return summary
