"""Table function handlers snowflake.yml names: mixpeek_search, Mixpeek retrievers queried from SQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import requests

from mixpeek_snowflake import procedures
from mixpeek_snowflake.mixpeek.client import MixpeekClient
from mixpeek_snowflake.search.retrieval import parse_inputs, parse_retriever, parse_search_options, search


class MixpeekSearch:
    """SELECT * FROM TABLE(mixpeek_search(retriever_id, inputs, options)): one row per result document."""

    def __init__(self) -> None:
        self._session: requests.Session | None = None
        self._clients: dict[tuple[str | None, str | None], MixpeekClient] = {}

    def _client(self, base_url: str | None, namespace: str | None) -> MixpeekClient:
        if self._session is None:
            self._session = requests.Session()
        key = (base_url, namespace)
        if key not in self._clients:
            self._clients[key] = procedures.mixpeek_client(base_url, namespace, self._session)
        return self._clients[key]

    def process(self, retriever_id: Any, inputs: Any, options: Any) -> Iterator[tuple[Any, ...]]:
        """Execute the retriever for one input row and yield (RANK, DOCUMENT_ID, SCORE, …) tuples."""
        retriever = parse_retriever(retriever_id)
        query = parse_inputs(inputs)
        parsed = parse_search_options(options)
        client = self._client(parsed.base_url, parsed.namespace)
        yield from search(client, retriever, query, parsed)
