"""Mixpeek retrievers from SQL: validate the table function's arguments, execute, shape result rows."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from mixpeek_snowflake.arguments import (
    OptionChecks,
    base_url_option,
    check_options,
    decode_object,
    filters_option,
    namespace_option,
)
from mixpeek_snowflake.errors import InvalidArgument, MixpeekAPIError, MixpeekSnowflakeError
from mixpeek_snowflake.mixpeek.client import MixpeekClient, quote_segment

MAX_LIMIT = 500
DEFAULT_LIMIT = 10
COLUMNS = ("RANK", "DOCUMENT_ID", "SCORE", "COLLECTION_ID", "METADATA", "DOCUMENT", "RETRIEVER_ID", "EXECUTION_ID")
RETURNS = (
    "TABLE(RANK NUMBER, DOCUMENT_ID VARCHAR, SCORE FLOAT, COLLECTION_ID VARCHAR, METADATA VARIANT, "
    "DOCUMENT VARIANT, RETRIEVER_ID VARCHAR, EXECUTION_ID VARCHAR)"
)
_RETRIEVER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]{0,127}")
NOT_FOUND_HINT = "retriever not found: check retriever_id (id or name) and the namespace option"


@dataclass(frozen=True)
class SearchOptions:
    """Options of mixpeek_search."""

    limit: int = DEFAULT_LIMIT
    filters: dict[str, Any] | None = None
    namespace: str | None = None
    base_url: str | None = None


def _limit(name: str, value: object) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_LIMIT:
        raise InvalidArgument(f"option {name}", f"{value!r} is not allowed; expected an integer 1 to {MAX_LIMIT}")
    return value


SEARCH_OPTION_CHECKS: OptionChecks = {
    "limit": _limit,
    "filters": filters_option,
    "namespace": namespace_option,
    "base_url": base_url_option,
}


def parse_search_options(options: object) -> SearchOptions:
    """Validate the options VARIANT (an object, its JSON text, or NULL)."""
    return SearchOptions(**check_options(options, SEARCH_OPTION_CHECKS, '{"limit": 20}'))


def parse_retriever(value: object) -> str:
    """A retriever id (ret_…) or name that cannot change the request path."""
    if not isinstance(value, str) or not _RETRIEVER.fullmatch(value):
        raise InvalidArgument(
            "retriever_id",
            f"{value!r} is not allowed; expected a retriever id or name: 1 to 128 letters, digits, '_' or '-'",
        )
    return value


def parse_inputs(value: object) -> dict[str, Any]:
    """The retriever inputs: an object, its JSON text, or plain text meaning {"query": text}."""
    if isinstance(value, str) and not value.lstrip().startswith("{"):
        if not value.strip():
            raise InvalidArgument("inputs", 'is empty; expected query text or an object such as {"query": "red shoes"}')
        return {"query": value}
    value = decode_object(value, "inputs", '{"query": "red shoes"}')
    if not isinstance(value, Mapping):
        raise InvalidArgument(
            "inputs", f'expected query text or an object such as {{"query": "red shoes"}}, not {value!r}'
        )
    return dict(value)


def execute_body(inputs: dict[str, Any], options: SearchOptions) -> dict[str, Any]:
    """The ExecuteRetrieverRequest: inputs, cursor pagination of `limit` documents, optional filters."""
    body: dict[str, Any] = {"inputs": inputs, "pagination": {"method": "cursor", "limit": options.limit}}
    if options.filters:
        body["filters"] = options.filters
    return body


def result_rows(response: Mapping[str, Any], retriever: str, limit: int) -> Iterator[tuple[Any, ...]]:
    """One row per result document in the retriever's order, RANK from 1, at most `limit`."""
    documents = response.get("documents")
    if documents is None:
        documents = response.get("results") or []
    retriever_id = response.get("retriever_id") or retriever
    execution_id = response.get("execution_id")
    for rank, document in enumerate(documents[:limit], start=1):
        if isinstance(document, Mapping):
            yield _row(rank, dict(document), retriever_id, execution_id)


def _row(rank: int, document: dict[str, Any], retriever_id: str, execution_id: Any) -> tuple[Any, ...]:
    score = document.get("score")
    metadata = document.get("metadata")
    return (
        rank,
        document.get("document_id"),
        float(score) if isinstance(score, int | float) and not isinstance(score, bool) else None,
        document.get("collection_id"),
        metadata if isinstance(metadata, dict) else None,
        document,
        retriever_id,
        execution_id,
    )


def search(client: MixpeekClient, retriever: str, inputs: dict[str, Any], options: SearchOptions) -> list[tuple]:
    """Execute a saved retriever and return its result rows; a 404 says the retriever was not found."""
    path = f"/v1/retrievers/{quote_segment(retriever)}/execute"
    try:
        response = client.request("POST", path, json=execute_body(inputs, options))
    except MixpeekAPIError as exc:
        if exc.status != 404:
            raise
        raise MixpeekAPIError(
            404, exc.message, method=exc.method, path=exc.path, error_type=exc.error_type, hint=NOT_FOUND_HINT
        ) from None
    if not isinstance(response, Mapping):
        raise MixpeekSnowflakeError(f"retriever {retriever} answered with something other than a JSON object")
    if response.get("status") == "failed":
        raise MixpeekSnowflakeError(f"retriever {retriever} failed: {response.get('error') or 'no reason given'}")
    return list(result_rows(response, retriever, options.limit))
