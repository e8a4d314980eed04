"""The view builder against a recording session that answers like Snowflake (VECTOR included)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlglot
from bundle.views.view_helpers import COLLECTION, seeded_store

from mixpeek_snowflake.errors import InvalidArgument, MixpeekSnowflakeError
from mixpeek_snowflake.snowflake.database import Database
from mixpeek_snowflake.views.builder import ViewBuilder
from mixpeek_snowflake.views.options import parse_view_request

STALE = "MIXPEEK_PRODUCT_MEDIA_OLD_FIELD"


class Result:
    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self.rows = rows

    def collect(self) -> list[tuple[Any, ...]]:
        return self.rows


class RecordingSession:
    """Answers each statement by the first marker it contains; records every statement and its params."""

    def __init__(self, **overrides: Any) -> None:
        self.queries: list[tuple[str, list[Any] | None]] = []
        sample = [
            ("doc_a", "mood", json.dumps("calm")),
            ("doc_a", "title", json.dumps("A")),
            ("doc_b", "mood", json.dumps("busy")),
        ]
        self.answers: dict[str, Any] = {
            "CURRENT_DATABASE()": [("MIXPEEK", "CORE")],
            "STARTSWITH": [(STALE,), ("MIXPEEK_PRODUCT_MEDIA_DETECTED_OBJECTS",)],
            "INFORMATION_SCHEMA.TABLES": [(1,)],
            'FLATTEN(INPUT => d."DOCUMENT") f': sample,
            "VECTOR_COSINE_SIMILARITY": [(1.0,)],
            "CREATE OR REPLACE VIEW": [("View successfully created.",)],
            **overrides,
        }

    def sql(self, query: str, params: list[Any] | None = None) -> Result:
        self.queries.append((query, params))
        for marker, answer in self.answers.items():
            if marker in query:
                if isinstance(answer, Exception):
                    raise answer
                if callable(answer):
                    return Result(answer(query))
                return Result(answer)
        raise AssertionError(f"unexpected statement {query}")

    def creates(self) -> list[str]:
        return [q for q, _ in self.queries if q.startswith("CREATE OR REPLACE VIEW")]

    def ran(self, marker: str) -> bool:
        return any(marker in q for q, _ in self.queries)


class Client:
    def __init__(self, collection: dict[str, Any]) -> None:
        self.collection = collection
        self.asked: list[str] = []

    def get_collection(self, collection: str) -> dict[str, Any]:
        self.asked.append(collection)
        return self.collection


@pytest.fixture(scope="module")
def collection() -> dict[str, Any]:
    return seeded_store(documents=1).get_collection(COLLECTION)


def build(session: RecordingSession, collection: dict[str, Any], name: str = COLLECTION, **options: Any) -> dict:
    request = parse_view_request(name, options or None)
    return ViewBuilder(Database(session), Client(collection), request).run()


def main_columns(summary: dict[str, Any]) -> dict[str, str]:
    return {c["name"]: c["type"] for c in summary["views"][0]["columns"]}


def test_on_snowflake_views_get_vector_columns_and_parse(collection):
    session = RecordingSession()
    summary = build(session, collection)
    assert summary["vector_type"] is True
    assert main_columns(summary)["EMBEDDING_VECTOR"] == "VECTOR(FLOAT, 8)"
    creates = session.creates()
    assert len(creates) == len(summary["views"]) == 3
    assert "TRANSFORM(AS_ARRAY(d.\"DOCUMENT\"['multimodal_embedding']), e -> e::FLOAT)::VECTOR(FLOAT, 8)" in creates[0]
    for sql in creates:
        sqlglot.parse_one(sql, read="snowflake", error_level=sqlglot.ErrorLevel.RAISE)
    kinds = [q.split(" ", 3)[:3] for q, _ in session.queries]
    assert kinds[0] == ["SELECT", "CURRENT_DATABASE(),", "CURRENT_SCHEMA()"]
    assert session.queries[1][1] == ["CORE", "MIXPEEK_DOCUMENTS", "CORE", "MIXPEEK_DOCUMENTS"]
    assert summary["stale_views"] == [f"MIXPEEK.CORE.{STALE}"]
    assert summary["views"][0]["name"] == "MIXPEEK.CORE.MIXPEEK_PRODUCT_MEDIA"


def test_sampled_documents_are_grouped_and_new_fields_typed(collection):
    session = RecordingSession()
    summary = build(session, collection, sample_rows=50)
    params = next(p for q, p in session.queries if "LIMIT 50" in q)
    assert params[0] == COLLECTION and "multimodal_embedding" in params and "document_blobs" in params
    assert summary["sampled_documents"] == 2
    assert main_columns(summary)["MOOD"] == "VARCHAR"
    mood = next(c for c in summary["views"][0]["columns"] if c["name"] == "MOOD")
    assert mood == {"name": "MOOD", "type": "VARCHAR"}


def test_no_sampling_when_sample_rows_is_zero(collection):
    session = RecordingSession()
    summary = build(session, collection, sample_rows=0)
    assert not session.ran('FLATTEN(INPUT => d."DOCUMENT") f') and "MOOD" not in main_columns(summary)


def test_vector_type_false_or_no_index_skips_the_probe(collection):
    session = RecordingSession()
    assert build(session, collection, vector_type=False)["vector_type"] is False
    assert not session.ran("VECTOR_COSINE_SIMILARITY")
    bare = {k: v for k, v in collection.items() if k != "vector_indexes"}
    session = RecordingSession()
    assert build(session, bare)["vector_type"] is False and not session.ran("VECTOR_COSINE_SIMILARITY")


def test_engine_without_vector_gets_json_arrays_only(collection):
    session = RecordingSession(VECTOR_COSINE_SIMILARITY=RuntimeError("Expected a constant as type modifier"))
    summary = build(session, collection)
    assert summary["vector_type"] is False and "EMBEDDING_VECTOR" not in main_columns(summary)
    assert not any("::VECTOR(" in sql for sql in session.creates())


def test_vector_type_true_without_vector_fails_before_creating(collection):
    session = RecordingSession(VECTOR_COSINE_SIMILARITY=RuntimeError("no VECTOR here"))
    with pytest.raises(MixpeekSnowflakeError, match="option vector_type is true, but this engine has no VECTOR"):
        build(session, collection, vector_type=True)
    assert session.creates() == []


def test_dry_run_returns_the_statements_and_creates_nothing(collection):
    session = RecordingSession()
    summary = build(session, collection, dry_run=True)
    assert session.creates() == [] and summary["dry_run"] is True
    assert [s.split(" (", 1)[0] for s in summary["statements"]] == [
        f'CREATE OR REPLACE VIEW "MIXPEEK"."CORE"."{name}"'
        for name in (
            "MIXPEEK_PRODUCT_MEDIA",
            "MIXPEEK_PRODUCT_MEDIA_METADATA_TAGS",
            "MIXPEEK_PRODUCT_MEDIA_DETECTED_OBJECTS",
        )
    ]


def test_missing_source_table_is_refused_before_sampling(collection):
    session = RecordingSession(**{"INFORMATION_SCHEMA.TABLES": [(0,)]})
    with pytest.raises(InvalidArgument) as caught:
        build(session, collection, source_table="OTHER.DOCS")
    assert caught.value.argument == "option source_table"
    assert "MIXPEEK.OTHER.DOCS does not exist; run sync_mixpeek_collection first" in caught.value.problem
    assert not session.ran("FLATTEN") and session.creates() == []


def test_no_current_schema_asks_for_a_qualified_name(collection):
    session = RecordingSession(**{"CURRENT_DATABASE()": [("MIXPEEK", None)]})
    with pytest.raises(InvalidArgument, match=r"qualify it as DB\.SCHEMA\.TABLE"):
        build(session, collection)
    assert build(RecordingSession(**{"CURRENT_DATABASE()": [(None, None)]}), collection, source_table="A.B.C")


def test_a_failing_create_names_the_view_and_what_was_done(collection):
    def second_fails(query: str) -> list[tuple[str]]:
        if "METADATA_TAGS" in query.split("(", 1)[0]:
            raise RuntimeError("boom")
        return [("ok",)]

    session = RecordingSession(**{"CREATE OR REPLACE VIEW": second_fails})
    with pytest.raises(MixpeekSnowflakeError) as caught:
        build(session, collection)
    message = str(caught.value)
    assert "creating view MIXPEEK.CORE.MIXPEEK_PRODUCT_MEDIA_METADATA_TAGS failed (boom)" in message
    assert message.endswith("views created: MIXPEEK.CORE.MIXPEEK_PRODUCT_MEDIA")


def test_a_collection_named_by_name_filters_on_its_id(collection):
    session = RecordingSession()
    summary = build(session, collection, name="product-media")
    assert summary["collection_id"] == COLLECTION
    assert all(f"\"COLLECTION_ID\" = '{COLLECTION}'" in sql for sql in session.creates())


def test_a_collection_answer_without_a_usable_id_is_refused(collection):
    with pytest.raises(InvalidArgument, match="collection_id"):
        build(RecordingSession(), {**collection, "collection_id": "col x'; --"})
