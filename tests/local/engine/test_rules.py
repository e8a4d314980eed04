"""The strict engine's text rules: each fires on what Snowflake refuses and passes the legal form next to it."""

from __future__ import annotations

import os

import pytest

from mixpeek_local.engine import rules
from mixpeek_local.engine.rules import StrictViolation


def _rule(check, *args) -> str:
    with pytest.raises(StrictViolation) as caught:
        check(*args)
    return caught.value.rule


def test_code_only_blanks_literals_and_comments():
    text = "SELECT 'a;b' , $$x;y$$ -- c;d\n/* e;f */ FROM t WHERE s = 'it''s'"
    assert rules.code_only(text) == "SELECT '' , ''  \n  FROM t WHERE s = ''"
    assert rules.keyword("  -- note\n  merge INTO t") == "MERGE"


def test_one_statement_per_call():
    assert _rule(rules.check_single_statement, "SELECT 1; SELECT 2") == "single-statement"
    rules.check_single_statement("SELECT 1;")
    rules.check_single_statement("SELECT ';' AS s -- ; trailing")
    rules.check_single_statement("EXECUTE IMMEDIATE $$ BEGIN SELECT 1; SELECT 2; END; $$")


def test_put_and_get_are_refused():
    assert _rule(rules.check_no_put_get, "PUT file:///tmp/x @s") == "no-put-get"
    assert _rule(rules.check_no_put_get, "  get @s file:///tmp") == "no-put-get"
    rules.check_no_put_get("SELECT 'PUT' AS put_count")


def test_limit_bind_is_refused_and_an_inlined_limit_passes():
    assert _rule(rules.check_no_limit_bind, "SELECT * FROM t ORDER BY k LIMIT ?") == "no-limit-bind"
    assert _rule(rules.check_no_limit_bind, "SELECT TOP ? * FROM t") == "no-limit-bind"
    assert _rule(rules.check_no_limit_bind, "SELECT * FROM t FETCH FIRST ? ROWS ONLY") == "no-limit-bind"
    rules.check_no_limit_bind("SELECT * FROM t WHERE k > ? ORDER BY k LIMIT 500")
    rules.check_no_limit_bind("SELECT 'LIMIT ?' FROM t")


def test_named_temporary_objects_are_refused_scoped_and_transient_pass():
    for text in (
        "CREATE TEMPORARY TABLE t (x INT)",
        "create or replace temp view v as select 1",
        "CREATE LOCAL TEMPORARY TABLE t (x INT)",
        "CREATE VOLATILE TABLE t (x INT)",
    ):
        assert _rule(rules.check_no_named_temporary, text) == "no-named-temporary", text
    rules.check_no_named_temporary("CREATE TRANSIENT TABLE IF NOT EXISTS t (x INT)")
    rules.check_no_named_temporary("CREATE SCOPED TEMPORARY TABLE t (x INT)")


def test_autocommit_cannot_change_inside_a_procedure():
    assert _rule(rules.check_autocommit_untouched, "ALTER SESSION SET AUTOCOMMIT = FALSE") == "autocommit-untouched"
    rules.check_autocommit_untouched("ALTER SESSION SET QUERY_TAG = 'x'")


def test_statement_size_counts_binds_after_compression():
    incompressible = os.urandom(1_500_000).hex()
    assert rules.compressed_size("SELECT ?", [incompressible]) > rules.MAX_STATEMENT_BYTES
    assert _rule(rules.check_size, "SELECT ?", [incompressible]) == "statement-size"
    repetitive = "a" * 5_000_000
    assert rules.compressed_size("SELECT ?", [repetitive]) < 100_000
    rules.check_size("SELECT ?", [repetitive])
    small = os.urandom(300_000).hex()
    rules.check_size("SELECT ?", [small])


def test_bare_text_conversions_are_found_and_formatted_or_typed_ones_are_not():
    text = (
        "SELECT TO_TIMESTAMP_NTZ(?), TO_TIMESTAMP_NTZ(f.VALUE:updated_at::VARCHAR), TRY_TO_TIMESTAMP('x'), "
        "TRY_CAST(d.\"DOCUMENT\"['t']::VARCHAR AS DATETIME), ?::TIMESTAMP_NTZ, "
        "TO_TIMESTAMP_NTZ(?, 'YYYY-MM-DD HH24:MI:SS.FF'), TO_TIMESTAMP_NTZ(CONVERT_TIMEZONE('UTC', t)), "
        "TRY_TO_TIMESTAMP_TZ(x::VARCHAR, 'YYYY-MM-DD'), CURRENT_TIMESTAMP()::TIMESTAMP_NTZ"
    )
    assert rules.bare_text_conversions(text) == [
        "::VARCHAR AS DATETIME",
        "?::TIMESTAMP_NTZ",
        "TO_TIMESTAMP_NTZ(?)",
        "TO_TIMESTAMP_NTZ(f.VALUE:updated_at::VARCHAR)",
        "TRY_TO_TIMESTAMP('')",
    ]


def test_a_caller_timestamp_format_fails_bare_conversions_only():
    bare = "UPDATE t SET at = TO_TIMESTAMP_NTZ(?)"
    rules.check_timestamp_format(bare, "AUTO")
    rules.check_timestamp_format(bare, "auto")
    with pytest.raises(StrictViolation) as caught:
        rules.check_timestamp_format(bare, "DD/MM/YYYY HH24:MI:SS")
    assert caught.value.rule == "timestamp-input-format" and caught.value.sql_error_code == 100035
    assert "TO_TIMESTAMP_NTZ(?)" in caught.value.message
    rules.check_timestamp_format("UPDATE t SET at = TO_TIMESTAMP_NTZ(?, 'YYYY-MM-DD HH24:MI:SS.FF')", "DD/MM/YYYY")


def test_every_violation_names_its_rule_and_documentation_page():
    with pytest.raises(StrictViolation) as caught:
        rules.check_statement("SELECT 1 LIMIT ?", [1])
    assert caught.value.url == rules.LIMIT_BIND
    assert caught.value.message.endswith(f"[strict engine rule no-limit-bind: {rules.LIMIT_BIND}]")
    rules.check_statement("SELECT * FROM t WHERE k = ? LIMIT 10", ["x"], "DD/MM/YYYY")
