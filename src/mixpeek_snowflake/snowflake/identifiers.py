"""Snowflake identifiers the caller names: validated, upper-cased and always emitted double-quoted."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mixpeek_snowflake.errors import InvalidArgument

_PART = re.compile(r"[A-Za-z_][A-Za-z0-9_$]{0,254}")
ALLOWED = (
    "1 to 3 dot-separated parts (TABLE, SCHEMA.TABLE or DATABASE.SCHEMA.TABLE), each an unquoted identifier: "
    "an ASCII letter or underscore, then letters, digits, underscores or $, at most 255 characters, "
    "not a reserved word"
)
RESERVED = frozenset(
    """ACCOUNT ALL ALTER AND ANY AS BETWEEN BY CASE CAST CHECK COLUMN CONNECT CONNECTION CONSTRAINT CREATE
    CROSS CURRENT CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER DATABASE DELETE DISTINCT DROP
    ELSE EXISTS FALSE FOLLOWING FOR FROM FULL GRANT GROUP GSCLUSTER HAVING ILIKE IN INCREMENT INNER INSERT
    INTERSECT INTO IS ISSUE JOIN LATERAL LEFT LIKE LOCALTIME LOCALTIMESTAMP MINUS NATURAL NOT NULL OF ON OR
    ORDER ORGANIZATION QUALIFY REGEXP REVOKE RIGHT RLIKE ROW ROWS SAMPLE SCHEMA SELECT SET SOME START
    TABLE TABLESAMPLE THEN TO TRIGGER TRUE TRY_CAST UNION UNIQUE UPDATE USING VALUES VIEW WHEN WHENEVER
    WHERE WINDOW WITH""".split()
)


def quote(name: str) -> str:
    """Double-quote one identifier part that has already been validated."""
    return '"' + name.replace('"', '""') + '"'


def validate_part(value: str, argument: str) -> str:
    """Return the upper-cased identifier part, or refuse it naming the argument."""
    if not _PART.fullmatch(value):
        raise InvalidArgument(argument, f"{value!r} is not allowed; expected {ALLOWED}")
    upper = value.upper()
    if upper in RESERVED:
        raise InvalidArgument(argument, f"{value!r} is a Snowflake reserved word; expected {ALLOWED}")
    return upper


@dataclass(frozen=True)
class TableName:
    """A table named by up to three validated parts; missing parts resolve to the session's context."""

    name: str
    schema: str | None = None
    database: str | None = None

    @classmethod
    def parse(cls, value: object, argument: str = "target_table") -> TableName:
        """Parse TABLE, SCHEMA.TABLE or DATABASE.SCHEMA.TABLE, refusing anything else."""
        if not isinstance(value, str) or not value.strip():
            raise InvalidArgument(argument, f"expected a table name as text; {ALLOWED}")
        parts = value.strip().split(".")
        if len(parts) > 3:
            raise InvalidArgument(argument, f"{value!r} has {len(parts)} parts; expected {ALLOWED}")
        checked = [validate_part(part, argument) for part in parts]
        padded = [None] * (3 - len(checked)) + checked
        return cls(name=checked[-1], schema=padded[1], database=padded[0])

    def sibling(self, name: str) -> TableName:
        """A table of the given name in this table's schema."""
        return TableName(name=name, schema=self.schema, database=self.database)

    def qualified(self, database: str, schema: str) -> TableName:
        """Fill the missing parts from the session's current database and schema."""
        return TableName(self.name, self.schema or schema, self.database or database)

    @property
    def is_qualified(self) -> bool:
        return self.schema is not None and self.database is not None

    @property
    def sql(self) -> str:
        """The quoted name for SQL text."""
        return ".".join(quote(p) for p in (self.database, self.schema, self.name) if p is not None)

    @property
    def display(self) -> str:
        """The unquoted dotted name, as stored in state and run rows."""
        return ".".join(p for p in (self.database, self.schema, self.name) if p is not None)
