"""Where the API key and base URL come from: Snowflake's secret inside a procedure, the environment outside."""

from __future__ import annotations

import os

from mixpeek_snowflake.errors import MixpeekSnowflakeError

SECRET_ALIAS = "mixpeek_api_key"
KEY_VARIABLE = "MIXPEEK_API_KEY"
BASE_URL_VARIABLE = "MIXPEEK_BASE_URL"
NAMESPACE_VARIABLE = "MIXPEEK_NAMESPACE"


def inside_snowflake() -> bool:
    """True when running as a Snowflake stored procedure or function."""
    try:
        import _snowflake  # noqa: F401
    except ImportError:
        return False
    return True


def api_key() -> str:
    """The Mixpeek API key; call from the main thread (Snowflake reads secrets only there)."""
    if inside_snowflake():
        import _snowflake

        return _snowflake.get_generic_secret_string(SECRET_ALIAS)
    key = os.environ.get(KEY_VARIABLE, "").strip()
    if not key:
        raise MixpeekSnowflakeError(
            f"no Mixpeek API key: set {KEY_VARIABLE} (outside Snowflake) or deploy the procedure with "
            f"SECRETS = ('{SECRET_ALIAS}' = <your secret>)"
        )
    return key


def default_base_url() -> str | None:
    """MIXPEEK_BASE_URL outside Snowflake (e.g. the local emulator); None means the public API."""
    if inside_snowflake():
        return None
    return os.environ.get(BASE_URL_VARIABLE) or None


def default_namespace() -> str | None:
    """MIXPEEK_NAMESPACE outside Snowflake; inside, the namespace comes from the options only."""
    if inside_snowflake():
        return None
    return os.environ.get(NAMESPACE_VARIABLE) or None
