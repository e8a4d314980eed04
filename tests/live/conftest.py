"""Live fixtures: a scratch deployment of the bundle in a real account, removed again afterwards.

Skipped unless SNOWFLAKE_CONNECTION (a Snowflake CLI connection whose user may use ACCOUNTADMIN, SECURITYADMIN,
SYSADMIN and USERADMIN), MIXPEEK_API_KEY, MIXPEEK_LIVE_COLLECTION and MIXPEEK_LIVE_NAMESPACE are set.
MIXPEEK_LIVE_GOVERNANCE=0 skips tags and masking (Standard Edition); MIXPEEK_LIVE_ROW_ACCESS=1 applies the row access
policy too; MIXPEEK_LIVE_RETRIEVER (a retriever of the namespace) adds the search test. Nothing is written to Mixpeek:
the enrichment test is a dry run.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import pytest
from live.deployment import ROOT, SNOW, Deployment, scratch_env

REQUIRED = ("SNOWFLAKE_CONNECTION", "MIXPEEK_API_KEY", "MIXPEEK_LIVE_COLLECTION", "MIXPEEK_LIVE_NAMESPACE")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    missing = [name for name in REQUIRED if not os.environ.get(name)]
    if missing:
        skip = pytest.mark.skip(reason=f"live tests need {', '.join(missing)}")
        for item in items:
            if "live" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def deployment() -> Iterator[Deployment]:
    """`make deploy` into a scratch schema with scratch roles and integration; `make undeploy PURGE=1` after."""
    deployment = Deployment(
        env=scratch_env(),
        connection=os.environ["SNOWFLAKE_CONNECTION"],
        collection=os.environ["MIXPEEK_LIVE_COLLECTION"],
        namespace=os.environ["MIXPEEK_LIVE_NAMESPACE"],
        governance=os.environ.get("MIXPEEK_LIVE_GOVERNANCE", "1") == "1",
    )
    switches = [
        f"COLLECTION={deployment.collection}",
        f"NAMESPACE={deployment.namespace}",
        f"GOVERNANCE={int(deployment.governance)}",
        f"ROW_ACCESS={os.environ.get('MIXPEEK_LIVE_ROW_ACCESS', '0')}",
    ]
    try:
        result = deployment.make("deploy", *switches)
        assert result.returncode == 0, result.stdout + result.stderr
        yield deployment
    finally:
        deployment.make("undeploy", "PURGE=1")
        schema = f"{deployment.env['database']}.{deployment.env['schema']}"
        subprocess.run(
            [
                SNOW,
                "sql",
                "-q",
                f"DROP SCHEMA IF EXISTS {schema}",
                "--connection",
                deployment.connection,
                "--role",
                "SYSADMIN",
            ],
            cwd=ROOT,
            capture_output=True,
        )
