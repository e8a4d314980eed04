"""The SQL text of create_mixpeek_views, checked as text and parsed with sqlglot's Snowflake dialect."""

from __future__ import annotations

import sqlglot
from bundle.views.view_helpers import COLLECTION, seeded_store, shapes_collection
from local_world import fresh_session
from sqlglot import exp

from mixpeek_local.engine import rules
from mixpeek_snowflake.snowflake.identifiers import TableName
from mixpeek_snowflake.views.specs import DOCUMENT, INDEX, ITEM, TABLE, ViewColumn, plan_views
from mixpeek_snowflake.views.statements import (
    VECTOR_PROBE,
    create_view,
    json_path,
    literal,
    sample_fields,
    table_exists,
    typed_value,
)

SOURCE = TableName("MIXPEEK_DOCUMENTS", "CORE", "MIXPEEK")


def column(type_: str, origin: str = DOCUMENT, path: tuple[str, ...] = ("f",), dims: int | None = None) -> ViewColumn:
    return ViewColumn("C", type_, origin, path, "comment", dims)


def parse(sql: str) -> exp.Expr:
    return sqlglot.parse_one(sql, read="snowflake", error_level=sqlglot.ErrorLevel.RAISE)


def test_literal_and_json_path_escape_any_key():
    assert literal("it's a \\ test") == "'it''s a \\\\ test'"
    hostile = ("metadata", 'we\'ird "k"', "a.b", "x'] , 1) --")
    text = json_path('d."DOCUMENT"', hostile)
    assert text == "d.\"DOCUMENT\"['metadata']['we''ird \"k\"']['a.b']['x''] , 1) --']"
    parsed = parse(f"SELECT {text} FROM t d")
    keys = [b.expressions[0].this for b in parsed.find_all(exp.Bracket)]
    assert sorted(keys) == sorted(hostile)


def test_typed_values_never_fail_on_malformed_values():
    value = "d.\"DOCUMENT\"['f']"
    assert typed_value(column("VARCHAR")) == f"{value}::VARCHAR"
    assert typed_value(column("FLOAT")) == f"TRY_CAST({value}::VARCHAR AS DOUBLE)"
    assert typed_value(column("NUMBER(38,0)")) == f"TRY_CAST({value}::VARCHAR AS NUMBER(38,0))"
    assert typed_value(column("BOOLEAN")) == f"TRY_CAST({value}::VARCHAR AS BOOLEAN)"
    iso = f"REGEXP_REPLACE(REPLACE({value}::VARCHAR, ' ', 'T'), '[Zz]$', '+00:00')"
    with_offset = 'YYYY-MM-DD"T"HH24:MI:SS'
    assert typed_value(column("TIMESTAMP_NTZ")) == (
        f"CASE WHEN {value}::VARCHAR LIKE '____-__-__%' THEN COALESCE("
        f"TO_TIMESTAMP_NTZ(CONVERT_TIMEZONE('UTC', TRY_TO_TIMESTAMP_TZ({iso}, '{with_offset}.FFTZH:TZM'))), "
        f"TO_TIMESTAMP_NTZ(CONVERT_TIMEZONE('UTC', TRY_TO_TIMESTAMP_TZ({iso}, '{with_offset}TZH:TZM'))), "
        f"TRY_TO_TIMESTAMP_NTZ({iso}, 'YYYY-MM-DD\"T\"HH24:MI:SS.FF'), "
        f"TRY_TO_TIMESTAMP_NTZ({iso}, 'YYYY-MM-DD\"T\"HH24:MI:SS'), "
        f"TRY_TO_TIMESTAMP_NTZ({iso}, 'YYYY-MM-DD')) END"
    )
    assert typed_value(column("VARIANT")) == value
    array = f"AS_ARRAY({value})"
    assert typed_value(column("VECTOR(FLOAT, 8)", dims=8)) == (
        f"CASE WHEN ARRAY_SIZE({array}) = 8 "
        f"AND ARRAY_SIZE(FILTER({array}, e -> TYPEOF(e) IN ('INTEGER', 'DECIMAL', 'DOUBLE'))) = 8 "
        f"THEN TRANSFORM({array}, e -> e::FLOAT)::VECTOR(FLOAT, 8) END"
    )


def test_table_item_and_index_sources():
    assert typed_value(column("TIMESTAMP_NTZ", TABLE, ("UPDATED_AT",))) == 'd."UPDATED_AT"'
    assert typed_value(column("NUMBER(38,0)", INDEX, ())) == "f.INDEX"
    assert typed_value(column("FLOAT", ITEM, ("confidence",))) == "TRY_CAST(f.VALUE['confidence']::VARCHAR AS DOUBLE)"
    assert typed_value(column("VARCHAR", ITEM, ())) == "f.VALUE::VARCHAR"


def _statements(collection: dict, vector_type: bool) -> list[str]:
    plan = plan_views(collection, vector_type=vector_type)
    return [create_view(v, SOURCE.sibling(v.name), SOURCE, plan.collection_id) for v in plan.views]


