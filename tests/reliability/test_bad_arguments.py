"""Arguments no sync accepts: refused before any request or statement, naming the argument and what is allowed."""

from __future__ import annotations

import pytest

from mixpeek_snowflake import procedures
from mixpeek_snowflake.errors import InvalidArgument

OK = "col_reliable001"


class NoStatements:
    """A session no statement may reach."""

    def sql(self, query, params=None):
        raise AssertionError(f"a statement ran before the arguments were checked: {query}")


TARGETS = [
    "T/*comment*/",
    "T--comment",
    "T;",
    '"T"',
    "A..B",
    ".T",
    "",
    "   ",
    "ｔａｂｌｅ",
    "TABLE\u200b",
    "Tﬁ",
    "T\nDROP",
    "1T",
    "x" * 256,
    "DB.PUBLIC.select",
    "DB.SCHEMA.T.EXTRA",
    42,
    ["T"],
]
COLLECTIONS = ["..", ".", "col/../x", "col\\x", "col\nx", "col\x00x", "colé", "", " col", None, 123, "c" * 129, "-col"]
MODES = ["fast", "", "full;", 1, ["full"]]
OPTIONS = [
    ("not json", "options"),
    ("[1, 2]", "options"),
    (42, "options"),
    (["partitions", 4], "options"),
    ({"PARTITIONS": 4}, "options"),
    ({"partitions": True}, "option partitions"),
    ({"partitions": 2.5}, "option partitions"),
    ({"partitions": "4.5"}, "option partitions"),
    ({"page_size": 0}, "option page_size"),
    ({"page_size": -1}, "option page_size"),
    ({"namespace": "ns bad"}, "option namespace"),
    ({"namespace": "ns/../x"}, "option namespace"),
    ({"namespace": 5}, "option namespace"),
    ({"base_url": "file:///etc/passwd"}, "option base_url"),
    ({"base_url": "http://user:secret@api.example"}, "option base_url"),
    ({"base_url": "https://api.example/?next=http://elsewhere"}, "option base_url"),
    ({"base_url": "https://"}, "option base_url"),
    ({"filters": []}, "option filters"),
    ({"filters": "metadata.a = 1"}, "option filters"),
    ({"lease_seconds": 1}, "option lease_seconds"),
    ({"overlap_seconds": -1}, "option overlap_seconds"),
    ({"include_vectors": 1}, "option include_vectors"),
]


def case(args: tuple, argument: str, label: str, value: object) -> object:
    return pytest.param(args, argument, id=f"{label}-{value!r}"[:40])


CASES = [
    *(case((OK, target, "full", None), "target_table", "target", target) for target in TARGETS),
    *(case((value, "T", "full", None), "collection_id", "collection", value) for value in COLLECTIONS),
    *(case((OK, "T", mode, None), "mode", "mode", mode) for mode in MODES),
    *(case((OK, "T", "full", options), argument, "options", options) for options, argument in OPTIONS),
]


@pytest.mark.parametrize(("args", "argument"), CASES)
def test_bad_argument_is_refused_before_any_request_or_statement(env, args, argument):
    since = len(env.emulator.requests)
    with pytest.raises(InvalidArgument) as caught:
        procedures.sync_mixpeek_collection(NoStatements(), *args)
    assert caught.value.argument == argument
    assert str(caught.value).startswith(f"invalid {argument}: ")
    assert "expected" in str(caught.value) or "known:" in str(caught.value)
    assert len(env.emulator.requests) == since
