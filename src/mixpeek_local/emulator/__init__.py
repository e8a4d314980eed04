"""A Mixpeek API emulator for local development and tests (a dev tool, never shipped)."""

from __future__ import annotations

from .faults import Fault
from .retrievers import seed_retriever
from .seed import seed_collection
from .server import Emulator, RequestRecord
from .store import Store

__all__ = ["Emulator", "Fault", "RequestRecord", "Store", "seed_collection", "seed_retriever"]
