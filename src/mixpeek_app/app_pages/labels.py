"""The Labels page (see mixpeek_app.labels)."""

from __future__ import annotations

from mixpeek_app import labels

labels.render()
