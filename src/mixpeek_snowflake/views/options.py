"""Arguments and options of create_mixpeek_views, validated before any request or statement runs."""

from __future__ import annotations

from dataclasses import dataclass, field

from mixpeek_snowflake.arguments import (
    DEFAULT_TARGET,
    OptionChecks,
    base_url_option,
    check_options,
    namespace_option,
    parse_collection,
)
from mixpeek_snowflake.errors import InvalidArgument
from mixpeek_snowflake.snowflake.identifiers import TableName, validate_part

MAX_SAMPLE_ROWS = 10_000
MAX_PREFIX_CHARS = 200


@dataclass(frozen=True)
class ViewOptions:
    """Options of create_mixpeek_views; vector_type None means: use VECTOR when the engine has it."""

    source_table: TableName = field(default_factory=lambda: TableName(DEFAULT_TARGET))
    view_prefix: str | None = None
    namespace: str | None = None
    base_url: str | None = None
    vector_type: bool | None = None
    sample_rows: int = 200
    dry_run: bool = False


@dataclass(frozen=True)
class ViewRequest:
    """A validated CALL of create_mixpeek_views."""

    collection: str
    options: ViewOptions


def _table(name: str, value: object) -> TableName:
    return TableName.parse(value, f"option {name}")


def _prefix(name: str, value: object) -> str:
    if not isinstance(value, str) or len(value) > MAX_PREFIX_CHARS:
        raise InvalidArgument(f"option {name}", f"expected a view name prefix of at most {MAX_PREFIX_CHARS} characters")
    return validate_part(value, f"option {name}")


def _boolean(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidArgument(f"option {name}", f"{value!r} is not allowed; expected true or false")
    return value


def _sample_rows(name: str, value: object) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SAMPLE_ROWS:
        raise InvalidArgument(f"option {name}", f"{value!r} is not allowed; expected an integer 0 to {MAX_SAMPLE_ROWS}")
    return value


VIEW_OPTION_CHECKS: OptionChecks = {
    "source_table": _table,
    "view_prefix": _prefix,
    "namespace": namespace_option,
    "base_url": base_url_option,
    "vector_type": _boolean,
    "sample_rows": _sample_rows,
    "dry_run": _boolean,
}


def parse_view_options(options: object) -> ViewOptions:
    """Validate the options VARIANT (an object, its JSON text, or NULL) into ViewOptions."""
    return ViewOptions(**check_options(options, VIEW_OPTION_CHECKS, '{"sample_rows": 500}'))


def parse_view_request(collection_id: object, options: object) -> ViewRequest:
    """Validate every argument of create_mixpeek_views, in signature order."""
    return ViewRequest(collection=parse_collection(collection_id), options=parse_view_options(options))
