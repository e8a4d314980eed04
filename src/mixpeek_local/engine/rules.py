"""Snowflake's rules for statements a Python stored procedure sends, as pure checks of the SQL text and its binds.

Each check raises StrictViolation naming the rule and the documentation page it comes from.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Sequence
from typing import Any

from snowflake.snowpark.exceptions import SnowparkSQLException

RIGHTS = "https://docs.snowflake.com/en/developer-guide/stored-procedure/stored-procedures-rights"
LIMITATIONS = "https://docs.snowflake.com/en/developer-guide/stored-procedure/python/procedure-python-limitations"
TRANSACTIONS = "https://docs.snowflake.com/en/sql-reference/transactions"
QUERY_SIZE = "https://docs.snowflake.com/en/user-guide/query-size-limits"
TO_TIMESTAMP = "https://docs.snowflake.com/en/sql-reference/functions/to_timestamp"
MERGE = "https://docs.snowflake.com/en/sql-reference/sql/merge"
MULTI_STATEMENT = "https://docs.snowflake.com/en/developer-guide/sql-api/submitting-multiple-statements"
LIMIT_BIND = "https://github.com/snowflakedb/snowflake-jdbc/issues/974"
MAX_STATEMENT_BYTES = 1_000_000
DDL = frozenset({"CREATE", "ALTER", "DROP", "UNDROP", "COMMENT", "GRANT", "REVOKE"})
DML = frozenset({"INSERT", "UPDATE", "DELETE", "MERGE", "TRUNCATE"})
BEGIN = frozenset({"BEGIN", "START"})
END = frozenset({"COMMIT", "ROLLBACK"})
_LITERAL = re.compile(r"\$\$.*?\$\$|'(?:[^'\\]|\\.|'')*'", re.DOTALL)
_COMMENT = re.compile(r"--[^\n]*|//[^\n]*|/\*.*?\*/", re.DOTALL)
_LIMIT_BIND = re.compile(r"\b(LIMIT|TOP|FETCH\s+(FIRST|NEXT))\s+\?", re.IGNORECASE)
_NAMED_TEMPORARY = re.compile(r"^CREATE\s+(OR\s+REPLACE\s+)?((LOCAL|GLOBAL)\s+)?(TEMP|TEMPORARY|VOLATILE)\b", re.I)
_SET_AUTOCOMMIT = re.compile(r"^ALTER\s+SESSION\s+(SET|UNSET)\b.*\bAUTOCOMMIT\b", re.IGNORECASE | re.DOTALL)
_CONVERSION = re.compile(r"\b(TRY_)?TO_TIMESTAMP(_NTZ|_LTZ|_TZ)?\s*\(", re.IGNORECASE)
_TEXT_CAST = re.compile(
    r"(\?|''|::\s*(VARCHAR|STRING|TEXT)(\(\d+\))?)\s*(::\s*|\s+AS\s+)(TIMESTAMP\w*|DATETIME)\b", re.IGNORECASE
)
_CURRENT_TRANSACTION = re.compile(r"^SELECT\s+CURRENT_TRANSACTION\s*\(\s*\)\s*;?$", re.IGNORECASE)
_TEXT_ARGUMENT = re.compile(r"^(\?|''|.*::\s*(VARCHAR|STRING|TEXT)(\(\d+\))?)$", re.IGNORECASE | re.DOTALL)


class StrictViolation(SnowparkSQLException):
    """A statement Snowflake would refuse (or could not retry) inside a stored procedure."""

    def __init__(self, rule: str, message: str, url: str, sql_error_code: int | None = None) -> None:
        super().__init__(f"{message} [strict engine rule {rule}: {url}]", sql_error_code=sql_error_code)
        self.rule = rule
        self.url = url


def code_only(text: str) -> str:
    """The statement with comments removed and every string literal (and $$ block) replaced by ''."""
    return _COMMENT.sub(" ", _LITERAL.sub("''", text)).strip()


def keyword(text: str) -> str:
    """The statement's first keyword, upper case."""
    words = code_only(text).split(None, 1)
    return words[0].upper().rstrip(";") if words else ""


def asks_current_transaction(text: str) -> bool:
    """True for `SELECT CURRENT_TRANSACTION()`, which the engine answers (fakesnow lacks the function)."""
    return bool(_CURRENT_TRANSACTION.match(code_only(text)))


