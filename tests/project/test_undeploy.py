"""make undeploy removes what the deploy created and nothing else; the data goes only with PURGE=1."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlglot
from project import sqlfacts
from project.entities import qualified_name
from project.sqlfacts import Executed
from sqlglot import exp

CONTAINERS = {"DATABASE", "SCHEMA", "WAREHOUSE"}
DATA_AND_GOVERNANCE = {"TABLE", "VIEW", "TAG", "MASKING POLICY", "ROW ACCESS POLICY", "ROLE"}


def _kind(kind: str) -> str:
    return "INTEGRATION" if kind == "EXTERNAL ACCESS INTEGRATION" else kind


@pytest.fixture(scope="module")
def made(deployed: list[Executed], entities: dict[str, Any], env: dict) -> set[tuple[str, str]]:
    """(kind, name) of everything a deploy creates: sql/ objects, the entities and the CLI's artifact stage."""
    objects = {(_kind(c.kind), c.name) for c in sqlfacts.created(deployed)}
    objects |= {(e.get_type().upper(), qualified_name(e)) for e in entities.values()}
    return objects | {("STAGE", f"{env['database']}.{env['schema']}.{env['stage']}".upper())}


def _dropped(undeployed: list[Executed], file: str) -> list[sqlfacts.Dropped]:
    return [d for d in sqlfacts.dropped(undeployed) if d.file == file]


def test_everything_created_is_dropped_and_containers_are_kept(
    made: set[tuple[str, str]], undeployed: list[Executed], env: dict
) -> None:
    """Also the alert (made inside a block, when alert_integration is set) and the two Tasks of earlier versions."""
    dropped = {(d.kind, d.name) for d in sqlfacts.dropped(undeployed)}
    schema = f"{env['database']}.{env['schema']}".upper()
    beyond = {("TASK", f"{schema}.{env[name]}".upper()) for name in ("incremental_task", "full_task")}
    beyond.add(("ALERT", f"{schema}.{env['health_alert']}".upper()))
    assert dropped == {(kind, name) for kind, name in made if kind not in CONTAINERS} | beyond


def test_drops_tolerate_missing_objects(undeployed: list[Executed]) -> None:
    assert all(d.if_exists for d in sqlfacts.dropped(undeployed))


def test_data_and_what_governs_it_go_only_with_purge(undeployed: list[Executed]) -> None:
    assert {d.kind for d in _dropped(undeployed, "undeploy.sql")}.isdisjoint(DATA_AND_GOVERNANCE)
    assert {d.kind for d in _dropped(undeployed, "undeploy_data.sql")} == DATA_AND_GOVERNANCE


def test_objects_go_after_what_depends_on_them(undeployed: list[Executed]) -> None:
    for file, before, after in (
        ("undeploy.sql", {"TASK"}, {"PROCEDURE", "FUNCTION"}),
        ("undeploy.sql", {"INTEGRATION"}, {"SECRET", "NETWORK RULE"}),
        ("undeploy_data.sql", {"TABLE"}, {"TAG", "MASKING POLICY", "ROW ACCESS POLICY"}),
        ("undeploy_data.sql", DATA_AND_GOVERNANCE - {"ROLE"}, {"ROLE"}),
    ):
        kinds = [d.kind for d in _dropped(undeployed, file)]
        last_before = max(i for i, kind in enumerate(kinds) if kind in before)
        assert all(i > last_before for i, kind in enumerate(kinds) if kind in after), (file, before, after)


def _view_block(undeployed: list[Executed]) -> Executed:
    blocks = [s for s in undeployed if s.text.startswith("EXECUTE IMMEDIATE $$") and " CURSOR FOR " in s.text]
    assert len(blocks) == 1
    return blocks[0]


def test_purge_runs_its_scripting_blocks_with_a_warehouse(undeployed: list[Executed], env: dict) -> None:
    purge = [s.text for s in undeployed if s.file == "undeploy_data.sql"]
    first_block = next(i for i, text in enumerate(purge) if text.startswith("EXECUTE IMMEDIATE $$"))
    assert f"USE WAREHOUSE {env['warehouse']}" in purge[:first_block]


def test_purge_detaches_every_policy_before_dropping_tables_and_policies(
    undeployed: list[Executed], deployed: list[Executed]
) -> None:
    purge = [s for s in undeployed if s.file == "undeploy_data.sql"]
    first_drop = next(i for i, s in enumerate(purge) if s.text.startswith("DROP TABLE "))
    before = " ".join(s.text for s in purge[:first_drop])
    attached = {m[1] for s in deployed for m in re.finditer(r"ALTER TABLE ([\w.]+) ADD ROW ACCESS POLICY ", s.text)}
    assert len(attached) == 11
    for table in attached:
        assert f"ALTER TABLE IF EXISTS {table} DROP ALL ROW ACCESS POLICIES" in before, table
    masked = {
        (m[1], m[2])
        for s in deployed
        if (m := re.fullmatch(r"ALTER TABLE ([\w.]+) MODIFY COLUMN (\w+) SET MASKING POLICY \S+ FORCE", s.text))
    }
    assert len(masked) == 5
    for table, column in masked:
        unset = f"BEGIN ALTER TABLE IF EXISTS {table} MODIFY COLUMN {column} UNSET MASKING POLICY; EXCEPTION "
        assert unset + "WHEN STATEMENT_ERROR THEN NULL; END;" in before, (table, column)


def test_purge_drops_the_views_the_owner_made_in_the_bundle_schema_before_the_tables(
    undeployed: list[Executed], env: dict
) -> None:
    block = _view_block(undeployed)
    assert (block.file, block.role) == ("undeploy_data.sql", env["owner_role"])
    cursor = re.search(r"CURSOR FOR (SELECT .+?);", block.text)[1]
    tree = sqlglot.parse_one(cursor, read="snowflake")
    assert tree.find(exp.Table).sql("snowflake") == f"{env['database']}.INFORMATION_SCHEMA.VIEWS"
    assert f"TABLE_SCHEMA = UPPER('{env['schema']}') AND TABLE_OWNER = UPPER('{env['owner_role']}')" in cursor
    assert f"'DROP VIEW IF EXISTS {env['database']}.{env['schema']}.\"' || REPLACE(" in block.text
    assert "EXECUTE IMMEDIATE :drop_view;" in block.text
    first_table = next(i for i, s in enumerate(undeployed) if s.text.startswith("DROP TABLE "))
    assert undeployed.index(block) < first_table


def test_undeploy_revokes_the_account_privilege_it_granted(undeployed: list[Executed], env: dict) -> None:
    revoke = f"REVOKE EXECUTE TASK ON ACCOUNT FROM ROLE {env['owner_role']}"
    assert [s.role for s in undeployed if s.text == revoke] == ["ACCOUNTADMIN"]
