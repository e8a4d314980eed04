"""Base URL endpoint rules and snowflake.yml env checks, each outcome and message written out by hand."""

from __future__ import annotations

import sys
import types
from urllib.parse import urlsplit

import pytest

from mixpeek_snowflake.arguments import base_url_option, deploy_env_problems, endpoint_problem
from mixpeek_snowflake.errors import InvalidArgument

CLEAR_TEXT = "http:// would send the API key in clear text; use https:// (http:// is only for 127.0.0.1 or localhost)"
OUTSIDE_HOSTS = "127.0.0.1, ::1, api.mixpeek.com, localhost"
NOT_CONFIGURED = "is not the configured Mixpeek API host; allowed:"
IDENTIFIER_RULE = "an unquoted identifier: a letter or '_', then letters, digits, '_' or '$'"


@pytest.fixture(autouse=True)
def no_local_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MIXPEEK_BASE_URL", raising=False)


@pytest.mark.parametrize(
    "url, inside, problem",
    [
        ("https://api.mixpeek.com", True, None),
        ("https://API.Mixpeek.com:443/v1", True, None),
        ("https://api.mixpeek.com", False, None),
        ("http://127.0.0.1:8080", False, None),
        ("http://localhost", False, None),
        ("https://localhost:8443", False, None),
        ("https://evil.test", False, f"host evil.test {NOT_CONFIGURED} {OUTSIDE_HOSTS}"),
        ("https:///v1", False, f"host  {NOT_CONFIGURED} {OUTSIDE_HOSTS}"),
        ("http://127.0.0.1:8080", True, f"host 127.0.0.1 {NOT_CONFIGURED} api.mixpeek.com"),
        ("http://api.mixpeek.com", True, CLEAR_TEXT),
        ("http://api.mixpeek.com", False, CLEAR_TEXT),
        ("https://api.mixpeek.com:99999", True, "its port is not a number from 0 to 65535"),
        ("https://api.mixpeek.com:8443", False, "port 8443 is not the HTTPS port 443 the network rule allows"),
        ("https://api.mixpeek.com:80", True, "port 80 is not the HTTPS port 443 the network rule allows"),
    ],
)
def test_endpoint_problem(url: str, inside: bool, problem: str | None) -> None:
    assert endpoint_problem(urlsplit(url), inside) == problem


def test_inside_snowflake_a_loopback_base_url_is_refused_naming_the_option(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "_snowflake", types.ModuleType("_snowflake"))
    with pytest.raises(InvalidArgument) as caught:
        base_url_option("base_url", "http://127.0.0.1:8080")
    assert caught.value.argument == "option base_url"
    assert caught.value.problem == (
        "'http://127.0.0.1:8080' is not allowed: host 127.0.0.1 is not the configured Mixpeek API host; "
        "allowed: api.mixpeek.com"
    )
    assert base_url_option("base_url", "https://api.mixpeek.com/") == "https://api.mixpeek.com/"


def test_outside_snowflake_a_loopback_base_url_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "_snowflake", None)
    assert base_url_option("base_url", "http://127.0.0.1:8080") == "http://127.0.0.1:8080"


def test_deploy_env_values_each_rule_accepts() -> None:
    env = {
        "api_host": "api.mixpeek.com",
        "warehouse_size": "xsmall",
        "incremental_schedule": "USING CRON */15 * * * * UTC",
        "task_timeout_ms": "3600000",
        "scheduler_schedule": "5 MINUTE",
        "scheduler_warehouse": "",
        "alert_integration": "MY_EMAIL$1",
        "database": "_MIXPEEK_DB",
    }
    assert deploy_env_problems(env) == []


def test_deploy_env_problems_name_each_value_and_its_rule() -> None:
    env = {
        "database": "bad-name",
        "api_host": "api.mixpeek.com",
        "task_timeout_ms": 60000,
        "schema": None,
        "warehouse_size": "HUGE",
        "scheduler_schedule": "0 MINUTE",
        "role": "R_1$",
    }
    assert deploy_env_problems(env) == [
        f"env database='bad-name' is not allowed; expected {IDENTIFIER_RULE}",
        "env task_timeout_ms=60000 is not allowed; expected a whole number",
        f"env schema=None is not allowed; expected {IDENTIFIER_RULE}",
        "env warehouse_size='HUGE' is not allowed; expected one of LARGE, MEDIUM, SMALL, X4LARGE, X5LARGE, X6LARGE, "
        "XLARGE, XSMALL, XXLARGE, XXXLARGE",
        "env scheduler_schedule='0 MINUTE' is not allowed; expected N MINUTE or USING CRON <5 fields> UTC",
    ]
