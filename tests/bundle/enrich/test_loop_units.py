"""Pure pieces of the loop: source parsing, value conversion, grouping, hashing, statement text, result rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest

from mixpeek_snowflake.enrich.engine import _outcome
from mixpeek_snowflake.enrich.keys import Target, canonical, field_values, values_hash
from mixpeek_snowflake.enrich.options import parse_enrich_options, parse_source
from mixpeek_snowflake.enrich.query import statement_end
from mixpeek_snowflake.enrich.source import (
    MappedColumn,
    SourceColumn,
    SourcePlan,
    grouped_rows,
    to_json_value,
    unquoted,
)
from mixpeek_snowflake.enrich.statements import EnrichTables
from mixpeek_snowflake.errors import InvalidArgument, MixpeekSnowflakeError
from mixpeek_snowflake.search.retrieval import execute_body, parse_search_options, result_rows, search


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SELECT 1", None),
        ("SELECT ';' AS a; ", 15),
        ("SELECT 'it''s;' -- x;\n, \"a;b\" /* ; */ FROM t;", 44),
        ("SELECT $$;$$, 'a\\';b' FROM t", None),
        ("SELECT 1 // c;\n;", 15),
    ],
)
def test_statement_end_skips_literals_identifiers_and_comments(text, expected):
    assert statement_end(text) == expected


def test_sources_are_tables_or_single_queries():
    table = parse_source(" crm.customers ")
    assert (table.sql, table.display, table.is_query) == ('"CRM"."CUSTOMERS"', "CRM.CUSTOMERS", False)
    query = parse_source("with x as (select 1 a) select * from x;;")
    assert query.is_query and query.sql == '(\nwith x as (select 1 a) select * from x\n) AS "MIXPEEK_SOURCE"'
    for bad in ("SELECT 1; SELECT 2", "customers where 1=1", "a.b.c.d", 42, "SELECTED_ROWS x"):
        with pytest.raises(InvalidArgument) as caught:
            parse_source(bad)
        assert caught.value.argument == "source"
    assert parse_source("SELECTED_ROWS").display == "SELECTED_ROWS"


def test_options_defaults_and_values():
    assert parse_enrich_options(None).prefix == "sf_" and parse_enrich_options("").batch_size == 1000
    parsed = parse_enrich_options(
        '{"state_schema": "ops.mixpeek", "columns": ["A"], "rename": {"A": "x.y"}, "batch_size": 5.0, "prefix": ""}'
    )
    assert parsed.state_schema == ("OPS", "MIXPEEK") and parsed.columns == ("A",) and parsed.batch_size == 5
    for bad in ({"state_schema": "a.b.c"}, {"rename": {}}, {"columns": "A"}, {"key_field": "collection_id"}, []):
        with pytest.raises(InvalidArgument):
            parse_enrich_options(bad)


def column(kind, scale=None):
    return SourceColumn("C", kind, scale)


def test_values_keep_their_json_types():
    assert to_json_value(Decimal("12.50"), column("DecimalType", 2)) == 12.5
    assert type(to_json_value(Decimal("12"), column("DecimalType", 0))) is int
    assert to_json_value(Decimal("3"), column("DecimalType")) == 3 and to_json_value(7, column("LongType")) == 7
    assert to_json_value(True, column("BooleanType")) is True and to_json_value(None, column("VariantType")) is None
    assert to_json_value('{"a": [1]}', column("VariantType")) == {"a": [1]}
    assert (
        to_json_value('"text"', column("VariantType")) == "text" and to_json_value("[1]", column("StringType")) == "[1]"
    )
    assert to_json_value(datetime(2026, 1, 2, 3, 4, 5), column("TimestampType")) == "2026-01-02T03:04:05.000000Z"
    plus_two = datetime(2026, 1, 2, 3, 0, tzinfo=timezone(timedelta(hours=2)))
    assert to_json_value(plus_two, column("TimestampType")) == "2026-01-02T01:00:00.000000Z"
    assert to_json_value(datetime(2026, 1, 2, tzinfo=UTC), column("TimestampType")).endswith("00:00:00.000000Z")
    assert to_json_value(date(2026, 1, 2), column("DateType")) == "2026-01-02"
    assert to_json_value(time(1, 2, 3), column("TimeType")) == "01:02:03"
    for bad in (float("nan"), float("inf"), Decimal("NaN"), b"\x00", object()):
        with pytest.raises(ValueError, match="cannot be sent as JSON"):
            to_json_value(bad, column("DoubleType"))
    assert unquoted('"my ""col"""') == 'my "col"' and unquoted("PRICE") == "PRICE"


