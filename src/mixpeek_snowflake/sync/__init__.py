"""Sync: a Mixpeek collection into a governed target table, its labels, rejects, state and run log."""
