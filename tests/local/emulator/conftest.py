"""Fixtures: a seeded store, a running emulator and a small authenticated HTTP client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from mixpeek_local.emulator import Emulator, Store, seed_collection

API_KEY = "mxp_test_key"
COLLECTION = "col_demo000001"


class Client:
    """requests.Session bound to one emulator, namespace and key."""

    def __init__(self, emu: Emulator, namespace: str | None = "ns_demo", api_key: str | None = API_KEY) -> None:
        self.emu = emu
        self.session = requests.Session()
        if api_key is not None:
            self.session.headers["Authorization"] = f"Bearer {api_key}"
        if namespace is not None:
            self.session.headers["X-Namespace"] = namespace

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        """GET base_url + path."""
        return self.session.get(self.emu.base_url + path, timeout=10, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        """POST a JSON body to base_url + path."""
        return self.session.post(self.emu.base_url + path, json=body, timeout=10, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        """DELETE base_url + path."""
        return self.session.delete(self.emu.base_url + path, timeout=10, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        """PATCH a JSON body to base_url + path."""
        return self.session.patch(self.emu.base_url + path, json=body, timeout=10, **kwargs)

    def list_docs(self, body: dict[str, Any] | None = None, collection: str = COLLECTION) -> requests.Response:
        """POST .../documents/list."""
        return self.post(f"/v1/collections/{collection}/documents/list", body)

    def scan(self, body: dict[str, Any] | None = None, collection: str = COLLECTION) -> list[str]:
        """Every document id a cursor scan returns, following next_cursor to the end."""
        body = dict(body or {})
        ids: list[str] = []
        while True:
            page = self.list_docs(body, collection)
            assert page.status_code == 200, page.text
            payload = page.json()
            ids += [doc["document_id"] for doc in payload["results"]]
            cursor = payload["pagination"]["next_cursor"]
            if cursor is None:
                return ids
            body["cursor"] = cursor


def make_store(documents: int = 250) -> Store:
    """A store with the demo collection and a small second namespace."""
    store = Store()
    seed_collection(store, documents=documents, seed=7, namespace="ns_demo", collection_id=COLLECTION)
    seed_collection(store, documents=5, seed=8, namespace="ns_other", collection_id="col_other00001")
    return store


@pytest.fixture(scope="module")
def shared_emu() -> Iterator[Emulator]:
    """A read-only emulator shared by a module's tests (do not mutate or inject into it)."""
    with Emulator(make_store(), api_key=API_KEY) as emu:
        yield emu


@pytest.fixture
def emu() -> Iterator[Emulator]:
    """A fresh emulator per test, free to mutate and inject faults into."""
    with Emulator(make_store(120), api_key=API_KEY) as emu:
        yield emu


@pytest.fixture(scope="session")
def client_for() -> type[Client]:
    """The Client class, for tests that need another key or namespace: client_for(emu, namespace=...)."""
    return Client


@pytest.fixture
def client(emu: Emulator) -> Client:
    """An authenticated client for the fresh emulator."""
    return Client(emu)


@pytest.fixture(scope="module")
def shared_client(shared_emu: Emulator) -> Client:
    """An authenticated client for the shared emulator."""
    return Client(shared_emu)