def check_single_statement(text: str) -> None:
    """session.sql runs exactly one statement (the connector's statement count is 1)."""
    parts = [p for p in code_only(text).split(";") if p.strip()]
    if len(parts) > 1:
        raise StrictViolation(
            "single-statement",
            f"Actual statement count {len(parts)} did not match the desired statement count 1.",
            MULTI_STATEMENT,
            8,
        )


def check_no_put_get(text: str) -> None:
    """PUT and GET cannot run through Session.sql in a stored procedure."""
    if keyword(text) in ("PUT", "GET"):
        raise StrictViolation(
            "no-put-get",
            'You cannot use APIs that execute PUT and GET commands, including Session.sql("PUT ...")',
            LIMITATIONS,
        )


def check_no_limit_bind(text: str) -> None:
    """A row count bound as `LIMIT ?` is unsettled on Snowflake: inline the constant."""
    if _LIMIT_BIND.search(code_only(text)):
        raise StrictViolation("no-limit-bind", "Invalid row count '?' in limit clause", LIMIT_BIND)


def check_no_named_temporary(text: str) -> None:
    """An owner's-rights procedure cannot create named temporary objects."""
    if _NAMED_TEMPORARY.match(code_only(text)):
        raise StrictViolation(
            "no-named-temporary",
            "Creating named temp objects is not supported in an owner's rights stored procedure.",
            LIMITATIONS,
        )


def check_autocommit_untouched(text: str) -> None:
    """A stored procedure may not change AUTOCOMMIT."""
    if _SET_AUTOCOMMIT.match(code_only(text)):
        raise StrictViolation(
            "autocommit-untouched", "Do not change AUTOCOMMIT settings inside a stored procedure.", TRANSACTIONS
        )


def compressed_size(text: str, params: Sequence[Any] | None) -> int:
    """Bytes of the statement text plus its bind values after gzip, as a client sends them."""
    payload = text + (json.dumps(list(params), default=str) if params else "")
    return len(gzip.compress(payload.encode(), compresslevel=6))


def check_size(text: str, params: Sequence[Any] | None) -> None:
    """At most 1 MB per statement, binds included, after compression: larger ones cannot be retried."""
    size = compressed_size(text, params)
    if size > MAX_STATEMENT_BYTES:
        raise StrictViolation(
            "statement-size",
            f"statement is {size} bytes compressed with its binds; Snowflake recommends at most "
            f"{MAX_STATEMENT_BYTES} and cannot rerun or retry larger ones",
            QUERY_SIZE,
        )


def call_arguments(text: str, start: int) -> tuple[list[str], int | None]:
    """The top-level arguments of the call whose '(' is at start, and the index after its ')' (None: unbalanced)."""
    depth = 0
    current: list[str] = []
    arguments: list[str] = []
    for index in range(start, len(text)):
        char = text[index]
        if char == "(":
            depth += 1
            if depth == 1:
                continue
        elif char == ")":
            depth -= 1
            if depth == 0:
                return [*arguments, "".join(current).strip()], index + 1
        elif char == "," and depth == 1:
            arguments.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    return [*arguments, "".join(current).strip()], None


def bare_text_conversions(text: str) -> list[str]:
    """Text→timestamp conversions with no explicit format: they read the session's TIMESTAMP_INPUT_FORMAT."""
    code = code_only(text)
    found = [m.group(0) for m in _TEXT_CAST.finditer(code)]
    for match in _CONVERSION.finditer(code):
        arguments, _ = call_arguments(code, match.end() - 1)
        if len(arguments) == 1 and _TEXT_ARGUMENT.match(arguments[0]):
            found.append(f"{match.group(0)}{arguments[0]})")
    return found


def check_timestamp_format(text: str, input_format: str) -> None:
    """Under a caller TIMESTAMP_INPUT_FORMAT other than AUTO, a bare text conversion fails (conservatively)."""
    if input_format.upper() == "AUTO":
        return
    bare = bare_text_conversions(text)
    if bare:
        raise StrictViolation(
            "timestamp-input-format",
            f"Timestamp is not recognized: {bare[0]} reads the caller's TIMESTAMP_INPUT_FORMAT "
            f"'{input_format}'; give the conversion an explicit format",
            TO_TIMESTAMP,
            100035,
        )


def check_statement(text: str, params: Sequence[Any] | None, timestamp_input_format: str = "AUTO") -> None:
    """Every text-only rule, in order."""
    check_single_statement(text)
    check_no_put_get(text)
    check_no_limit_bind(text)
    check_no_named_temporary(text)
    check_autocommit_untouched(text)
    check_size(text, params)
    check_timestamp_format(text, timestamp_input_format)
