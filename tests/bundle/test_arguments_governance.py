"""The governed-target checks and the allowed hosts over a stand-in statement runner, with hand-written outcomes."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest

from mixpeek_snowflake import arguments
from mixpeek_snowflake.arguments import allowed_hosts, check_governed, check_new_target
from mixpeek_snowflake.errors import InvalidArgument

REFERENCES = (
    'SELECT POLICY_KIND, REF_COLUMN_NAME FROM TABLE("DB".INFORMATION_SCHEMA.POLICY_REFERENCES('
    "REF_ENTITY_NAME => ?, REF_ENTITY_DOMAIN => 'table'))"
)
SHOW = 'SHOW MASKING POLICIES IN SCHEMA "DB"."SC"'
CURRENT = "SELECT CURRENT_DATABASE(), CURRENT_SCHEMA()"
TABLE = '"DB"."SC"."DOCS"'
HINT = (
    "sync into a table sql/50_governance.sql governs (the bundle's target_table), or attach the bundle's masking "
    "policies to its SOURCE_URL, METADATA and DOCUMENT columns first"
)
NEW_HINT = (
    "a table the sync creates carries no masking policy, so while the bundle schema holds its masking policies a new "
    "target is refused: sync into the bundle's target_table, or create the table with the documents columns and "
    "attach the bundle's masking policies to SOURCE_URL, METADATA and DOCUMENT first (sql/50_governance.sql)"
)
POLICIES = [("MIXPEEK_MASK_VARCHAR",), ("MIXPEEK_MASK_VARIANT",)]
ALL_MASKED = [
    ("MASKING_POLICY", "SOURCE_URL"),
    ("MASKING_POLICY", "METADATA"),
    ("MASKING_POLICY", "DOCUMENT"),
]


class Runner:
    """Answers each statement text with its rows, or raises the exception given for it; records every call."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, list[Any]]] = []

    def __call__(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        self.calls.append((sql, params))
        answer = self.answers[sql]
        if isinstance(answer, Exception):
            raise answer
        return list(answer)


@pytest.fixture
def inside(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "_snowflake", types.ModuleType("_snowflake"))


@pytest.fixture
def outside(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "_snowflake", None)


def governed(runner: Runner) -> None:
    check_governed(runner, '"DB"', '"DB"."SC"', TABLE, "DB.SC.DOCS", "target_table")


def test_outside_snowflake_no_statement_runs(outside: None) -> None:
    runner = Runner({})
    governed(runner)
    check_new_target(runner, "DB.SC.NEW", "target_table")
    assert runner.calls == []


def test_a_fully_masked_table_passes_without_reading_the_schema(inside: None) -> None:
    runner = Runner({REFERENCES: ALL_MASKED, SHOW: POLICIES})
    governed(runner)
    assert runner.calls == [(REFERENCES, [TABLE])]


def test_kinds_and_columns_compare_in_any_case_and_extra_fields_are_ignored(inside: None) -> None:
    rows = [("masking_policy", "source_url", "x"), ("Masking_Policy", "Metadata"), ("MASKING_POLICY", "document")]
    runner = Runner({REFERENCES: rows, SHOW: POLICIES})
    governed(runner)
    assert runner.calls == [(REFERENCES, [TABLE])]


def test_an_unmasked_column_is_refused_naming_it_and_the_argument(inside: None) -> None:
    rows = [("MASKING_POLICY", "SOURCE_URL"), ("ROW_ACCESS_POLICY", "METADATA"), ("MASKING_POLICY", "DOCUMENT")]
    runner = Runner({REFERENCES: rows, SHOW: POLICIES})
    with pytest.raises(InvalidArgument) as caught:
        governed(runner)
    assert caught.value.argument == "target_table"
    assert caught.value.problem == f"DB.SC.DOCS is not governed: no masking policy on METADATA; {HINT}"
    assert runner.calls == [(REFERENCES, [TABLE]), (SHOW, [])]


def test_unreadable_references_count_as_every_column_unmasked(inside: None) -> None:
    runner = Runner({REFERENCES: RuntimeError("no such table"), SHOW: POLICIES})
    with pytest.raises(InvalidArgument) as caught:
        check_governed(runner, '"DB"', '"DB"."SC"', TABLE, "DB.SC.DOCS", "target")
    assert caught.value.argument == "target"
    expected = f"DB.SC.DOCS is not governed: no masking policy on SOURCE_URL, METADATA, DOCUMENT; {HINT}"
    assert caught.value.problem == expected
    assert str(caught.value) == f"invalid target: {expected}"


@pytest.mark.parametrize("show", [[], RuntimeError("SHOW is not allowed")], ids=["no policy", "unreadable"])
def test_an_unmasked_table_passes_when_the_schema_holds_no_readable_policy(inside: None, show: Any) -> None:
    runner = Runner({REFERENCES: [], SHOW: show})
    governed(runner)
    assert runner.calls == [(REFERENCES, [TABLE]), (SHOW, [])]


def test_a_new_target_is_refused_while_the_procedure_schema_holds_policies(inside: None) -> None:
    runner = Runner({CURRENT: [("DB", "SC")], SHOW: POLICIES})
    with pytest.raises(InvalidArgument) as caught:
        check_new_target(runner, "DB.SC.NEW", "target_table")
    assert caught.value.argument == "target_table"
    assert caught.value.problem == f"DB.SC.NEW does not exist and would not be governed; {NEW_HINT}"
    assert runner.calls == [(CURRENT, []), (SHOW, [])]


def test_the_procedure_schema_is_quoted_part_by_part(inside: None) -> None:
    show = 'SHOW MASKING POLICIES IN SCHEMA "My""Db"."s.c"'
    runner = Runner({CURRENT: [('My"Db', "s.c", "ignored")], show: POLICIES})
    with pytest.raises(InvalidArgument):
        check_new_target(runner, "NEW", "target")
    assert runner.calls == [(CURRENT, []), (show, [])]


@pytest.mark.parametrize("show", [[], RuntimeError("SHOW is not allowed")], ids=["no policy", "unreadable"])
def test_a_new_target_passes_when_the_procedure_schema_holds_no_readable_policy(inside: None, show: Any) -> None:
    runner = Runner({CURRENT: [("DB", "SC")], SHOW: show})
    check_new_target(runner, "DB.SC.NEW", "target_table")
    assert runner.calls == [(CURRENT, []), (SHOW, [])]


def test_no_current_schema_asks_about_the_empty_names(inside: None) -> None:
    show = 'SHOW MASKING POLICIES IN SCHEMA "".""'
    runner = Runner({CURRENT: [], show: []})
    check_new_target(runner, "NEW", "target")
    assert runner.calls == [(CURRENT, []), (show, [])]


def test_inside_snowflake_only_the_mixpeek_api_host_is_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIXPEEK_BASE_URL", "http://emulator.test:8080")
    assert allowed_hosts(True) == frozenset({"api.mixpeek.com"})


def test_outside_snowflake_loopback_is_allowed_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MIXPEEK_BASE_URL", raising=False)
    assert allowed_hosts(False) == frozenset({"api.mixpeek.com", "127.0.0.1", "localhost", "::1"})


def test_outside_snowflake_the_local_base_url_host_is_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIXPEEK_BASE_URL", "http://Emulator.Test:8080/v1")
    assert allowed_hosts(False) == frozenset({"api.mixpeek.com", "127.0.0.1", "localhost", "::1", "emulator.test"})


@pytest.mark.parametrize("local", ["", "not a url", "http://[::1"], ids=["empty", "no host", "unparsable"])
def test_a_local_base_url_without_a_usable_host_adds_nothing(monkeypatch: pytest.MonkeyPatch, local: str) -> None:
    monkeypatch.setenv("MIXPEEK_BASE_URL", local)
    assert allowed_hosts(False) == frozenset({"api.mixpeek.com", "127.0.0.1", "localhost", "::1"})


def test_the_inside_snowflake_probe_follows_the_runtime_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "_snowflake", types.ModuleType("_snowflake"))
    assert arguments.inside_snowflake() is True
    monkeypatch.setitem(sys.modules, "_snowflake", None)
    assert arguments.inside_snowflake() is False