def plan():
    key = SourceColumn("ID", "StringType")
    mapped = (MappedColumn(SourceColumn("X", "DoubleType"), "metadata.sf_x"),)
    return SourcePlan(key, mapped, "SELECT ...", "m1")


def test_rows_grouped_by_key_refuse_duplicates_and_null_keys():
    rows = [("a", 1.0), ("b", 2.0), ("b", 3.0), ("c", float("nan")), (None, 1.0), (None, 2.0)]
    out = list(grouped_rows(iter(rows), plan()))
    assert [(r.key, r.update_data) for r in out[:1]] == [("a", {"metadata.sf_x": 1.0})]
    assert out[1].key == "b" and out[1].update_data is None and "appears on 2 source rows" in out[1].problem
    assert out[2].key_text == "c" and "cannot be sent as JSON" in out[2].problem
    assert [r.problem for r in out[3:]] == ["key column ID is NULL"] * 2


def test_hashes_ignore_key_order_and_keys_compare_by_json_value():
    assert values_hash({"a": 1, "b": None}) == values_hash({"b": None, "a": 1}) != values_hash({"a": 1})
    assert canonical(7) == canonical(7.0) != canonical("7") and canonical(True) != canonical(1)
    doc = {"metadata": {"sku": "A", "tags": ["x", "y"]}}
    assert field_values(doc, "metadata.sku") == ["A"] and field_values(doc, "metadata.tags") == ["x", "y"]
    assert field_values(doc, "metadata.missing") == [] and field_values(doc, "metadata.sku.deeper") == []


def test_statement_text_binds_every_value():
    tables = EnrichTables.in_schema("DB", "OPS")
    assert tables.state.sql == '"DB"."OPS"."MIXPEEK_ENRICH_STATE"'
    assert tables.failures.display == "DB.OPS.MIXPEEK_ENRICH_FAILURES"
    assert tables.merge_state().count("?") == 6 and tables.insert_failures().count("?") == 5
    assert tables.stored_hashes().count("?") == 3
    assert all("LATERAL FLATTEN(INPUT => j.J)" in s for s in (tables.merge_state(), tables.insert_failures()))
    ddl = tables.creation()
    assert ddl[0].startswith('CREATE TABLE IF NOT EXISTS "DB"."OPS"."MIXPEEK_ENRICH_STATE"')
    assert '"VALUES_HASH" VARCHAR NOT NULL' in ddl[0] and '"UPDATE_DATA" VARIANT' in ddl[1]


def target(document_id):
    return Target(document_id, document_id, {"metadata.x": 1}, "h")


def test_batch_outcomes_trust_only_confirmed_documents():
    chunk = [target("doc_a"), target("doc_b"), target("doc_c")]
    answer = {
        "updated_count": 1,
        "failed_count": 1,
        "results": [
            {"document_id": "doc_a", "success": True},
            {"document_id": "doc_b", "success": False, "error": "bad value"},
        ],
    }
    confirmed, failures = _outcome(chunk, answer)
    assert [t.document_id for t in confirmed] == ["doc_a"]
    assert [(f.document_id, f.reason) for f in failures] == [
        ("doc_b", "refused by Mixpeek: bad value"),
        ("doc_c", "Mixpeek returned no result for this document; it is sent again on the next run"),
    ]
    assert _outcome(chunk, {"updated_count": 3, "failed_count": 0})[0] == chunk
    assert _outcome(chunk, {"updated_count": 2})[0] == []


class FakeClient:
    def __init__(self, answer):
        self.answer = answer
        self.sent = []

    def request(self, method, path, json=None, params=None):
        self.sent.append((method, path, json))
        return self.answer


def test_search_rows_body_and_failed_executions():
    options = parse_search_options({"limit": 2, "filters": {"AND": [{"field": "a", "operator": "eq", "value": 1}]}})
    assert execute_body({"query": "q"}, options) == {
        "inputs": {"query": "q"},
        "pagination": {"method": "cursor", "limit": 2},
        "filters": {"AND": [{"field": "a", "operator": "eq", "value": 1}]},
    }
    legacy = {"results": [{"document_id": "doc_1", "score": 3, "metadata": "not an object"}, "junk", {}]}
    rows = list(result_rows(legacy, "ret_x", 10))
    assert rows[0] == (1, "doc_1", 3.0, None, None, legacy["results"][0], "ret_x", None) and len(rows) == 2
    assert len(list(result_rows({"documents": [{}, {}, {}]}, "r", 2))) == 2
    client = FakeClient({"status": "failed", "error": "stage timed out"})
    with pytest.raises(MixpeekSnowflakeError, match="retriever ret_x failed: stage timed out"):
        search(client, "ret_x", {"query": "q"}, options)
    assert client.sent[0][1] == "/v1/retrievers/ret_x/execute"
