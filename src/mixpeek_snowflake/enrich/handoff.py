"""Enrich under two rights: the caller's side reads the source as the caller and hands the rows over; the owner's
side, which alone holds the integration and the secret, pushes them and never reads the source itself."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from mixpeek_snowflake.enrich.options import EnrichRequest, parse_enrich_request
from mixpeek_snowflake.enrich.source import (
    SourceColumn,
    SourcePlan,
    SourceRow,
    column_item,
    grouped_rows,
    item_column,
    item_row,
    plan_source,
    read_rows,
    row_item,
)
from mixpeek_snowflake.enrich.statements import EnrichInbox
from mixpeek_snowflake.errors import InvalidArgument, MixpeekSnowflakeError
from mixpeek_snowflake.snowflake.binds import MAX_BIND_CHARS, RowBatches
from mixpeek_snowflake.snowflake.database import Database
from mixpeek_snowflake.snowflake.timestamps import format_timestamp

HEADER = 0
PAGE = 1000
LEFTOVER_AGE = timedelta(days=1)
TOKEN_CHARS = 32


def new_token() -> str:
    """128 random bits: the only handle on a run's rows in the inbox."""
    return secrets.token_hex(TOKEN_CHARS // 2)


def check_token(value: object) -> str:
    """The token argument of the push, or InvalidArgument."""
    if not isinstance(value, str) or len(value) != TOKEN_CHARS or not all(c in "0123456789abcdef" for c in value):
        raise InvalidArgument(
            "token",
            f"expected the {TOKEN_CHARS} hexadecimal characters enrich_mixpeek_documents "
            "passes; call enrich_mixpeek_documents, not this procedure",
        )
    return value


@dataclass(frozen=True)
class Arguments:
    """The CALL arguments of enrich_mixpeek_documents, as the caller gave them (the owner's side checks them again)."""

    collection_id: object
    source: object
    key_column: object
    options: object

    def parsed(self) -> EnrichRequest:
        """The validated request."""
        return parse_enrich_request(self.collection_id, self.source, self.key_column, self.options)


def _options_json(options: object) -> Any:
    if isinstance(options, str):
        try:
            return json.loads(options)
        except ValueError:
            return options
    return options


def hand_over(
    db: Database,
    inbox: EnrichInbox,
    token: str,
    arguments: Arguments,
    columns: list[SourceColumn],
    plan: SourcePlan,
    display: str,
    now: datetime,
) -> int:
    """Read the source with the caller's session and write its grouped rows, then the request, under the token.

    The request row comes last, and all of it commits at once (a caller with AUTOCOMMIT off holds no open transaction
    when it calls the push): a read that fails leaves nothing. Returns the number of source rows read.
    """
    read = 0

    def counted() -> Iterator[tuple[Any, ...]]:
        nonlocal read
        for row in read_rows(db.session, plan.select_sql, display):
            read += 1
            yield row

    stamp = format_timestamp(now)
    batches = RowBatches(MAX_BIND_CHARS)
    keys = 0
    with db.transaction():
        for keys, row in enumerate(grouped_rows(counted(), plan), start=1):
            item = json.dumps({"seq": keys, "item": row_item(row)}, separators=(",", ":"))
            for chunk, _count in batches.add([item]):
                db.rows(inbox.insert(), [token, stamp, chunk])
        header = {
            "collection_id": arguments.collection_id,
            "source": arguments.source,
            "key_column": arguments.key_column,
            "options": _options_json(arguments.options),
            "columns": [column_item(c) for c in columns],
            "rows_read": read,
            "keys": keys,
        }
        tail = batches.add([json.dumps({"seq": HEADER, "item": header}, separators=(",", ":"), default=str)])
        for chunk, _count in tail + batches.flush():
            db.rows(inbox.insert(), [token, stamp, chunk])
    return read


@dataclass(frozen=True)
class Received:
    """What the owner's side found under a token: the request, its plan and how many keys wait."""

    request: EnrichRequest
    plan: SourcePlan
    rows_read: int
    keys: int


def receive(db: Database, inbox: EnrichInbox, token: str) -> Received | None:
    """The handed-over request under the token, planned again from its columns; None when none is waiting."""
    found = db.first(inbox.items(), [token, HEADER, HEADER])
    if found is None:
        return None
    header = json.loads(found[1])
    if not isinstance(header, dict) or not isinstance(header.get("columns"), list):
        raise InvalidArgument("token", "the handed-over request is not readable")
    arguments = Arguments(
        header.get("collection_id"), header.get("source"), header.get("key_column"), header.get("options")
    )
    request = arguments.parsed()
    columns = [item_column(c) for c in header["columns"] if isinstance(c, dict)]
    return Received(
        request, plan_source(request, columns), int(header.get("rows_read") or 0), int(header.get("keys") or 0)
    )


def waiting_rows(db: Database, inbox: EnrichInbox, token: str, keys: int) -> Iterator[SourceRow]:
    """The handed-over rows in key order, a page of SEQ numbers at a time (whatever ROWS_PER_RESULTSET caps)."""
    first = 1
    while first <= keys:
        page = db.rows(inbox.items(), [token, first, min(first + PAGE - 1, keys)])
        if not page:
            raise MixpeekSnowflakeError(f"the inbox holds {first - 1} of the {keys} rows handed over; run again")
        for _seq, item in page:
            yield item_row(json.loads(item))
        first = int(page[-1][0]) + 1


def clear(db: Database, inbox: EnrichInbox, token: str, now: datetime) -> None:
    """Delete the run's rows, and any a run that never reached its push left more than a day ago, in one commit."""
    with db.transaction():
        db.rows(inbox.clear(), [token])
        db.rows(inbox.expire(), [format_timestamp(now - LEFTOVER_AGE)])


def rows_source(db: Database, inbox: EnrichInbox, token: str, keys: int) -> Callable[[], Iterable[SourceRow]]:
    """The row source the engine reads instead of the source: the inbox, never the source itself."""
    return lambda: waiting_rows(db, inbox, token, keys)
