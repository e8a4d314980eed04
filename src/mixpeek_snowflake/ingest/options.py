"""The ingestion procedure's arguments and options, validated before any request or statement runs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from mixpeek_snowflake.arguments import (
    OptionChecks,
    base_url_option,
    boolean_option,
    check_options,
    integer_option,
    namespace_option,
)
from mixpeek_snowflake.errors import InvalidArgument
from mixpeek_snowflake.snowflake.identifiers import ALLOWED, TableName

MIN_EXPIRY_SECONDS = 300
MAX_EXPIRY_SECONDS = 604_800
MAX_BATCH_OBJECTS = 100
MAX_PATTERN_CHARS = 1000
ON_REMOVED = ("delete", "keep")
BLOB_TYPES = ("image", "video", "audio", "pdf", "text", "excel")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]{0,127}")
_PROPERTY = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")
EXAMPLE = '{"pattern": ".*[.]jpg", "collection": "col_…"}'


@dataclass(frozen=True)
class IngestOptions:
    """Options of ingest_stage_files; every field has the default a Task would want."""

    pattern: str | None = None
    collection: str | None = None
    expiry_seconds: int = 3600
    on_removed: str = "delete"
    dry_run: bool = False
    namespace: str | None = None
    base_url: str | None = None
    lease_seconds: int = 3600
    batch_size: int = MAX_BATCH_OBJECTS
    blob_property: str | None = None
    blob_type: str | None = None


@dataclass(frozen=True)
class IngestRequest:
    """A validated CALL of ingest_stage_files; `given` holds the options the CALL named, checked."""

    stage: TableName
    bucket_id: str
    options: IngestOptions
    given: dict[str, Any] = field(default_factory=dict, compare=False)


def _pattern_option(name: str, value: object) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= MAX_PATTERN_CHARS:
        raise InvalidArgument(
            f"option {name}", f"expected a regular expression of 1 to {MAX_PATTERN_CHARS} characters, e.g. '.*[.]jpg'"
        )
    try:
        re.compile(value)
    except re.error as exc:
        raise InvalidArgument(f"option {name}", f"{value!r} is not a valid regular expression: {exc}") from None
    return value


def _id_option(kind: str) -> Any:
    def check(name: str, value: object) -> str:
        if not isinstance(value, str) or not _ID.fullmatch(value):
            raise InvalidArgument(
                f"option {name}", f"{value!r} is not allowed; expected a {kind} id: letters, digits, '_' or '-'"
            )
        return value

    return check


def _choice(allowed: tuple[str, ...]) -> Any:
    def check(name: str, value: object) -> str:
        if not isinstance(value, str) or value.lower() not in allowed:
            raise InvalidArgument(f"option {name}", f"{value!r} is not allowed; expected one of {', '.join(allowed)}")
        return value.lower()

    return check


def _property_option(name: str, value: object) -> str:
    if not isinstance(value, str) or not _PROPERTY.fullmatch(value):
        raise InvalidArgument(
            f"option {name}", f"{value!r} is not allowed; expected a bucket schema property name such as 'image'"
        )
    return value


OPTION_CHECKS: OptionChecks = {
    "pattern": _pattern_option,
    "collection": _id_option("collection"),
    "expiry_seconds": integer_option(MIN_EXPIRY_SECONDS, MAX_EXPIRY_SECONDS),
    "on_removed": _choice(ON_REMOVED),
    "dry_run": boolean_option,
    "namespace": namespace_option,
    "base_url": base_url_option,
    "lease_seconds": integer_option(60, 7 * 86400),
    "batch_size": integer_option(1, MAX_BATCH_OBJECTS),
    "blob_property": _property_option,
    "blob_type": _choice(BLOB_TYPES),
}


def parse_stage(value: object) -> TableName:
    """@STAGE, @SCHEMA.STAGE or @DATABASE.SCHEMA.STAGE (the @ optional), each part a plain identifier."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgument("stage", f"expected a stage name such as '@MEDIA.RAW.PRODUCT_IMAGES'; {ALLOWED}")
    text = value.strip()
    return TableName.parse(text[1:] if text.startswith("@") else text, "stage")


def parse_bucket(value: object) -> str:
    """A Mixpeek bucket id or name that cannot change the request path."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise InvalidArgument(
            "bucket_id",
            f"{value!r} is not allowed; expected a bucket id (bkt_…) or name: 1 to 128 letters, digits, '_' or '-', "
            "starting with a letter or digit",
        )
    return value


def parse_ingest_request(stage: object, bucket_id: object, options: object) -> IngestRequest:
    """Validate every argument of the procedure, in signature order."""
    checked_stage = parse_stage(stage)
    bucket = parse_bucket(bucket_id)
    given = check_options(options, OPTION_CHECKS, EXAMPLE)
    return IngestRequest(checked_stage, bucket, IngestOptions(**given), given)
