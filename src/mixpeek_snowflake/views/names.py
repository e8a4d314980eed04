"""Untrusted Mixpeek field names turned into safe, unique, upper-case Snowflake identifiers."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from mixpeek_snowflake.snowflake.identifiers import RESERVED

MAX_COLUMN_CHARS = 128
MAX_VIEW_CHARS = 255
FALLBACK = "FIELD"
STANDARD_RESERVED = frozenset(
    """ANALYSE ANALYZE ARRAY ASC ASYMMETRIC BOTH COLLATE CURRENT_CATALOG CURRENT_ROLE DEFAULT DEFERRABLE DESC DO
    END EXCEPT FETCH FOREIGN INITIALLY LEADING LIMIT OFFSET ONLY PLACING PRIMARY REFERENCES RETURNING SESSION_USER
    SYMMETRIC TRAILING USER VARIADIC""".split()
)
AVOIDED = RESERVED | STANDARD_RESERVED
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_UNSAFE = re.compile(r"[^A-Za-z0-9]+")


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _finished(words: str, limit: int) -> str:
    words = words.strip("_") or FALLBACK
    if words[0].isdigit():
        words = f"F_{words}"
    words = words[:limit].rstrip("_")
    return f"{words}_" if words in AVOIDED else words


def safe_identifier(raw: str, limit: int = MAX_COLUMN_CHARS) -> str:
    """An identifier of A-Z, 0-9 and '_' for any text: camelCase split, accents dropped, reserved words suffixed.

    Words reserved in Snowflake or in standard SQL get a trailing underscore, so BI tools can leave names unquoted.
    """
    return _finished(_UNSAFE.sub("_", _CAMEL.sub("_", _ascii(raw))).upper(), limit)


def joined(parts: Iterable[str], limit: int = MAX_COLUMN_CHARS) -> str:
    """One identifier for a path of names, e.g. ('metadata', 'price') -> METADATA_PRICE."""
    return _finished("_".join(safe_identifier(p, limit) for p in parts), limit)


class NamePool:
    """Hands out identifiers, suffixing _2, _3 … when a name is already taken."""

    def __init__(self, taken: Iterable[str] = (), limit: int = MAX_COLUMN_CHARS) -> None:
        self.taken = {name.upper() for name in taken}
        self.limit = limit

    def claim(self, name: str) -> str:
        """Reserve `name` (or the first free suffixed variant) and return it."""
        candidate, number = name[: self.limit], 1
        while candidate in self.taken:
            number += 1
            suffix = f"_{number}"
            candidate = name[: self.limit - len(suffix)] + suffix
        self.taken.add(candidate)
        return candidate
