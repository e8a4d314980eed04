"""The sync's SQL as text: deterministic, quoted identifiers, bound values only, and the documented parameters."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
import sqlglot
from sqlglot import exp

from mixpeek_local.engine import rules
from mixpeek_snowflake.snowflake import tables as table_specs
from mixpeek_snowflake.snowflake.ddl import create_table
from mixpeek_snowflake.snowflake.identifiers import TableName
from mixpeek_snowflake.snowflake.tables import BOOKKEEPING, DOCUMENTS, REJECTS, RUNS, STAGE, STATE, Column, TableSpec
from mixpeek_snowflake.sync.records import Reject, convert_page
from mixpeek_snowflake.sync.statements import RUN_COUNTERS, SyncTables

TARGET = TableName.parse("my_db$1._raw$.mixpeek_docs_v2")
# The explicit format every text → TIMESTAMP_NTZ conversion carries, as sqlglot reads it.
SQLGLOT_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
TABLES = SyncTables.beside(TARGET)
ALL_COLUMNS = {c.name for spec in (DOCUMENTS, *BOOKKEEPING) for c in spec.columns}
ALIASES = {"SYNCED_AT", "SYNC_RUN_ID", "INDEX", "VALUE", "L"}
INFORMATION_SCHEMA_COLUMNS = {"SCHEMA_NAME", "TABLE_SCHEMA", "TABLE_NAME", "TABLE_TYPE", "CREATED", "COLUMN_NAME"}
SCHEMA_STATEMENTS = ("schema_exists", "schema_tables", "schema_views", "schema_columns")

# (method, argument) -> the parameter list its docstring documents, in order
DOCUMENTED: dict[tuple[str, bool | None], str] = {
    ("insert_run", None): "run_id, collection, target, mode, dry_run, started_at, options JSON, user, role, query_id",
    ("finish_run", None): "status, finished_at, collection, mode, *RUN_COUNTERS, duration, error, summary JSON, "
    "reason, definition JSON, run_id",
    ("abandon_runs", None): "status, finished_at, error, collection, collection as given, target, run_id, "
    "lease holder, started before",
    ("ensure_state", None): "collection, target",
    ("acquire_lease", None): "run_id, expires_at, collection, target, now",
    ("read_state", None): "collection, target",
    ("release_lease", None): "collection, target, run_id",
    ("advance_state", None): "watermark, cursor, run_id, now, is_full, now, definition JSON, created, collection, "
    "target, run_id",
    ("other_collections", None): "target, collection, collection",
    ("count_target", None): "none",
    ("target_keys", None): "after document id",
    ("reset_state", None): "collection, target, now",
    ("expire_rejects", None): "collection, target, cutoff",
    ("stage_documents", None): "run_id, first seq, JSON array of records.stage_row objects",
    ("stage_deletions", None): "run_id, first seq, JSON array of document ids deleted in Mixpeek",
    ("stage_rejects", None): "run_id, first seq, JSON array of {document_id, reason, excerpt}",
    ("clear_stage", None): "run_id",
    ("clear_abandoned_stage", None): "collection, target, run_id",
    ("plan", None): "synced_at, run_id, run_id",
    ("merge", None): "synced_at, run_id, run_id",
    ("mark_deleted", True): "deleted_at, last_synced_at, run_id, collection, run_id",
    ("mark_deleted", False): "deleted_at, last_synced_at, run_id, collection, run_id, run_id",
    ("count_deletions", True): "collection, run_id",
    ("count_deletions", False): "collection, run_id, run_id",
    ("keep_rejects", None): "collection, target, rejected_at, run_id",
    ("stage_label_rows", None): "run_id, first seq, JSON array of {document_id, collection_id, updated_at, labels}",
    ("cached_taxonomies", None): "none",
    ("forget_taxonomies", None): "JSON array of taxonomy ids",
    ("cache_taxonomies", None): "fetched_at, JSON array of {taxonomy_id, taxonomy_name, taxonomy_type}",
    ("clear_run_labels", None): "target, run_id",
    ("clear_target_labels", None): "target, collection",
    ("write_run_labels", None): "run_id, synced_at, target, run_id, run_id",
    ("write_live_labels", None): "run_id, synced_at, target, run_id",
    ("write_staged_labels", None): "run_id, synced_at, target, run_id",
    ("live_documents_after", None): "collection, after document id",
}


def statement(tables: SyncTables, method: str, argument: bool | None) -> str:
    build = getattr(tables, method)
    return build() if argument is None else build(argument)


def documented_count(names: str) -> int:
    names = re.sub(r"\{[^}]*\}", "", names)
    if names == "none":
        return 0
    return sum(len(RUN_COUNTERS) if n == "*RUN_COUNTERS" else 1 for n in names.split(", "))


def parse(sql: str) -> exp.Expression:
    [tree] = sqlglot.parse(sql, read="snowflake")
    return tree


def every_statement(tables: SyncTables = TABLES) -> dict[str, str]:
    texts = {f"{m}({a})": statement(tables, m, a) for m, a in DOCUMENTED}
    texts.update({f"create {i}": ddl for i, ddl in enumerate(tables.creation())})
    return texts


@pytest.mark.parametrize(("method", "argument"), list(DOCUMENTED))
def test_placeholders_match_the_documented_params(method: str, argument: bool | None) -> None:
    sql = statement(TABLES, method, argument)
    names = DOCUMENTED[(method, argument)]
    expected = documented_count(names)
    assert sql.count("?") == expected
    assert len(list(parse(sql).find_all(exp.Placeholder))) == expected
    docstring = " ".join((getattr(SyncTables, method).__doc__ or "").split())
    if method == "count_deletions":
        assert "as mark_deleted without its first three" in docstring
    elif method == "mark_deleted":
        assert "deleted_at, last_synced_at, run_id, collection, run_id (, run_id when incremental)" in docstring
    else:
        assert f"Params: {names}" in docstring


@pytest.mark.parametrize("name", sorted(every_statement()))
def test_every_statement_keeps_the_rules_a_procedure_runs_under(name: str) -> None:
    """One statement, no PUT/GET, no bound LIMIT, no named temporary object, no text → timestamp conversion that a
    caller's TIMESTAMP_INPUT_FORMAT would change (mixpeek_local/engine/rules.py)."""
    sql = every_statement()[name]
    for check in (
        rules.check_single_statement,
        rules.check_no_put_get,
        rules.check_no_limit_bind,
        rules.check_no_named_temporary,
    ):
        check(sql)
    rules.check_timestamp_format(sql, "DD/MM/YYYY HH24:MI:SS")


