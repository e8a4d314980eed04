"""The shadow-table attack: an operator syncing into a new, ungoverned table to publish it to every reader.

Inside Snowflake with the bundle's masking policies deployed, the sync refuses a target that does not exist (it would
carry no policy) and an existing one whose SOURCE_URL, METADATA and DOCUMENT are not masked; views are built only
over governed tables (test_security.py). The local engine has no policies: GovernedSession answers the two
governance queries as a governed account would, and arguments.inside_snowflake is switched on.
"""

from __future__ import annotations

from typing import Any

import pytest
from reliability.world import TARGET

from mixpeek_snowflake import arguments, procedures
from mixpeek_snowflake.errors import InvalidArgument

FULL = {"partitions": 1, "page_size": 10}
MASKED = [("MASKING_POLICY", "SOURCE_URL"), ("MASKING_POLICY", "METADATA"), ("MASKING_POLICY", "DOCUMENT")]


class Fixed:
    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self.rows = rows

    def collect(self) -> list[tuple[Any, ...]]:
        return self.rows


class GovernedSession:
    """The session, except that the schema holds the bundle's masking policies and only `masked` tables are masked."""

    def __init__(self, session: Any, masked: set[str]) -> None:
        self.session, self.masked, self.asked = session, masked, []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)

    def sql(self, query: str, params: Any = None) -> Any:
        if query.startswith("SHOW MASKING POLICIES IN SCHEMA "):
            self.asked.append(query)
            return Fixed([("MIXPEEK_MASK_VARCHAR",), ("MIXPEEK_MASK_VARIANT",)])
        if "POLICY_REFERENCES" in query:
            self.asked.append(params[0])
            return Fixed(MASKED if params[0].rsplit(".", 1)[-1].strip('"') in self.masked else [])
        return self.session.sql(query, params=params)


def tables(session: Any) -> set[str]:
    return {r["name"] for r in session.sql("SHOW TABLES").collect()}


@pytest.fixture
def in_snowflake(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(arguments, "inside_snowflake", lambda: True)


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_sync_into_a_new_table_is_refused_while_governance_is_deployed(env, in_snowflake, dry_run):
    governed = GovernedSession(env.session, masked={TARGET.rsplit(".", 1)[-1]})
    before = tables(env.session)
    with pytest.raises(InvalidArgument) as caught:
        procedures.sync_mixpeek_collection(governed, env.collection, "SHADOW_NEW", "full", {**FULL, "dry_run": dry_run})
    assert caught.value.argument == "target_table"
    assert "SHADOW_NEW does not exist and would not be governed" in caught.value.problem
    assert tables(env.session) == before


def test_a_sync_into_an_existing_ungoverned_table_is_refused(env, in_snowflake):
    shadow = procedures.sync_mixpeek_collection(env.session, env.collection, "SHADOW_OLD", "full", FULL)
    assert shadow["status"] == "SUCCEEDED"
    governed = GovernedSession(env.session, masked={TARGET.rsplit(".", 1)[-1]})
    with pytest.raises(InvalidArgument, match=r"SHADOW_OLD is not governed: no masking policy on SOURCE_URL") as caught:
        procedures.sync_mixpeek_collection(governed, env.collection, "SHADOW_OLD", "full", FULL)
    assert caught.value.argument == "target_table"


def test_a_governed_target_syncs_and_reset_is_never_refused(ready, in_snowflake):
    env = ready
    name = TARGET.rsplit(".", 1)[-1]
    governed = GovernedSession(env.session, masked={name, "SHADOW_OLD"})
    assert procedures.sync_mixpeek_collection(governed, env.collection, TARGET, "full", FULL)["status"] == "SUCCEEDED"
    assert any(str(p).endswith(f'"{name}"') for p in governed.asked)
    missing = procedures.reset_mixpeek_sync(GovernedSession(env.session, masked=set()), env.collection, "GONE_DOCS")
    assert isinstance(missing, dict)


def test_without_masking_policies_or_outside_snowflake_a_new_table_is_allowed(env):
    summary = procedures.sync_mixpeek_collection(env.session, env.collection, "LOCAL_NEW", "full", FULL)
    assert summary["status"] == "SUCCEEDED" and "LOCAL_NEW" in tables(env.session)
