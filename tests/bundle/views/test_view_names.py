"""Untrusted field names become safe, unique, upper-case identifiers."""

from __future__ import annotations

import pytest

from mixpeek_snowflake.snowflake.identifiers import validate_part
from mixpeek_snowflake.views.names import MAX_COLUMN_CHARS, NamePool, joined, safe_identifier


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("title", "TITLE"),
        ("detectedObjects", "DETECTED_OBJECTS"),
        ("model3D", "MODEL3D"),
        ("Price (USD)", "PRICE_USD"),
        ("é t", "E_T"),
        ("1st_place", "F_1ST_PLACE"),
        ("select", "SELECT_"),
        ("end", "END_"),
        ("limit", "LIMIT_"),
        ("", "FIELD"),
        ("!!!", "FIELD"),
        ("日本語", "FIELD"),
        ('x"; DROP TABLE t; --', "X_DROP_TABLE_T"),
        ('we\'ird "name"', "WE_IRD_NAME"),
        ("a.b", "A_B"),
        ("$ref", "REF"),
        ("__private__", "PRIVATE"),
    ],
)
def test_safe_identifier(raw, expected):
    assert safe_identifier(raw) == expected
    assert validate_part(expected, "column") == expected


def test_long_names_are_truncated_without_trailing_underscore():
    name = safe_identifier("a" * 300 + "_b")
    assert len(name) == MAX_COLUMN_CHARS and set(name) == {"A"}
    assert safe_identifier("abcdefghi_jkl", limit=10) == "ABCDEFGHI"


def test_joined_builds_path_names_without_resplitting_ids():
    assert joined(("metadata", "price")) == "METADATA_PRICE"
    assert joined(("taxonomy", "tax_om4894zjoj")) == "TAXONOMY_TAX_OM4894ZJOJ"
    assert joined(("select",)) == "SELECT_"
    assert joined(("1", "from")) == "F_1_FROM"


def test_name_pool_suffixes_collisions_case_insensitively():
    pool = NamePool(taken=["document_id"])
    assert [pool.claim(n) for n in ("DOCUMENT_ID", "PRICE", "PRICE", "PRICE")] == [
        "DOCUMENT_ID_2",
        "PRICE",
        "PRICE_2",
        "PRICE_3",
    ]


def test_name_pool_keeps_suffixed_names_within_the_limit():
    pool = NamePool(limit=8)
    assert pool.claim("ABCDEFGHIJ") == "ABCDEFGH"
    assert pool.claim("ABCDEFGHIJ") == "ABCDEF_2"