def test_texts_differ_only_by_table_names() -> None:
    other = SyncTables.beside(TableName.parse("prod.mixpeek.docs"))

    def neutral(tables: SyncTables, sql: str) -> str:
        for field in dataclasses.fields(SyncTables):
            sql = sql.replace(getattr(tables, field.name).sql, f"<{field.name}>")
        return sql

    for (key, mine), theirs in zip(every_statement().items(), every_statement(other).values(), strict=True):
        assert neutral(TABLES, mine) == neutral(other, theirs), key


def test_every_table_reference_is_quoted_and_qualified() -> None:
    names = {getattr(TABLES, f.name).name for f in dataclasses.fields(SyncTables)} | {"MY_DB$1", "_RAW$"}
    for key, sql in every_statement().items():
        unquoted = re.sub(r"'(?:[^']|'')*'", "''", re.sub(r'"[^"]*"', '""', sql))
        assert not any(name in unquoted for name in names), key
        for table in parse(sql).find_all(exp.Table):
            if table.name:
                assert [p.quoted for p in table.parts] == [True, True, True], (key, table.sql())


def test_only_fixed_literals_appear_in_dml() -> None:
    for key, sql in every_statement().items():
        if key.startswith("create"):
            continue
        literals = {lit.this for lit in parse(sql).find_all(exp.Literal) if lit.is_string}
        assert literals <= {"RUNNING", "U", "D", "R", "L", SQLGLOT_FORMAT}, key


def test_statements_reference_only_known_columns() -> None:
    for key, sql in every_statement().items():
        if key.startswith("create"):
            continue
        columns = {c.name for c in parse(sql).find_all(exp.Column)}
        assert columns <= ALL_COLUMNS | ALIASES, (key, columns - ALL_COLUMNS - ALIASES)


