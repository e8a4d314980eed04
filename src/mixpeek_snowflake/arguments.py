"""Checks shared by every procedure's arguments and options: ids, namespaces, URLs, and the options VARIANT."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import SplitResult, urlsplit

from mixpeek_snowflake.errors import InvalidArgument

DEFAULT_TARGET = "MIXPEEK_DOCUMENTS"
API_HOST = "api.mixpeek.com"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
LOCAL_BASE_URL = "MIXPEEK_BASE_URL"
_COLLECTION = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]{0,127}")
_NAMESPACE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-.]{0,127}")


def integer_option(low: int, high: int) -> Callable[[str, object], int]:
    def check(name: str, value: object) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise InvalidArgument(f"option {name}", f"{value!r} is not allowed; expected an integer {low} to {high}")
        return value

    return check


def boolean_option(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidArgument(f"option {name}", f"{value!r} is not allowed; expected true or false")
    return value


def namespace_option(name: str, value: object) -> str:
    if not isinstance(value, str) or not _NAMESPACE.fullmatch(value):
        raise InvalidArgument(
            f"option {name}",
            f"{value!r} is not allowed; expected a namespace id or name of letters, digits, '_', '-', '.'",
        )
    return value


def filters_option(name: str, value: object) -> dict[str, Any]:
    if not isinstance(value, dict) or not value:
        raise InvalidArgument(
            f"option {name}",
            'expected a non-empty Mixpeek filter object, e.g. {"AND": [{"field": "metadata.status", '
            '"operator": "eq", "value": "active"}]}',
        )
    return value


def _split(value: object) -> SplitResult | None:
    try:
        return urlsplit(value) if isinstance(value, str) else None
    except ValueError:
        return None


def inside_snowflake() -> bool:
    """True in a Snowflake procedure or function (where the _snowflake module exists)."""
    try:
        import _snowflake  # noqa: F401
    except ImportError:
        return False
    return True


def allowed_hosts(inside: bool) -> frozenset[str]:
    """Hosts a base_url may name: the Mixpeek API; outside Snowflake also loopback and MIXPEEK_BASE_URL's host."""
    if inside:
        return frozenset({API_HOST})
    local = _split(os.environ.get(LOCAL_BASE_URL, ""))
    return frozenset({API_HOST, *LOOPBACK, *([local.hostname] if local and local.hostname else [])})


def endpoint_problem(parts: SplitResult, inside: bool) -> str | None:
    """Why a base URL may not carry the API key, or None: HTTPS to the configured host, plain HTTP to loopback only."""
    host = (parts.hostname or "").lower()
    allowed = allowed_hosts(inside)
    if host not in allowed:
        return f"host {host} is not the configured Mixpeek API host; allowed: {', '.join(sorted(allowed))}"
    if parts.scheme == "http" and (inside or host not in LOOPBACK):
        return "http:// would send the API key in clear text; use https:// (http:// is only for 127.0.0.1 or localhost)"
    try:
        port = parts.port
    except ValueError:
        return "its port is not a number from 0 to 65535"
    if parts.scheme == "https" and host not in LOOPBACK and port not in (None, 443):
        return f"port {port} is not the HTTPS port 443 the network rule allows"
    return None


def base_url_option(name: str, value: object) -> str:
    parts = _split(value)
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidArgument(f"option {name}", f"{value!r} is not allowed; expected an http(s) URL with a host")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise InvalidArgument(f"option {name}", "expected a plain URL without credentials, query or fragment")
    problem = endpoint_problem(parts, inside_snowflake())
    if problem:
        raise InvalidArgument(f"option {name}", f"{value!r} is not allowed: {problem}")
    return str(value)


OptionChecks = Mapping[str, Callable[[str, object], Any]]


