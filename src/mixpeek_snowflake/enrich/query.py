"""The source query guard: a strict Snowflake tokenizer that accepts one read-only SELECT or WITH query only."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from mixpeek_snowflake.errors import InvalidArgument

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_VARIABLE = re.compile(r"\$[A-Za-z0-9_]+")
_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_OPERATORS = ("::", "||", "<=", ">=", "<>", "!=", "=>", "->")
_PUNCTUATION = frozenset("(),.;:+-*/%=<>![]{}?~^&|")
_WRITES = frozenset({"ALTER", "CREATE", "DELETE", "DROP", "GRANT", "REVOKE", "UPDATE", "INSERT"})
_CLOSING = {")": "(", "]": "[", "}": "{"}


@dataclass(frozen=True)
class Token:
    """One lexical unit: kind is word, quoted, string, number, variable, comment, space or the punctuation itself."""

    kind: str
    text: str
    start: int


def _refuse(problem: str) -> InvalidArgument:
    return InvalidArgument("source", problem)


def _until(text: str, start: int, closer: str, what: str) -> int:
    end = text.find(closer, start)
    if end < 0:
        raise _refuse(f"has an unterminated {what} starting at character {start - len(closer) + 1}")
    return end + len(closer)


def _string_end(text: str, i: int) -> int:
    j = i + 1
    while j < len(text):
        if text[j] == "\\" or text.startswith("''", j):
            j += 2
        elif text[j] == "'":
            return j + 1
        else:
            j += 1
    raise _refuse(f"has an unterminated string literal starting at character {i}")


def _quoted_end(text: str, i: int) -> int:
    j = i + 1
    while j < len(text):
        if text.startswith('""', j):
            j += 2
        elif text[j] == '"':
            return j + 1
        else:
            j += 1
    raise _refuse(f"has an unterminated quoted identifier starting at character {i}")


def _scan(text: str, i: int) -> tuple[str, int]:
    """The kind of the token at i and where it ends."""
    if text[i].isspace():
        return "space", i + 1
    if text.startswith(("--", "//"), i):
        end = text.find("\n", i)
        return "comment", len(text) if end < 0 else end + 1
    if text.startswith("/*", i):
        return "comment", _until(text, i + 2, "*/", "comment")
    if text.startswith("$$", i):
        return "string", _until(text, i + 2, "$$", "$$ string")
    if text[i] == "'":
        return "string", _string_end(text, i)
    if text[i] == '"':
        return "quoted", _quoted_end(text, i)
    for kind, pattern in (("word", _IDENTIFIER), ("variable", _VARIABLE), ("number", _NUMBER)):
        match = pattern.match(text, i)
        if match:
            return kind, match.end()
    operator = next((o for o in _OPERATORS if text.startswith(o, i)), None)
    if operator:
        return operator, i + len(operator)
    if text[i] in _PUNCTUATION:
        return text[i], i + 1
    raise _refuse(f"has {text[i]!r} at character {i}, which a read-only query does not need")


def tokens(text: str) -> Iterator[Token]:
    """Every token of the text, comments and whitespace included; InvalidArgument on anything unrecognised."""
    i = 0
    while i < len(text):
        kind, end = _scan(text, i)
        yield Token(kind, text[i:end], i)
        i = end


def statement_end(text: str) -> int | None:
    """Index of the first ';' outside string literals, quoted identifiers and comments, or None."""
    return next((t.start for t in tokens(text) if t.kind == ";"), None)


def _significant(text: str) -> list[Token]:
    return [t for t in tokens(text) if t.kind not in ("space", "comment")]


def _check_nesting(found: list[Token]) -> None:
    opened: list[str] = []
    for token in found:
        if token.kind in ("(", "[", "{"):
            opened.append(token.kind)
        elif token.kind in _CLOSING and (not opened or opened.pop() != _CLOSING[token.kind]):
            raise _refuse(f"closes {token.kind!r} at character {token.start} that was never opened")
    if opened:
        raise _refuse(f"leaves {len(opened)} bracket(s) open")


def _check_words(found: list[Token]) -> None:
    for token, after in zip(found, [*found[1:], None], strict=True):
        word = token.text.upper() if token.kind == "word" else ""
        if word in _WRITES and not (word == "INSERT" and after is not None and after.kind == "("):
            raise _refuse(f"holds {word} at character {token.start}; expected one read-only SELECT or WITH query")


def read_only_query(text: str) -> str:
    """The query without trailing ';', if it is exactly one SELECT or WITH query; else InvalidArgument."""
    found = _significant(text)
    while found and found[-1].kind == ";":
        found.pop()
    if not found or found[0].kind != "word" or found[0].text.upper() not in ("SELECT", "WITH"):
        raise _refuse("expected a query starting with SELECT or WITH")
    if any(t.kind == ";" for t in found):
        raise _refuse("holds more than one statement; expected one SELECT or WITH query")
    _check_nesting(found)
    _check_words(found)
    last = found[-1]
    return text[: last.start + len(last.text)]


BUNDLE_PREFIX = "MIXPEEK"
BUNDLE_RULE = (
    "the procedure reads as its caller, and a caller holding the owner role (a task, an administrator) would read "
    "the bundle's own tables unmasked or call mixpeek_search: enrich from your own tables or views (docs/security.md)"
)


def _name(token: Token) -> str:
    return token.text[1:-1].replace('""', '"') if token.kind == "quoted" else token.text


def bundle_object(names: list[str]) -> str | None:
    """The first name that is one of the bundle's own objects (database, tables, views, mixpeek_search), or None."""
    return next((name for name in names if name.upper().startswith(BUNDLE_PREFIX)), None)


def query_names(text: str) -> list[str]:
    """Every identifier of a query, quoted ones unquoted (string literals and comments are not names)."""
    return [_name(t) for t in tokens(text) if t.kind in ("word", "quoted")]


def refuse_bundle_objects(names: list[str]) -> None:
    """InvalidArgument when a source names one of the bundle's objects."""
    found = bundle_object(names)
    if found is not None:
        raise _refuse(f"names {found}, one of the bundle's own objects; {BUNDLE_RULE}")