@pytest.mark.parametrize(
    ("method", "spec"),
    [("insert_run", RUNS), ("stage_documents", STAGE), ("stage_deletions", STAGE), ("stage_rejects", STAGE),
     ("keep_rejects", REJECTS)],
)  # fmt: skip
def test_insert_columns_belong_to_the_table_and_fill_not_null_ones(method: str, spec: TableSpec) -> None:
    insert = parse(getattr(TABLES, method)())
    columns = [c.name for c in insert.this.expressions]
    assert set(columns) <= set(spec.column_names)
    assert {c.name for c in spec.columns if c.not_null} <= set(columns)


@pytest.mark.parametrize(
    ("method", "spec"),
    [("finish_run", RUNS), ("acquire_lease", STATE), ("release_lease", STATE), ("advance_state", STATE),
     ("mark_deleted", DOCUMENTS)],
)  # fmt: skip
def test_update_sets_columns_of_its_table(method: str, spec: TableSpec) -> None:
    build = getattr(TABLES, method)
    update = parse(build(True) if method == "mark_deleted" else build())
    assert {eq.this.name for eq in update.expressions} <= set(spec.column_names)


def test_finish_run_sets_every_counter() -> None:
    sql = TABLES.finish_run()
    assert set(RUN_COUNTERS) <= set(RUNS.column_names)
    assert all(f"{name} = ?" in sql for name in RUN_COUNTERS)
    assert "SUMMARY = PARSE_JSON(?)" in sql and sql.endswith("WHERE RUN_ID = ?")


# the MERGE and its plan


def merge_tree() -> exp.Merge:
    tree = parse(TABLES.merge())
    assert isinstance(tree, exp.Merge)
    return tree


def test_merge_has_one_deduplicated_source() -> None:
    sql = TABLES.merge()
    assert sql.count("MERGE INTO") == 1 and sql.count(" USING (") == 1
    source = merge_tree().args["using"]
    assert isinstance(source, exp.Subquery)
    select = source.this
    assert [t.name for t in select.find_all(exp.Table)] == ["MIXPEEK_SYNC_STAGE"]
    assert "RUN_ID = ? AND OP = 'U'" in select.sql("snowflake")
    qualify = select.args["qualify"].sql("snowflake")
    assert "ROW_NUMBER() OVER (PARTITION BY DOCUMENT_ID ORDER BY UPDATED_AT DESC NULLS LAST, SEQ DESC) = 1" in qualify


def test_merge_updates_only_changed_or_deleted_rows() -> None:
    whens = list(merge_tree().args["whens"])
    matched = [w for w in whens if w.args.get("matched")]
    assert len(whens) == 2 and len(matched) == 1
    condition = matched[0].args["condition"].sql("snowflake")
    t = TABLES.target.sql
    assert condition == f"({t}.CONTENT_HASH IS DISTINCT FROM s.CONTENT_HASH OR {t}.IS_DELETED)"
    assert "THEN DELETE" not in TABLES.merge()


def test_merge_update_rewrites_typed_columns_and_revives_but_keeps_first_synced() -> None:
    matched = next(w for w in merge_tree().args["whens"] if w.args.get("matched"))
    assignments = {eq.this.name: eq.expression.sql("snowflake") for eq in matched.args["then"].expressions}
    typed = [c.name for c in STAGE.columns if c.name in DOCUMENTS.column_names]
    assert all(assignments[name] == f"s.{name}" for name in typed)
    assert assignments["IS_DELETED"] == "FALSE" and assignments["DELETED_AT"] == "NULL"
    assert assignments["LAST_RUN_ID"] == "s.SYNC_RUN_ID" and assignments["LAST_SYNCED_AT"] == "s.SYNCED_AT"
    assert "FIRST_SYNCED_AT" not in assignments


def test_merge_insert_fills_every_not_null_column() -> None:
    inserted = next(w for w in merge_tree().args["whens"] if not w.args.get("matched"))
    columns = [c.name for c in inserted.args["then"].this.expressions]
    assert {c.name for c in DOCUMENTS.columns if c.not_null} <= set(columns) <= set(DOCUMENTS.column_names)
    assert "DELETED_AT" not in columns


