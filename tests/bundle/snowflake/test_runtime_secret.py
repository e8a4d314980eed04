"""Inside Snowflake the API key is read through the secret alias snowflake.yml maps, and from nowhere else."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest
import yaml

from mixpeek_snowflake.errors import MixpeekSnowflakeError
from mixpeek_snowflake.snowflake import runtime

ROOT = Path(__file__).resolve().parents[3]


def declared_aliases() -> set[str]:
    """Every secret alias snowflake.yml gives the procedures and functions (mixins and entities)."""
    definition = yaml.safe_load((ROOT / "snowflake.yml").read_text())
    blocks = [*definition.get("mixins", {}).values(), *definition.get("entities", {}).values()]
    return {alias for block in blocks for alias in (block.get("secrets") or {})}


@pytest.fixture
def inside_snowflake(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A stand-in _snowflake module that knows only the aliases snowflake.yml declares; records every read."""
    reads: list[str] = []
    known = declared_aliases()

    def get_generic_secret_string(alias: str) -> str:
        reads.append(alias)
        if alias not in known:
            raise ValueError(f"secret alias {alias!r} is not declared in the procedure's SECRETS")
        return "mxp_from_the_secret"

    module = types.ModuleType("_snowflake")
    module.get_generic_secret_string = get_generic_secret_string  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "_snowflake", module)
    monkeypatch.setenv("MIXPEEK_API_KEY", "mxp_from_the_environment")
    monkeypatch.setenv("MIXPEEK_BASE_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("MIXPEEK_NAMESPACE", "ns_env")
    return reads


def test_snowflake_yml_declares_exactly_the_alias_mixpeek_api_key() -> None:
    assert declared_aliases() == {"mixpeek_api_key"}


def test_inside_snowflake_the_key_comes_from_the_declared_secret(inside_snowflake: list[str]) -> None:
    assert runtime.inside_snowflake()
    assert runtime.api_key() == "mxp_from_the_secret"
    assert inside_snowflake == ["mixpeek_api_key"]


def test_inside_snowflake_the_environment_is_ignored(inside_snowflake: list[str]) -> None:
    assert runtime.default_base_url() is None and runtime.default_namespace() is None


def test_outside_snowflake_the_key_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "_snowflake", None)
    monkeypatch.setenv("MIXPEEK_API_KEY", "  mxp_env  ")
    assert not runtime.inside_snowflake()
    assert runtime.api_key() == "mxp_env"
    monkeypatch.setenv("MIXPEEK_API_KEY", " ")
    with pytest.raises(MixpeekSnowflakeError, match="no Mixpeek API key: set MIXPEEK_API_KEY") as caught:
        runtime.api_key()
    assert "'mixpeek_api_key'" in str(caught.value)