def decode_object(value: object, argument: str, example: str) -> object:
    """JSON text decoded (blank text is None); any other value as given. example: a JSON object to show."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value) if value.strip() else None
    except ValueError:
        problem = f"is not valid JSON; expected an object, e.g. PARSE_JSON('{example}')"
        raise InvalidArgument(argument, problem) from None


def check_options(options: object, checks: OptionChecks, example: str) -> dict[str, Any]:
    """An options VARIANT (an object, its JSON text, or NULL), each non-null option passed through its check."""
    options = decode_object(options, "options", example)
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise InvalidArgument("options", f"expected an object such as {example}, not {options!r}")
    unknown = sorted(str(name) for name in set(options) - set(checks))
    if unknown:
        raise InvalidArgument("options", f"unknown option(s) {', '.join(unknown)}; known: {', '.join(checks)}")
    return {name: checks[name](name, value) for name, value in options.items() if value is not None}


def parse_collection(value: object) -> str:
    """Validate a Mixpeek collection id or name so it cannot change the request path."""
    if not isinstance(value, str) or not _COLLECTION.fullmatch(value):
        raise InvalidArgument(
            "collection_id",
            f"{value!r} is not allowed; expected a collection id (col_…) or name: 1 to 128 letters, digits, "
            "'_' or '-', starting with a letter or digit",
        )
    return value


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_$]{0,254}")
_HOST = re.compile(
    r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+"
)
_CRON = re.compile(r"USING CRON (?:[0-9*/,-]+ ){5}UTC")
_COUNT = re.compile(r"[0-9]{1,9}")
_INTERVAL = re.compile(r"[1-9][0-9]{0,4} MINUTE")
_SCHEDULE_RULE = "N MINUTE or USING CRON <5 fields> UTC"
WAREHOUSE_SIZES = frozenset(
    {"XSMALL", "SMALL", "MEDIUM", "LARGE", "XLARGE", "XXLARGE", "XXXLARGE", "X4LARGE", "X5LARGE", "X6LARGE"}
)
DEPLOY_RULES: dict[str, tuple[Callable[[str], bool], str]] = {
    "api_host": (lambda v: bool(_HOST.fullmatch(v)), "a host name such as api.mixpeek.com"),
    "warehouse_size": (lambda v: v.upper() in WAREHOUSE_SIZES, "one of " + ", ".join(sorted(WAREHOUSE_SIZES))),
    "incremental_schedule": (lambda v: bool(_CRON.fullmatch(v)), "USING CRON <5 fields> UTC"),
    "full_schedule": (lambda v: bool(_CRON.fullmatch(v)), "USING CRON <5 fields> UTC"),
    "task_failures_before_suspend": (lambda v: bool(_COUNT.fullmatch(v)), "a whole number"),
    "task_retry_attempts": (lambda v: bool(_COUNT.fullmatch(v)), "a whole number"),
    "task_timeout_ms": (lambda v: bool(_COUNT.fullmatch(v)), "a whole number"),
    "scheduler_schedule": (lambda v: bool(_INTERVAL.fullmatch(v) or _CRON.fullmatch(v)), _SCHEDULE_RULE),
    "alert_schedule": (lambda v: bool(_INTERVAL.fullmatch(v) or _CRON.fullmatch(v)), _SCHEDULE_RULE),
    "scheduler_warehouse": (lambda v: not v or bool(_IDENTIFIER.fullmatch(v)), "empty (serverless) or a warehouse"),
    "alert_integration": (lambda v: not v or bool(_IDENTIFIER.fullmatch(v)), "empty (no alert) or an integration"),
}
IDENTIFIER_RULE = "an unquoted identifier: a letter or '_', then letters, digits, '_' or '$'"


def deploy_env_problems(env: Mapping[str, object]) -> list[str]:
    """What is wrong with snowflake.yml's env: values (after shell overrides) before sql/ is rendered with them.

    Names without a rule of their own must be plain identifiers, since sql/ formats them into statements unquoted.
    """
    problems = []
    for name, value in env.items():
        check, rule = DEPLOY_RULES.get(name, (lambda v: bool(_IDENTIFIER.fullmatch(v)), IDENTIFIER_RULE))
        if not isinstance(value, str) or not check(value):
            problems.append(f"env {name}={value!r} is not allowed; expected {rule}")
    return problems


GOVERNED_COLUMNS = ("SOURCE_URL", "METADATA", "DOCUMENT")
GOVERNANCE_HINT = (
    "sync into a table sql/50_governance.sql governs (the bundle's target_table), or attach the bundle's masking "
    "policies to its SOURCE_URL, METADATA and DOCUMENT columns first"
)
Runner = Callable[[str, list[Any]], list[tuple[Any, ...]]]


def policy_references_sql(database_sql: str) -> str:
    """Params: the table's quoted full name. Rows: (POLICY_KIND, REF_COLUMN_NAME) of every policy on the table."""
    return (
        f"SELECT POLICY_KIND, REF_COLUMN_NAME FROM TABLE({database_sql}.INFORMATION_SCHEMA.POLICY_REFERENCES("
        "REF_ENTITY_NAME => ?, REF_ENTITY_DOMAIN => 'table'))"
    )