def test_plan_counts_over_the_same_source_as_the_merge() -> None:
    merge_source = TABLES.merge().split(" USING (", 1)[1].split(") s ON ", 1)[0]
    plan_source = TABLES.plan().split(" FROM (", 1)[1].split(") s LEFT JOIN ", 1)[0]
    assert merge_source == plan_source
    assert "IS DISTINCT FROM s.CONTENT_HASH OR" in TABLES.plan()


# staging, deletion and the lease


def test_stage_documents_reads_exactly_the_keys_a_converted_row_carries() -> None:
    doc = {"document_id": "doc_1", "metadata": {"sku": "A-1"}, "_internal": {"updated_at": "2026-01-02T00:00:00Z"}}
    [row] = convert_page([doc]).rows_json
    written = set(json.loads(row))
    sql = TABLES.stage_documents()
    read = set(re.findall(r"f\.VALUE:(\w+)", sql))
    assert read == written
    assert "f.VALUE:document:metadata" in sql
    assert "TO_TIMESTAMP_NTZ(f.VALUE:updated_at::VARCHAR, 'YYYY-MM-DD HH24:MI:SS.FF6')" in sql
    assert "FROM TABLE(FLATTEN(INPUT => PARSE_JSON(?))) f" in sql
    assert "VALUES" not in sql


def test_stage_rejects_reads_the_reject_fields() -> None:
    read = set(re.findall(r"f\.VALUE:(\w+)", TABLES.stage_rejects()))
    assert read == {f.name for f in dataclasses.fields(Reject)}


def test_full_and_incremental_deletion_predicates() -> None:
    full, incremental = TABLES.mark_deleted(True), TABLES.mark_deleted(False)
    t = TABLES.target.sql
    for sql in (full, incremental):
        assert f"{t}.COLLECTION_ID = ? AND NOT {t}.IS_DELETED" in sql
        assert "NOT EXISTS (SELECT 1 FROM" in sql and "u.OP IN ('U', 'R')" in sql
    assert "OP = 'D'" not in full
    assert "d.OP = 'D'" in incremental
    assert TABLES.count_deletions(True).split(" WHERE ", 1)[1] == full.split(" WHERE ", 1)[1]
    assert TABLES.count_deletions(False).split(" WHERE ", 1)[1] == incremental.split(" WHERE ", 1)[1]


def test_lease_taken_only_when_free_or_lapsed_and_advanced_only_by_its_holder() -> None:
    assert TABLES.acquire_lease().endswith(
        "AND (LEASE_RUN_ID IS NULL OR LEASE_EXPIRES_AT < TO_TIMESTAMP_NTZ(?, 'YYYY-MM-DD HH24:MI:SS.FF6'))"
    )
    advance = TABLES.advance_state()
    assert advance.endswith("WHERE COLLECTION_ID = ? AND TARGET_TABLE = ? AND LEASE_RUN_ID = ?")
    assert "LEASE_RUN_ID = NULL, LEASE_EXPIRES_AT = NULL" in advance
    assert TABLES.release_lease().endswith("AND LEASE_RUN_ID = ?")


def test_abandoned_stage_rows_are_only_those_of_other_runs_of_the_pair() -> None:
    sql = TABLES.clear_abandoned_stage()
    assert f"FROM {TABLES.runs.sql} WHERE COLLECTION_ID = ? AND TARGET_TABLE = ? AND RUN_ID <> ?" in sql


# tables and DDL


def test_bookkeeping_tables_sit_beside_the_target() -> None:
    assert TABLES.stage.sql == '"MY_DB$1"."_RAW$"."MIXPEEK_SYNC_STAGE"'
    assert TABLES.rejects.sql == '"MY_DB$1"."_RAW$"."MIXPEEK_SYNC_REJECTS"'
    bare = SyncTables.beside(TableName.parse("docs"))
    assert (bare.target.sql, bare.state.sql, bare.runs.sql) == ('"DOCS"', '"MIXPEEK_SYNC_STATE"', '"MIXPEEK_SYNC_RUNS"')


def spec_of(field: str, table: TableName) -> TableSpec:
    if field == "target":
        return DOCUMENTS
    specs = [v for v in vars(table_specs).values() if isinstance(v, TableSpec) and v.name == table.name]
    assert len(specs) == 1, f"no single TableSpec named {table.name}"
    return specs[0]


