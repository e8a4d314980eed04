"""Printing query results and summaries for people (tables) and for programs (JSON)."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

MAX_CELL = 48


def plain(value: Any) -> Any:
    """A JSON-friendly version of a value Snowpark returned."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def rows_as_dicts(rows: list[Any]) -> list[dict[str, Any]]:
    """Snowpark Rows as plain dicts keyed by column name."""
    return [{k: plain(v) for k, v in row.as_dict().items()} for row in rows]


def to_json(data: Any) -> str:
    """Indented JSON for stdout."""
    return json.dumps(data, indent=2, default=str)


def _cell(value: Any) -> str:
    text = "" if value is None else str(plain(value))
    text = text.replace("\n", " ")
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def table(records: list[dict[str, Any]]) -> str:
    """A fixed-width text table of records (all with the same keys)."""
    if not records:
        return "(no rows)"
    headers = list(records[0])
    cells = [[_cell(r.get(h)) for h in headers] for r in records]
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    rule = "  ".join("-" * w for w in widths)
    body = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join([line, rule, *body])
