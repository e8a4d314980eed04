"""Parsing emulator answers with the official SDK's models, strictly: a key the model does not declare fails."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


def declared(model: type[BaseModel]) -> set[str]:
    """The top-level keys a model declares (aliases where it has them)."""
    return {field.alias or name for name, field in model.model_fields.items() if name != "additional_properties"}


def parse(model: type[BaseModel], payload: dict[str, Any]) -> Any:
    """Parse with the SDK model and refuse undeclared top-level keys (which the SDK would drop silently)."""
    extra = set(payload) - declared(model)
    assert not extra, f"{model.__name__} does not declare {extra}"
    parsed = model.from_dict(payload)
    assert parsed is not None
    return parsed
