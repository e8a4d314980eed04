"""Sync targets as configuration: add, change, pause, resume, remove, and run the due ones on a schedule."""
