"""Against a real account: what the docs leave open about enrich's caller's-rights read and owner's-rights push.

Documented (docs/security.md): a caller's-rights procedure runs with the caller's privileges; an owner's-rights one
with the owner's. Checked here: a nested CALL from the caller's-rights enrich_mixpeek_documents into the owner's-rights
enrich_mixpeek_push works, the caller's INSERT-only hand-over works, and masking applies to what enrich reads as the
caller. Dry runs only: nothing is written to Mixpeek.
"""

from __future__ import annotations

import json

import pytest
from live.deployment import Deployment

pytestmark = pytest.mark.live


def _name(deployment: Deployment, name: str) -> str:
    return f"{deployment.env['database']}.{deployment.env['schema']}.{name}"


def _enrich(deployment: Deployment, source: str, key: str) -> dict:
    options = f"OBJECT_CONSTRUCT('namespace', '{deployment.namespace}', 'dry_run', TRUE)"
    query = (
        f"CALL {_name(deployment, 'enrich_mixpeek_documents')}('{deployment.collection}', '{source}', '{key}', "
        f"{options})"
    )
    value = next(iter(deployment.sql(query, "operator_role")[0].values()))
    return value if isinstance(value, dict) else json.loads(value)


@pytest.fixture(scope="module")
def tables(deployment: Deployment) -> dict[str, str]:
    """Two owner tables: PRIVY (the operator may not SELECT it) and OPEN (it may, its key masked for it)."""
    privy, open_ = _name(deployment, "LIVE_PRIVY"), _name(deployment, "LIVE_OPEN")
    deployment.sql(f"CREATE OR REPLACE TABLE {privy} AS SELECT 'doc_a' AS K, 'secret' AS V", "owner_role")
    deployment.sql(
        f"CREATE OR REPLACE TABLE {open_} AS SELECT 'doc_a' AS K, 1 AS V UNION ALL SELECT 'doc_b', 2", "owner_role"
    )
    deployment.sql(f"GRANT SELECT ON TABLE {open_} TO ROLE {deployment.env['operator_role']}", "owner_role")
    return {"privy": privy, "open": open_}


def test_enrich_refuses_a_table_the_operator_may_not_select(deployment: Deployment, tables: dict[str, str]) -> None:
    with pytest.raises(RuntimeError, match="cannot be read"):
        _enrich(deployment, tables["privy"], "K")


def test_the_caller_rights_read_reaches_the_owner_push_and_leaves_the_inbox_empty(
    deployment: Deployment, tables: dict[str, str]
) -> None:
    summary = _enrich(deployment, tables["open"], "K")
    assert summary["status"] == "SUCCEEDED" and summary["rows_read"] == 2, summary
    left = deployment.sql(f"SELECT COUNT(*) AS N FROM {_name(deployment, 'MIXPEEK_INBOX')}", "owner_role")
    assert left[0]["N"] == 0
    with pytest.raises(RuntimeError):
        deployment.sql(f"SELECT COUNT(*) AS N FROM {_name(deployment, 'MIXPEEK_INBOX')}", "operator_role")


def test_masking_applies_to_what_enrich_reads_as_the_caller(deployment: Deployment, tables: dict[str, str]) -> None:
    if not deployment.governance:
        pytest.skip("GOVERNANCE=0: no masking policies")
    policy = _name(deployment, "LIVE_KEY_MASK")
    owner = deployment.env["owner_role"]
    deployment.sql(
        f"CREATE OR REPLACE MASKING POLICY {policy} AS (val VARCHAR) RETURNS VARCHAR -> "
        f"CASE WHEN IS_ROLE_IN_SESSION('{owner}') THEN val ELSE 'MASKED' END",
        "owner_role",
    )
    deployment.sql(f"ALTER TABLE {tables['open']} MODIFY COLUMN K SET MASKING POLICY {policy}", "owner_role")
    try:
        summary = _enrich(deployment, tables["open"], "K")
    finally:
        deployment.sql(f"ALTER TABLE {tables['open']} MODIFY COLUMN K UNSET MASKING POLICY", "owner_role")
    # Both keys read masked, as the operator sees them: one key on two rows, refused, never the owner's view.
    assert summary["failed"] == 1, summary
    assert summary["failure_samples"][0]["reason"].startswith("key appears on 2 source rows"), summary
