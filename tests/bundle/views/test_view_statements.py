"""The SQL text of create_mixpeek_views, checked as text and parsed with sqlglot's Snowflake dialect."""

from __future__ import annotations

import sqlglot
from bundle.views.view_helpers import COLLECTION, seeded_store, shapes_collection
from sqlglot import exp

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
    assert typed_value(column("TIMESTAMP_NTZ")) == (
        f"CASE WHEN {value}::VARCHAR LIKE '____-__-__%' THEN TRY_CAST({value}::VARCHAR AS DATETIME) END"
    )
    assert typed_value(column("VARIANT")) == value
    assert typed_value(column("VECTOR(FLOAT, 8)", dims=8)) == (
        f"CASE WHEN ARRAY_SIZE({value}) = 8 THEN {value}::ARRAY::VECTOR(FLOAT, 8) END"
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
    assert "d.\"DOCUMENT\"['multimodal_embedding']::ARRAY::VECTOR(FLOAT, 8)" in main
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
    assert "d.\"DOCUMENT\"['clip']::ARRAY::VECTOR(FLOAT, 4)" in with_vectors
    assert "d.\"DOCUMENT\"['text_vector']::ARRAY::VECTOR(FLOAT, 3)" in with_vectors


def test_helper_statements():
    sample = sample_fields(SOURCE, 200, 3)
    assert sample.count("?") == 4 and "LIMIT 200" in sample and "KEY NOT IN (?, ?, ?)" in sample
    assert "KEY NOT IN ('')" in sample_fields(SOURCE, 5, 0)
    assert table_exists("MIXPEEK").count("?") == 4
    for sql in (sample, table_exists("MIXPEEK"), VECTOR_PROBE):
        parse(sql)
