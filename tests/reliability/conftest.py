"""Reliability fixtures: a local engine, a module-wide world (database + emulator), and a client that never sleeps."""

from __future__ import annotations

import dataclasses
import functools
import itertools
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from reliability.world import API_KEY, COLLECTION, NAMESPACE, World

from mixpeek_local.emulator import Emulator, Store, seed_collection
from mixpeek_local.engine import close_session, local_server, open_session
from mixpeek_local.soak_faults import HookSlot
from mixpeek_snowflake import procedures
from mixpeek_snowflake.client import MixpeekClient

DOCUMENTS = 40
CASES = itertools.count(1)


@pytest.fixture(scope="session")
def engine() -> Iterator[dict[str, Any]]:
    with local_server() as kwargs:
        yield kwargs


@pytest.fixture(scope="module")
def world(engine: dict[str, Any]) -> Iterator[World]:
    store = Store()
    seed_collection(store, documents=DOCUMENTS, seed=11, namespace=NAMESPACE, collection_id=COLLECTION)
    slot = HookSlot()
    with Emulator(store, api_key=API_KEY, on_list=slot) as emulator:
        session = open_session(engine, database=f"REL_{uuid.uuid4().hex[:10].upper()}")
        try:
            yield World(session, store, emulator, slot)
        finally:
            close_session(session)


@pytest.fixture
def waits() -> list[float]:
    """Retry waits the client asked for; nothing really sleeps."""
    return []


@pytest.fixture
def configure_client(monkeypatch: pytest.MonkeyPatch, waits: list[float]) -> Callable[..., None]:
    """Make the handler build its client with these extra arguments (a short read timeout, another policy)."""

    def configure(**kwargs: Any) -> None:
        factory = functools.partial(MixpeekClient, sleep=waits.append, **kwargs)
        monkeypatch.setattr(procedures, "MixpeekClient", factory)

    configure()
    return configure


@pytest.fixture
def env(world: World, monkeypatch: pytest.MonkeyPatch, configure_client: Callable[..., None]) -> Iterator[World]:
    """The world with the handler's environment set, and no fault or hook left over from another test."""
    monkeypatch.setenv("MIXPEEK_API_KEY", API_KEY)
    monkeypatch.setenv("MIXPEEK_BASE_URL", world.emulator.base_url)
    monkeypatch.setenv("MIXPEEK_NAMESPACE", NAMESPACE)
    assert world.emulator.settle(), "a request from an earlier test is still being answered"
    world.emulator.clear_faults()
    world.slot.hook = None
    yield world
    world.emulator.clear_faults()
    world.slot.hook = None


@pytest.fixture
def ready(env: World) -> World:
    """The world with a target equal to the truth (converged first when a previous test left it otherwise)."""
    if not env.converged:
        env.converge("full")
    return env


@pytest.fixture
def case(env: World) -> World:
    """A small collection of its own, synced into a target of its own, in the module's world."""
    number = next(CASES)
    collection = f"col_case{number:07d}"
    seed_collection(
        env.store,
        documents=6,
        seed=100 + number,
        namespace=NAMESPACE,
        collection_id=collection,
        collection_name=f"case-{number}",
    )
    return dataclasses.replace(env, collection=collection, target=f"CASE_{number}_DOCS", converged=False, graveyard=[])