def test_creation_creates_every_table_of_the_sync_once() -> None:
    tables = [(f.name, getattr(TABLES, f.name)) for f in dataclasses.fields(SyncTables)]
    ddl = TABLES.creation()
    assert len(ddl) == len(tables)
    assert (tables[0][0], ddl[0]) == ("target", create_table(DOCUMENTS, TABLES.target))
    for field, table in tables:
        spec = spec_of(field, table)
        [sql] = [d for d in ddl if d.split(" (", 1)[0].endswith(f" {table.sql}")]
        kind = "TRANSIENT TABLE" if spec.transient else "TABLE"
        assert sql.startswith(f"CREATE {kind} IF NOT EXISTS {table.sql} (")
        assert sql == create_table(spec, table)
    assert [spec_of(f, t).transient for f, t in tables].count(True) == 1
    assert STAGE.transient


@pytest.mark.parametrize("spec", [DOCUMENTS, STAGE, STATE, RUNS, REJECTS], ids=lambda s: s.name)
def test_create_table_has_every_column_with_type_and_comment(spec: TableSpec) -> None:
    sql = create_table(spec, TARGET.sibling(spec.name))
    definitions = list(parse(sql).find_all(exp.ColumnDef))
    assert [d.name for d in definitions] == spec.column_names
    for column in spec.columns:
        null = " NOT NULL" if column.not_null else ""
        comment = column.comment.replace("'", "''")
        assert f"\"{column.name}\" {column.type}{null} COMMENT '{comment}'" in sql
    assert sql.endswith(f"COMMENT = '{spec.comment}'")


def test_create_table_escapes_comments() -> None:
    spec = TableSpec(
        name="T",
        comment="Mixpeek's table",
        columns=(Column("PATH", "VARCHAR", r"C:\media\it's here", not_null=True),),
    )
    sql = create_table(spec, TableName.parse("T"))
    assert sql == (
        "CREATE TABLE IF NOT EXISTS \"T\" (\n  \"PATH\" VARCHAR NOT NULL COMMENT 'C:\\\\media\\\\it''s here'\n) "
        "COMMENT = 'Mixpeek''s table'"
    )
    [definition] = parse(sql).find_all(exp.ColumnDef)
    assert definition.name == "PATH"


def test_a_legacy_state_read_selects_nulls_for_the_columns_it_lacks() -> None:
    legacy, recent = TABLES.read_state(True), TABLES.read_state()
    assert "DEFINITION" not in legacy and legacy.count("NULL") == 3
    assert legacy.replace("NULL, NULL, NULL", "DEFINITION, TARGET_ROWS, TARGET_CREATED") == recent


def test_upgrades_add_only_missing_columns_of_existing_tables_as_nullable() -> None:
    columns = {TABLES.state.name: set(STATE.column_names) - {"TARGET_ROWS"}, TABLES.runs.name: set(RUNS.column_names)}
    [upgrade] = TABLES.upgrades(columns)
    assert upgrade.startswith(f'ALTER TABLE {TABLES.state.sql} ADD COLUMN IF NOT EXISTS "TARGET_ROWS" NUMBER(38,0)')
    assert "NOT NULL" not in upgrade
    assert TABLES.creation(set(columns)) == [d for d in TABLES.creation() if TABLES.state.sql not in d.split(" (")[0]
                                               and TABLES.runs.sql not in d.split(" (")[0]]  # fmt: skip


@pytest.mark.parametrize("method", SCHEMA_STATEMENTS)
def test_schema_inspection_reads_the_targets_database_information_schema_by_one_bound_schema_name(method: str) -> None:
    sql = getattr(TABLES, method)()
    names = 0 if method == "schema_exists" else len(TABLES.names())
    assert sql.count("?") == 1 + names and "Params: schema name" in getattr(SyncTables, method).__doc__
    assert sql.endswith("= ?") or f"TABLE_NAME IN ({', '.join('?' * names)})" in sql
    [table] = [t for t in parse(sql).find_all(exp.Table)]
    assert [p.name for p in table.parts][:2] == ["MY_DB$1", "INFORMATION_SCHEMA"] and all(p.quoted for p in table.parts)
    assert {c.name for c in parse(sql).find_all(exp.Column)} <= INFORMATION_SCHEMA_COLUMNS
