"""The loop fixtures (bundle/loop_world.py): a fresh schema per test on one session, the emulator as Mixpeek."""

from bundle.loop_world import doc_ids, emulator, load, rows_of, session, shared_session, store, waits

__all__ = ["doc_ids", "emulator", "load", "rows_of", "session", "shared_session", "store", "waits"]
