"""Table function handlers snowflake.yml names: mixpeek_search, Mixpeek retrievers queried from SQL, and
mixpeek_fetch_documents, one partition of a sync's listing (sync/fetch_function.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import requests

from mixpeek_snowflake import procedures
from mixpeek_snowflake.mixpeek.client import MixpeekClient
from mixpeek_snowflake.search.retrieval import parse_inputs, parse_retriever, parse_search_options, search
from mixpeek_snowflake.sync.fetch_function import FetchDocuments

__all__ = ["FetchDocuments", "MixpeekSearch", "http_session"]

_http_lock = threading.Lock()
_http: list[requests.Session] = []


def http_session() -> requests.Session:
    """The process's one HTTP session, shared by every partition the process handles.

    A UDTF's __init__ runs once per partition and Snowflake limits the connections a UDF makes, so connections are
    pooled per process (https://docs.snowflake.com/en/developer-guide/udf/python/udf-python-tabular-functions,
    https://docs.snowflake.com/en/developer-guide/external-network-access/creating-using-external-network-access).
    """
    with _http_lock:
        if not _http:
            _http.append(requests.Session())
        return _http[0]


class MixpeekSearch:
    """SELECT * FROM TABLE(mixpeek_search(retriever_id, inputs, options)): one row per result document."""

    def __init__(self) -> None:
        self._clients: dict[tuple[str | None, str | None], MixpeekClient] = {}

    def _client(self, base_url: str | None, namespace: str | None) -> MixpeekClient:
        key = (base_url, namespace)
        if key not in self._clients:
            self._clients[key] = procedures.mixpeek_client(base_url, namespace, http_session())
        return self._clients[key]

    def process(self, retriever_id: Any, inputs: Any, options: Any) -> Iterator[tuple[Any, ...]]:
        """Execute the retriever for one input row and yield (RANK, DOCUMENT_ID, SCORE, …) tuples."""
        retriever = parse_retriever(retriever_id)
        query = parse_inputs(inputs)
        parsed = parse_search_options(options)
        client = self._client(parsed.base_url, parsed.namespace)
        yield from search(client, retriever, query, parsed)
