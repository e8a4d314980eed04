"""The sync procedure's arguments and options, validated before any request or statement runs."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, urlsplit

from .errors import InvalidArgument
from .identifiers import TableName

MODES = ("incremental", "full")
DEFAULT_TARGET = "MIXPEEK_DOCUMENTS"
_COLLECTION = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]{0,127}")
_NAMESPACE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-.]{0,127}")


@dataclass(frozen=True)
class SyncOptions:
    """Options of sync_mixpeek_collection; every field has the default a Task would want."""

    namespace: str | None = None
    partitions: int = 4
    page_size: int = 1000
    filters: dict[str, Any] | None = None
    dry_run: bool = False
    base_url: str | None = None
    overlap_seconds: int = 300
    lease_seconds: int = 3600
    include_vectors: bool = False


@dataclass(frozen=True)
class SyncRequest:
    """A validated CALL of sync_mixpeek_collection."""

    collection: str
    target: TableName
    mode: str
    options: SyncOptions


def _integer(low: int, high: int) -> Callable[[str, object], int]:
    def check(name: str, value: object) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise InvalidArgument(f"option {name}", f"{value!r} is not allowed; expected an integer {low} to {high}")
        return value

    return check


def _boolean(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidArgument(f"option {name}", f"{value!r} is not allowed; expected true or false")
    return value


def _namespace(name: str, value: object) -> str:
    if not isinstance(value, str) or not _NAMESPACE.fullmatch(value):
        raise InvalidArgument(
            f"option {name}",
            f"{value!r} is not allowed; expected a namespace id or name of letters, digits, '_', '-', '.'",
        )
    return value


def _filters(name: str, value: object) -> dict[str, Any]:
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


def _base_url(name: str, value: object) -> str:
    parts = _split(value)
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidArgument(f"option {name}", f"{value!r} is not allowed; expected an http(s) URL with a host")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise InvalidArgument(f"option {name}", "expected a plain URL without credentials, query or fragment")
    return value


OptionChecks = Mapping[str, Callable[[str, object], Any]]

OPTION_CHECKS: OptionChecks = {
    "namespace": _namespace,
    "partitions": _integer(1, 256),
    "page_size": _integer(1, 1000),
    "filters": _filters,
    "dry_run": _boolean,
    "base_url": _base_url,
    "overlap_seconds": _integer(0, 7 * 86400),
    "lease_seconds": _integer(60, 7 * 86400),
    "include_vectors": _boolean,
}


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


def parse_options(options: object) -> SyncOptions:
    """Validate the options VARIANT (an object, its JSON text, or NULL) into SyncOptions."""
    return SyncOptions(**check_options(options, OPTION_CHECKS, '{"partitions": 8}'))


def parse_collection(value: object) -> str:
    """Validate a Mixpeek collection id or name so it cannot change the request path."""
    if not isinstance(value, str) or not _COLLECTION.fullmatch(value):
        raise InvalidArgument(
            "collection_id",
            f"{value!r} is not allowed; expected a collection id (col_…) or name: 1 to 128 letters, digits, "
            "'_' or '-', starting with a letter or digit",
        )
    return value


def parse_mode(value: object) -> str:
    """Accept incremental or full, in any case."""
    mode = value.strip().lower() if isinstance(value, str) else None
    if mode not in MODES:
        raise InvalidArgument("mode", f"{value!r} is not allowed; expected one of {', '.join(MODES)}")
    return mode


def parse_sync_request(collection_id: object, target_table: object, mode: object, options: object) -> SyncRequest:
    """Validate every argument of the procedure, in signature order."""
    return SyncRequest(
        collection=parse_collection(collection_id),
        target=TableName.parse(DEFAULT_TARGET if target_table is None else target_table),
        mode=parse_mode("incremental" if mode is None else mode),
        options=parse_options(options),
    )
