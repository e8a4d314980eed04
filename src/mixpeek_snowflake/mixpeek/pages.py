"""Parsing response bodies, including list pages holding a document nested deeper than the JSON parser follows."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},:]')
_DOCUMENT_ID = re.compile(r'"document_id"\s*:\s*"((?:[^"\\]|\\.){1,200})"')
EXCERPT_CHARS = 2000


@dataclass(frozen=True)
class Unparsed:
    """A document of a list page that could not be parsed; the sync quarantines it."""

    document_id: str | None
    reason: str
    excerpt: str


def parse_body(text: str) -> Any:
    """Parse a JSON body; a list page too deep to parse whole is parsed document by document."""
    try:
        return json.loads(text)
    except RecursionError:
        page = _parse_documents_apart(text)
        if page is None:
            raise ValueError("the response is nested deeper than the JSON parser follows") from None
        return page


def _results_span(text: str) -> tuple[int, list[tuple[int, int]]] | None:
    """Where the top-level "results" array ends, and the (start, end) of each element, found without recursion."""
    depth, key, elements, start = 0, None, [], None
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
            elements.append((start, token.start()))
            start = None
        elif value.startswith('"'):
            if in_results and depth == 2 and start is None:
                start = token.start()
            key = value if depth == 1 else key
    return None


def _parse_documents_apart(text: str) -> dict[str, Any] | None:
    span = _results_span(text)
    if span is None:
        return None
    end, elements = span
    opening = text.rfind("[", 0, elements[0][0] if elements else end)
    page = json.loads(text[: opening + 1] + text[end:])
    page["results"] = [_parse_document(text[a:b].strip()) for a, b in elements]
    return page


def _parse_document(text: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        match = _DOCUMENT_ID.search(text)
        reason = "document is nested deeper than the JSON parser follows"
        return Unparsed(match.group(1) if match else None, reason, text[:EXCERPT_CHARS])
