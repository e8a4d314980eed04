"""Fixtures: snowflake.yml as the Snowflake CLI reads it, and every sql/ file as `snow sql` renders it."""

from __future__ import annotations

from typing import Any

import pytest
from project import sqlfacts, sqlfiles


@pytest.fixture(scope="session")
def env() -> dict[str, Any]:
    """ctx.env with snowflake.yml's defaults."""
    return sqlfiles.project_env()


@pytest.fixture(scope="session")
def rendered() -> dict[str, list[str]]:
    """file → statements, each file rendered with the -D variables its Makefile step passes."""
    return {
        s.file: sqlfiles.render(s.file, {name: sqlfiles.EXAMPLE_VARIABLES[name] for name in s.variables})
        for s in sqlfiles.ALL_STEPS
    }


@pytest.fixture(scope="session")
def deployed(rendered: dict[str, list[str]]) -> list[sqlfacts.Executed]:
    """Every statement of a full deploy (all switches on), in order, with its role."""
    return sqlfacts.executed(rendered, [s.file for s in sqlfiles.DEPLOY_STEPS])


@pytest.fixture(scope="session")
def undeployed(rendered: dict[str, list[str]]) -> list[sqlfacts.Executed]:
    """Every statement of `make undeploy PURGE=1`, in order, with its role."""
    return sqlfacts.executed(rendered, [s.file for s in sqlfiles.UNDEPLOY_STEPS])


@pytest.fixture(scope="session")
def entities() -> dict[str, Any]:
    """Procedure and function entities of snowflake.yml, rendered with env: defaults."""
    definition = sqlfiles.project_definition()
    return {
        **definition.get_entities_by_type("procedure"),
        **definition.get_entities_by_type("function"),
    }
