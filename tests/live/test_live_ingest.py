"""The stage facts ingest_stage_files relies on that Snowflake's documentation leaves open (docs/ingest.md).

GET_PRESIGNED_URL and DIRECTORY(@stage) from inside an owner's-rights procedure, on a stage named in its quoted form.
"""

from __future__ import annotations

import pytest
from live.deployment import Deployment
from live.probes import call_value, create_probe, qualified, session_as

pytestmark = pytest.mark.live

STAGE_PROBE = """
def run(session, stage):
    out = {}
    try:
        rows = session.sql(f"SELECT RELATIVE_PATH, SIZE, MD5 FROM DIRECTORY({stage})").collect()
        out["files"] = [[r[0], r[1], r[2]] for r in rows]
        if rows:
            url = session.sql(f"SELECT GET_PRESIGNED_URL({stage}, ?, 300)", params=[rows[0][0]]).collect()[0][0]
            out["url_scheme"] = str(url).split(":", 1)[0]
    except Exception as exc:
        out["error"] = str(exc)
    return out
"""


def test_an_owners_rights_procedure_lists_a_quoted_stage_and_presigns_a_file(deployment: Deployment) -> None:
    """Unsettled: the docs list no restriction on GET_PRESIGNED_URL or DIRECTORY inside an owner's-rights procedure,
    nor show the quoted `@"DB"."SCHEMA"."STAGE"` form; the ingestion uses both."""
    database, schema = deployment.env["database"], deployment.env["schema"]
    stage = qualified(deployment, "LIVE_INGEST_STAGE")
    with session_as(deployment) as session:
        session.sql(f"CREATE OR REPLACE STAGE {stage} DIRECTORY = (ENABLE = TRUE)").collect()
        try:
            session.sql(f"COPY INTO @{stage}/probe/ FROM (SELECT 'a') FILE_FORMAT = (TYPE = CSV)").collect()
            session.sql(f"ALTER STAGE {stage} REFRESH").collect()
            probe = create_probe(session, deployment, "LIVE_PROBE_STAGE", "stage VARCHAR", STAGE_PROBE)
            quoted = f'@"{database}"."{schema}"."LIVE_INGEST_STAGE"'
            outcome = call_value(session, f"{probe}('{quoted}')")
        finally:
            session.sql(f"DROP STAGE IF EXISTS {stage}").collect()
    assert "error" not in outcome, outcome
    assert outcome["files"] and outcome["url_scheme"] == "https", outcome