def test_documents_view_text():
    seeded = seeded_store(documents=1).get_collection(COLLECTION)
    main = _statements(seeded, vector_type=True)[0]
    assert main.startswith(
        'CREATE OR REPLACE VIEW "MIXPEEK"."CORE"."MIXPEEK_PRODUCT_MEDIA" (\n  "DOCUMENT_ID" COMMENT '
    )
    assert "\n) COPY GRANTS COMMENT = 'One row per live document of Mixpeek collection product-media (" in main
    assert "\"METADATA_PRICE\" COMMENT 'metadata.price (float, declared in the output schema)'" in main
    assert "TRY_CAST(d.\"DOCUMENT\"['metadata']['price']::VARCHAR AS DOUBLE)" in main
    assert "TRANSFORM(AS_ARRAY(d.\"DOCUMENT\"['multimodal_embedding']), e -> e::FLOAT)::VECTOR(FLOAT, 8)" in main
    where = f'WHERE d."COLLECTION_ID" = \'{COLLECTION}\' AND NOT d."IS_DELETED"'
    assert main.endswith(f'FROM "MIXPEEK"."CORE"."MIXPEEK_DOCUMENTS" d\n{where}')


def test_every_view_parses_as_snowflake_with_its_column_comments():
    for collection in (seeded_store(documents=1).get_collection(COLLECTION), shapes_collection()):
        plan = plan_views(collection, vector_type=True)
        for view, sql in zip(plan.views, _statements(collection, vector_type=True), strict=True):
            parsed = parse(sql)
            assert isinstance(parsed, exp.Create) and parsed.kind == "VIEW"
            defined = parsed.this.expressions
            assert [d.name for d in defined] == [c.name for c in view.columns]
            comments = [d.find(exp.CommentColumnConstraint).this.this for d in defined]
            assert comments == [c.comment for c in view.columns]
            assert len(parsed.expression.expressions) == len(view.columns)


def test_child_view_flattens_only_arrays():
    children = _statements(shapes_collection(), vector_type=False)[1:]
    assert len(children) == 1
    transcript = children[0]
    guarded = "CASE WHEN ARRAY_SIZE(d.\"DOCUMENT\"['transcript']) IS NOT NULL THEN d.\"DOCUMENT\"['transcript'] END"
    assert f"LATERAL FLATTEN(INPUT => {guarded}) f" in transcript
    assert "TRY_CAST(f.VALUE['speaker']['name']::VARCHAR" not in transcript
    assert "f.VALUE['speaker']['name']::VARCHAR" in transcript


def test_vector_text_is_absent_unless_asked():
    assert not any("::VECTOR(" in sql for sql in _statements(shapes_collection(), vector_type=False))
    with_vectors = _statements(shapes_collection(), vector_type=True)[0]
    assert "TRANSFORM(AS_ARRAY(d.\"DOCUMENT\"['clip']), e -> e::FLOAT)::VECTOR(FLOAT, 4)" in with_vectors
    assert "TRANSFORM(AS_ARRAY(d.\"DOCUMENT\"['text_vector']), e -> e::FLOAT)::VECTOR(FLOAT, 3)" in with_vectors


def test_helper_statements():
    sample = sample_fields(SOURCE, 200, 3)
    assert sample.count("?") == 4 and "LIMIT 200" in sample and "KEY NOT IN (?, ?, ?)" in sample
    assert "KEY NOT IN ('')" in sample_fields(SOURCE, 5, 0)
    assert table_exists("MIXPEEK").count("?") == 4
    for sql in (sample, table_exists("MIXPEEK"), VECTOR_PROBE):
        parse(sql)


def test_a_vector_is_cast_only_when_every_element_is_a_number():
    text = typed_value(column("VECTOR(FLOAT, 3)", dims=3))
    guard = parse(f"SELECT {text}").find(exp.Case).args["ifs"][0].this
    filtered = next(f for f in guard.find_all(exp.ArrayFilter))
    condition = filtered.expression.this
    assert isinstance(condition, exp.In) and [e.this for e in condition.expressions] == ["INTEGER", "DECIMAL", "DOUBLE"]


TIMESTAMPS = {
    "2024-05-06T07:08:09.123456Z": "2024-05-06 07:08:09.123456",
    "2024-05-06T07:08:09Z": "2024-05-06 07:08:09",
    "2024-05-06T07:08:09+02:00": "2024-05-06 05:08:09",
    "2024-05-06T23:30:00.5-01:00": "2024-05-07 00:30:00.500000",
    "2024-05-06T07:08:09": "2024-05-06 07:08:09",
    "2024-05-06 07:08:09.25": "2024-05-06 07:08:09.250000",
    "2024-05-06": "2024-05-06 00:00:00",
    "2024-13-06T07:08:09Z": None,
    "yesterday": None,
}


def test_timestamp_text_becomes_utc_whatever_its_offset(engine):
    expression = typed_value(column("TIMESTAMP_NTZ", ITEM, ("t",)))
    with fresh_session(engine, "VIEWTS") as session:
        for text, expected in TIMESTAMPS.items():
            value = session.sql(f"SELECT {expression} FROM (SELECT PARSE_JSON(?) AS VALUE) f", [f'{{"t": "{text}"}}'])
            got = value.collect()[0][0]
            assert (str(got) if got is not None else None) == expected, text


def test_view_text_reads_no_session_timestamp_format():
    statements = _statements(shapes_collection(), vector_type=True)
    assert any("TRY_TO_TIMESTAMP_TZ(" in sql for sql in statements)
    for sql in statements:
        assert rules.bare_text_conversions(sql) == []
        rules.check_timestamp_format(sql, "DD/MM/YYYY HH24:MI:SS")
