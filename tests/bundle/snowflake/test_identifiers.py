"""Table names the caller gives: accepted forms, refused forms, quoting and derived names."""

from __future__ import annotations

import pytest

from mixpeek_snowflake.errors import InvalidArgument
from mixpeek_snowflake.snowflake.identifiers import RESERVED, TableName, quote, validate_part


@pytest.mark.parametrize(
    ("value", "parts"),
    [
        ("MIXPEEK_DOCUMENTS", (None, None, "MIXPEEK_DOCUMENTS")),
        ("mixpeek_documents", (None, None, "MIXPEEK_DOCUMENTS")),
        ("Raw.Docs", (None, "RAW", "DOCS")),
        ("analytics.mixpeek.product_media", ("ANALYTICS", "MIXPEEK", "PRODUCT_MEDIA")),
        ("_staging.t$1", (None, "_STAGING", "T$1")),
        ("db_2026.s_1.docs$v2", ("DB_2026", "S_1", "DOCS$V2")),
        ("  padded_name  ", (None, None, "PADDED_NAME")),
        ("A", (None, None, "A")),
        ("a" * 255, (None, None, "A" * 255)),
        ("TABLES", (None, None, "TABLES")),
        ("SELECTED.ROWS_TABLE", (None, "SELECTED", "ROWS_TABLE")),
    ],
)
def test_accepted_names_are_upper_cased(value: str, parts: tuple[str | None, ...]) -> None:
    table = TableName.parse(value)
    assert (table.database, table.schema, table.name) == parts


REFUSED = [
    'MY"TABLE',
    '"MIXPEEK_DOCUMENTS"',
    "DOCS; DROP TABLE USERS",
    "DOCS;",
    "DOCS--comment",
    "DOCS/*x*/",
    "MY TABLE",
    "MY\tTABLE",
    "DO\nCS",
    "1DOCS",
    "$DOCS",
    "DOCS-2026",
    "DOC'S",
    "DB.SCHEMA.TABLE.EXTRA",
    "a..b",
    ".DOCS",
    "DOCS.",
    "DB..DOCS",
    "ТABLE",
    "DOCＳ",
    "ＤＯＣＳ",
    "DOCS\u200b",
    "données",
    "a" * 256,
    "DB.RAW." + "T" * 256,
    "IDENTIFIER('X')",
    "@stage",
]


@pytest.mark.parametrize("value", REFUSED)
def test_refused_names_name_the_argument_and_what_is_allowed(value: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        TableName.parse(value, "target_table")
    error = caught.value
    assert error.argument == "target_table"
    assert str(error).startswith("invalid target_table:")
    assert "DATABASE.SCHEMA.TABLE" in error.problem


def test_four_parts_says_how_many() -> None:
    with pytest.raises(InvalidArgument, match="has 4 parts"):
        TableName.parse("A.B.C.D")


@pytest.mark.parametrize("word", ["SELECT", "table", "Order", "qualify", "WITH"])
def test_reserved_words_are_refused_in_any_part(word: str) -> None:
    for value in (word, f"{word}.DOCS", f"DB.{word}.DOCS"):
        with pytest.raises(InvalidArgument, match="reserved word"):
            TableName.parse(value, "target_table")


def test_reserved_list_holds_snowflake_reserved_keywords_only() -> None:
    assert {"SELECT", "FROM", "WHERE", "TABLE", "QUALIFY", "TRY_CAST", "GSCLUSTER"} <= RESERVED
    assert TableName.parse("merge.documents").display == "MERGE.DOCUMENTS"


@pytest.mark.parametrize("value", [None, 42, ["DOCS"], b"DOCS", "", "   "])
def test_non_text_or_empty_is_refused(value: object) -> None:
    with pytest.raises(InvalidArgument, match="expected a table name as text") as caught:
        TableName.parse(value, "source_table")
    assert caught.value.argument == "source_table"


def test_argument_defaults_to_target_table() -> None:
    with pytest.raises(InvalidArgument) as caught:
        TableName.parse("bad name")
    assert caught.value.argument == "target_table"


def test_sql_is_quoted_and_display_is_dotted() -> None:
    table = TableName.parse("analytics.mixpeek$raw.docs")
    assert table.sql == '"ANALYTICS"."MIXPEEK$RAW"."DOCS"'
    assert table.display == "ANALYTICS.MIXPEEK$RAW.DOCS"
    assert TableName.parse("docs").sql == '"DOCS"'
    assert TableName.parse("s.docs").display == "S.DOCS"


def test_quote_doubles_embedded_quotes() -> None:
    assert quote("DOCS") == '"DOCS"'
    assert quote('A"B') == '"A""B"'


def test_validate_part_upper_cases_and_refuses() -> None:
    assert validate_part("docs_1", "column") == "DOCS_1"
    with pytest.raises(InvalidArgument, match="invalid column"):
        validate_part("docs 1", "column")


def test_sibling_keeps_database_and_schema() -> None:
    target = TableName.parse("analytics.mixpeek.docs")
    assert target.sibling("MIXPEEK_SYNC_STATE").sql == '"ANALYTICS"."MIXPEEK"."MIXPEEK_SYNC_STATE"'
    assert TableName.parse("docs").sibling("MIXPEEK_SYNC_RUNS").sql == '"MIXPEEK_SYNC_RUNS"'


def test_qualified_fills_only_missing_parts() -> None:
    assert TableName.parse("docs").qualified("DEV", "PUBLIC").display == "DEV.PUBLIC.DOCS"
    assert TableName.parse("raw.docs").qualified("DEV", "PUBLIC").display == "DEV.RAW.DOCS"
    assert TableName.parse("prod.raw.docs").qualified("DEV", "PUBLIC").display == "PROD.RAW.DOCS"


def test_is_qualified_needs_database_and_schema() -> None:
    assert TableName.parse("prod.raw.docs").is_qualified
    assert not TableName.parse("raw.docs").is_qualified
    assert not TableName.parse("docs").is_qualified


def test_table_names_compare_by_value() -> None:
    assert TableName.parse("raw.docs") == TableName.parse("RAW.DOCS")
    assert TableName.parse("raw.docs") != TableName.parse("raw.docs2")