def ungoverned_columns(references: list[tuple[Any, ...]]) -> list[str]:
    """The sensitive document columns no masking policy covers, given POLICY_REFERENCES rows."""
    masked = {str(column).upper() for kind, column, *_ in references if str(kind).upper() == "MASKING_POLICY"}
    return [column for column in GOVERNED_COLUMNS if column not in masked]


def masking_policies_sql(schema_sql: str) -> str:
    """The masking policies of a schema (none, or an error, on an account or deploy without governance)."""
    return f"SHOW MASKING POLICIES IN SCHEMA {schema_sql}"


def _governance_deployed(run: Runner, schema_sql: str) -> bool:
    try:
        return bool(run(masking_policies_sql(schema_sql), []))
    except Exception:
        return False


def check_governed(
    run: Runner, database_sql: str, schema_sql: str, table_sql: str, display: str, argument: str
) -> None:
    """Refuse a documents table whose sensitive columns are not masked while its schema holds masking policies.

    Only inside Snowflake (the local engine has no policies). A table whose policies cannot be read counts as
    ungoverned; a schema with no masking policy at all (Standard Edition, or make deploy GOVERNANCE=0) masks nothing
    anywhere, so there is nothing to bypass and the check passes.
    """
    if not inside_snowflake():
        return
    try:
        missing = ungoverned_columns(run(policy_references_sql(database_sql), [table_sql]))
    except Exception:
        missing = list(GOVERNED_COLUMNS)
    if missing and _governance_deployed(run, schema_sql):
        problem = f"{display} is not governed: no masking policy on {', '.join(missing)}; {GOVERNANCE_HINT}"
        raise InvalidArgument(argument, problem)


NEW_TARGET_HINT = (
    "a table the sync creates carries no masking policy, so while the bundle schema holds its masking policies a new "
    "target is refused: sync into the bundle's target_table, or create the table with the documents columns and "
    "attach the bundle's masking policies to SOURCE_URL, METADATA and DOCUMENT first (sql/50_governance.sql)"
)


PROCEDURE_SCHEMA = "SELECT CURRENT_DATABASE(), CURRENT_SCHEMA()"


def check_new_target(run: Runner, display: str, argument: str) -> None:
    """Refuse a documents table that does not exist yet while governance is deployed in the bundle schema (the
    current schema of an owner's-rights procedure).

    Only inside Snowflake (the local engine has no policies). With no masking policy in the bundle schema (Standard
    Edition, or make deploy GOVERNANCE=0) nothing is masked anywhere, so a new table bypasses nothing.
    """
    if not inside_snowflake():
        return
    found = run(PROCEDURE_SCHEMA, [])
    database, schema = (str(found[0][0]), str(found[0][1])) if found else ("", "")
    home = ".".join('"' + part.replace('"', '""') + '"' for part in (database, schema))
    if _governance_deployed(run, home):
        raise InvalidArgument(argument, f"{display} does not exist and would not be governed; {NEW_TARGET_HINT}")
