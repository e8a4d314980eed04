"""Parsing response bodies, including list pages holding a document the JSON parser cannot take whole."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},:]')
_DOCUMENT_ID = re.compile(r'"document_id"\s*:\s*"((?:[^"\\]|\\.){1,200})"')
EXCERPT_CHARS = 2000
# A Snowflake FLOAT reaches about 1e308 (https://docs.snowflake.com/en/sql-reference/data-types-numeric), so a
# longer integer fits no VARIANT number; Python refuses past 4,300 digits anyway (sys.get_int_max_str_digits).
MAX_INTEGER_DIGITS = 308
# Each ASCII digit becomes "0" and every other byte a space, so a longer integer literal (JSON numbers are ASCII
# digits) shows as a run of MAX_INTEGER_DIGITS + 1 zeros: a plain substring search.
_DIGITS_AS_ZEROS = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
_LONG_RUN = b"0" * (MAX_INTEGER_DIGITS + 1)


@dataclass(frozen=True)
class Unparsed:
    """A document of a list page that could not be parsed; the sync quarantines it."""

    document_id: str | None
    reason: str
    excerpt: str


class ApartPage(dict):
    """A list page that could not be parsed whole, its documents parsed one by one (unparsable ones as Unparsed)."""


class OversizedInteger:
    """An integer literal too long for a VARIANT, kept as its digit count; serialising a document holding one fails
    with TypeError, which the sync turns into a reject."""

    def __init__(self, digits: int) -> None:
        self.digits = digits

    def __repr__(self) -> str:
        return f"<integer of {self.digits} digits>"


def _integer(text: str) -> int | OversizedInteger:
    digits = len(text.lstrip("-"))
    return int(text) if digits <= MAX_INTEGER_DIGITS else OversizedInteger(digits)


def _may_hold_long_integer(text: str) -> bool:
    return _LONG_RUN in text.encode("utf-8", "surrogatepass").translate(_DIGITS_AS_ZEROS)


def _loads(text: str) -> Any:
    """json.loads with integers past MAX_INTEGER_DIGITS kept as OversizedInteger; the parse_int hook, a Python call
    per integer, is only given when the text has a digit run that long."""
    if _may_hold_long_integer(text):
        return json.loads(text, parse_int=_integer)
    return json.loads(text)


def parse_body(text: str) -> Any:
    """Parse a JSON body; a complete list page that cannot be parsed whole is parsed document by document."""
    try:
        return _loads(text)
    except (RecursionError, ValueError) as error:
        page = _parse_documents_apart(text)
        if page is None:
            what = "nested deeper than the JSON parser follows" if isinstance(error, RecursionError) else "invalid"
            raise ValueError(f"the response is {what} JSON") from None
        return page


def _results_span(text: str) -> tuple[int, list[tuple[int, int]]] | None:
    """Where the top-level "results" array ends, and the (start, end) of each element, found without recursion."""
    depth, key, start = 0, None, None
    elements: list[tuple[int, int]] = []
    in_results = False
    for token in _TOKEN.finditer(text):
        value = token.group()
        if value in "[{":
            if in_results and depth == 2 and start is None:
                start = token.start()
            if depth == 1 and key == '"results"' and value == "[":
                in_results, start = True, None
            depth += 1
        elif value in "]}":
            depth -= 1
            if in_results and depth == 1:
                if start is not None:
                    elements.append((start, token.start()))
                return token.start(), elements
        elif value == "," and in_results and depth == 2:
            if start is not None:
                elements.append((start, token.start()))
            start = None
        elif value.startswith('"'):
            if in_results and depth == 2 and start is None:
                start = token.start()
            key = value if depth == 1 else key
    return None


def _parse_documents_apart(text: str) -> ApartPage | None:
    """The page with each element of "results" parsed on its own; None unless the envelope is whole and parses."""
    span = _results_span(text)
    if span is None:
        return None
    end, elements = span
    opening = text.rfind("[", 0, elements[0][0] if elements else end)
    try:
        page = _loads(text[: opening + 1] + text[end:])
    except (RecursionError, ValueError):
        return None
    if not isinstance(page, dict):
        return None
    page["results"] = [_parse_document(text[a:b].strip()) for a, b in elements]
    return ApartPage(page)


def _parse_document(text: str) -> Any:
    try:
        return _loads(text)
    except RecursionError:
        reason = "document is nested deeper than the JSON parser follows"
    except ValueError:
        reason = "document is not valid JSON"
    match = _DOCUMENT_ID.search(text)
    return Unparsed(match.group(1) if match else None, reason, text[:EXCERPT_CHARS])
