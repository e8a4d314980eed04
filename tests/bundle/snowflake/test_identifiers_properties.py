"""Properties of identifiers: valid names round-trip through parse, quote and display; anything else is refused."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from properties import PROPERTY

from mixpeek_snowflake.errors import InvalidArgument
from mixpeek_snowflake.snowflake.identifiers import RESERVED, TableName, quote, validate_part

parts = st.from_regex(r"[A-Za-z_][A-Za-z0-9_$]{0,20}", fullmatch=True).filter(lambda p: p.upper() not in RESERVED)
HOSTILE = ['"', ";", "--", "/*", "*/", "'", " ", "\t", "\n", "(", ")", "=", "-", "é", "ß", "Ｔ", "\u200b", "\x00", "`"]


@PROPERTY
@given(st.lists(parts, min_size=1, max_size=3))
def test_valid_names_parse_upper_cased_and_round_trip(names: list[str]) -> None:
    table = TableName.parse(".".join(names))
    upper = [n.upper() for n in names]
    assert [table.database, table.schema, table.name][3 - len(names) :] == upper
    assert [table.database, table.schema, table.name][: 3 - len(names)] == [None] * (3 - len(names))
    assert table.display == ".".join(upper)
    assert table.sql == ".".join(f'"{u}"' for u in upper)
    assert TableName.parse(table.display) == table
    assert TableName.parse(f"  {'.'.join(names)}\t") == table


@PROPERTY
@given(st.lists(parts, min_size=1, max_size=3), st.sampled_from(HOSTILE), st.data())
def test_quotes_semicolons_comments_spaces_and_non_ascii_are_refused(
    names: list[str], hostile: str, data: st.DataObject
) -> None:
    which = data.draw(st.integers(0, len(names) - 1))
    at = data.draw(st.integers(0, len(names[which])))
    names[which] = names[which][:at] + hostile + names[which][at:]
    value = ".".join(names)
    assume(value.strip() == value or hostile.strip())
    with pytest.raises(InvalidArgument) as caught:
        TableName.parse(value, "target_table")
    assert caught.value.argument == "target_table"
    assert str(caught.value).startswith("invalid target_table: ")


@PROPERTY
@given(st.sampled_from(sorted(RESERVED)), st.lists(parts, max_size=2), st.booleans())
def test_reserved_words_are_refused_in_any_case_and_any_part(word: str, others: list[str], lower: bool) -> None:
    value = ".".join([*others, word.lower() if lower else word])
    with pytest.raises(InvalidArgument, match="reserved word") as caught:
        TableName.parse(value, "source_table")
    assert caught.value.argument == "source_table"


@PROPERTY
@given(st.lists(parts, min_size=4, max_size=6))
def test_more_than_three_parts_are_refused(names: list[str]) -> None:
    with pytest.raises(InvalidArgument, match=f"has {len(names)} parts"):
        TableName.parse(".".join(names))


@PROPERTY
@given(st.lists(parts, min_size=1, max_size=3), st.integers(0, 3))
def test_empty_parts_are_refused(names: list[str], at: int) -> None:
    names.insert(min(at, len(names)), "")
    with pytest.raises(InvalidArgument):
        TableName.parse(".".join(names))


def test_the_length_limit_is_255_characters() -> None:
    assert validate_part("A" * 255, "x") == "A" * 255
    with pytest.raises(InvalidArgument):
        validate_part("A" * 256, "x")


@PROPERTY
@given(st.text(max_size=30))
def test_quote_doubles_every_quote_and_unquotes_back(name: str) -> None:
    quoted = quote(name)
    inner = quoted[1:-1]
    assert quoted[0] == quoted[-1] == '"'
    assert inner.replace('""', "").count('"') == 0
    assert inner.replace('""', '"') == name
    assert len(quoted) == len(name) + name.count('"') + 2
