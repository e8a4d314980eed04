"""The Targets page (see mixpeek_app.targets)."""

from __future__ import annotations

from mixpeek_app import targets

targets.render()
