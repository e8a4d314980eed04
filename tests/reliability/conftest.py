"""Reliability fixtures: a local engine, a module-wide world (database + emulator), and a client that never sleeps."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from local_world import fresh_session, never_sleeping, point_handlers_at
from reliability.world import API_KEY, COLLECTION, NAMESPACE, World

from mixpeek_local.emulator import Emulator, Store, seed_collection
from mixpeek_local.soak.faults import HookSlot

DOCUMENTS = 40
CASES = itertools.count(1)


@pytest.fixture(scope="module")
def world(engine: dict[str, Any]) -> Iterator[World]:
    store = Store()
    seed_collection(store, documents=DOCUMENTS, seed=11, namespace=NAMESPACE, collection_id=COLLECTION)
    slot = HookSlot()
    with Emulator(store, api_key=API_KEY, on_list=slot) as emulator, fresh_session(engine, "REL") as session:
        yield World(session, store, emulator, slot)


@pytest.fixture
def waits() -> list[float]:
    """Retry waits the client asked for; nothing really sleeps."""
    return []


@pytest.fixture
def configure_client(monkeypatch: pytest.MonkeyPatch, waits: list[float]) -> Callable[..., None]:
    """Make the handler build its client with these extra arguments (a short read timeout, another policy)."""

    def configure(**kwargs: Any) -> None:
        never_sleeping(monkeypatch, waits, **kwargs)

    configure()
    return configure


@pytest.fixture
def env(world: World, monkeypatch: pytest.MonkeyPatch, configure_client: Callable[..., None]) -> Iterator[World]:
    """The world with the handler's environment set, and no fault or hook left over from another test."""
    point_handlers_at(monkeypatch, world.emulator.base_url, API_KEY, NAMESPACE)
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
