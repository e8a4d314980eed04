"""The app's SQL: values always bound, names always validated, limits inlined, one statement each."""

from __future__ import annotations

import inspect
import json

import pytest

from mixpeek_app import queries
from mixpeek_snowflake.errors import InvalidArgument
from mixpeek_snowflake.snowflake.identifiers import TableName

BUNDLE = queries.Bundle("MIXPEEK", "CORE")
HOSTILE = "x'); DROP TABLE MIXPEEK_DOCUMENTS; --"


def every_statement() -> list[queries.Statement]:
    target = TableName.parse("MIXPEEK.CORE.MIXPEEK_DOCUMENTS")
    return [
        queries.context(),
        queries.objects(BUNDLE),
        queries.roles_in_session(["MIXPEEK_OPERATOR", "MIXPEEK_SENSITIVE_READER"]),
        queries.target_health(BUNDLE),
        queries.run_history(BUNDLE, HOSTILE, HOSTILE),
        queries.runs_of_kind(BUNDLE, "enrich"),
        queries.call(BUNDLE, "sync_mixpeek_collection", [HOSTILE, HOSTILE, "full", {"partitions": 2}]),
        queries.call(BUNDLE, "pause_mixpeek_target", [HOSTILE, HOSTILE, HOSTILE]),
        queries.call(BUNDLE, "resume_mixpeek_target", [HOSTILE, HOSTILE]),
        queries.search(BUNDLE, HOSTILE, HOSTILE, 5),
        queries.business_rows(TableName.parse("ERP.PUBLIC.INVENTORY"), "SKU", [HOSTILE]),
        queries.label_taxonomies(BUNDLE),
        queries.label_counts(BUNDLE, HOSTILE, HOSTILE),
        queries.score_histogram(BUNDLE, HOSTILE, HOSTILE),
        queries.label_documents(BUNDLE, target, HOSTILE, HOSTILE),
        queries.enrich_pushes(BUNDLE),
        queries.enrich_failure_reasons(BUNDLE),
        queries.enrich_failures(BUNDLE),
    ]


def test_every_statement_function_is_covered() -> None:
    made = {
        name
        for name, value in vars(queries).items()
        if inspect.isfunction(value) and value.__module__ == queries.__name__
    } - {"run", "bundle_of"}
    assert len(every_statement()) == len(made) + 2  # call() is exercised for each of its three procedures


@pytest.mark.parametrize("statement", every_statement(), ids=lambda s: s.text[:40])
def test_values_are_bound_never_in_the_text(statement: queries.Statement) -> None:
    assert HOSTILE not in statement.text and "DROP" not in statement.text
    assert statement.text.count("?") == len(statement.params)
    assert ";" not in statement.text
    assert "LIMIT ?" not in statement.text


def test_objects_of_the_bundle_are_fully_qualified_and_quoted() -> None:
    assert '"MIXPEEK"."CORE"."MIXPEEK_TARGET_HEALTH"' in queries.target_health(BUNDLE).text
    assert queries.call(BUNDLE, "resume_mixpeek_target", ["c", "t"]).text == (
        'CALL "MIXPEEK"."CORE"."RESUME_MIXPEEK_TARGET"(?, ?)'
    )


def test_a_variant_argument_travels_as_json_text() -> None:
    statement = queries.call(BUNDLE, "sync_mixpeek_collection", ["col_1", "T", "full", {"partitions": 2}])
    assert statement.text.endswith("(?, ?, ?, PARSE_JSON(?))")
    assert statement.params == ["col_1", "T", "full", json.dumps({"partitions": 2})]
    assert queries.call(BUNDLE, "sync_mixpeek_collection", ["c", "T", "full", None]).params[3] == "null"


@pytest.mark.parametrize(
    "procedure, args", [("drop_everything", ["x"]), ("pause_mixpeek_target", ["only", "two"]), ("reset", [])]
)
def test_only_the_contracts_procedures_with_their_arguments_can_be_called(procedure: str, args: list) -> None:
    with pytest.raises(ValueError, match="the app calls"):
        queries.call(BUNDLE, procedure, args)


@pytest.mark.parametrize("column", ["SKU; DROP TABLE X", 'SKU"', "SELECT", "1SKU", ""])
def test_a_business_key_column_must_be_an_identifier(column: str) -> None:
    with pytest.raises(InvalidArgument, match="key column"):
        queries.business_rows(TableName.parse("ERP.PUBLIC.INVENTORY"), column, ["a"])


def test_the_business_keys_are_one_bound_json_array() -> None:
    statement = queries.business_rows(TableName.parse("inventory"), "sku", ["A-1", "B'2"])
    assert '"INVENTORY" WHERE "SKU"::VARCHAR IN' in statement.text
    assert statement.params == [json.dumps(["A-1", "B'2"])]


@pytest.mark.parametrize("role", ["MIXPEEK_OPERATOR') OR TRUE OR ('", "A B", "SELECT"])
def test_role_names_are_identifiers(role: str) -> None:
    with pytest.raises(InvalidArgument, match="role"):
        queries.roles_in_session([role])


@pytest.mark.parametrize("database, schema", [("MIXPEEK", 'CORE"; --'), (None, "CORE"), ("my db", "CORE")])
def test_the_bundle_schema_from_the_session_must_be_plain_identifiers(database: object, schema: object) -> None:
    with pytest.raises(InvalidArgument):
        queries.Bundle.of(database, schema)


def test_the_search_sends_the_query_and_limit_as_variants() -> None:
    statement = queries.search(BUNDLE, "ret_1", 'red "boots"', 7)
    assert 'TABLE("MIXPEEK"."CORE"."MIXPEEK_SEARCH"(?, PARSE_JSON(?), PARSE_JSON(?)))' in statement.text
    assert statement.params == ["ret_1", json.dumps({"query": 'red "boots"'}), json.dumps({"limit": 7})]


@pytest.mark.parametrize("statement", every_statement(), ids=lambda s: s.text[:40])
def test_every_statement_passes_the_strict_engines_text_rules(statement: queries.Statement) -> None:
    from mixpeek_local.engine import rules

    rules.check_statement(statement.text, statement.params, timestamp_input_format="DD/MM/YYYY")
