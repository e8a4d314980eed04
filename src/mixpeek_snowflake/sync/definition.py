"""A target's definition (what decides which documents and fields land in it), kept as state between runs."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any

from mixpeek_snowflake.errors import InvalidArgument

REDEFINE = "redefine"


@dataclass(frozen=True)
class Definition:
    """The options that decide a target's content; a run that omits one uses the stored value."""

    namespace: str | None = None
    filters: dict[str, Any] | None = None
    include_vectors: bool = False

    def as_json(self) -> str:
        """Canonical JSON text, as stored in MIXPEEK_SYNC_STATE.DEFINITION and the run row."""
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_options(cls, given: dict[str, Any]) -> Definition:
        """The definition the given options say, defaults for the rest."""
        return cls(**{f.name: given[f.name] for f in fields(cls) if f.name in given})

    @classmethod
    def from_stored(cls, value: object) -> Definition | None:
        """The stored definition (a VARIANT as JSON text or an object), or None when there is none."""
        parsed = json.loads(value) if isinstance(value, str) else value
        if not isinstance(parsed, dict):
            return None
        return cls.from_options({k: v for k, v in parsed.items() if v is not None})


DEFINING = tuple(f.name for f in fields(Definition))


def _differs(given: object, stored: object) -> bool:
    return json.dumps(given, sort_keys=True) != json.dumps(stored, sort_keys=True)


def resolve(stored: Definition | None, given: dict[str, Any], target: str) -> tuple[Definition, str | None]:
    """The definition a run uses, and why it must run full to apply it (None when it need not).

    Without stored state the options define the target. With it, an omitted option keeps its stored value; an option
    that differs is refused unless `redefine` is true, and then the options given (defaults for the rest) are the
    new definition."""
    if given.get(REDEFINE):
        new = Definition.from_options(given)
        if stored is None or new == stored:
            return new, None
        return new, f"redefined: {', '.join(_changed(stored, new))} changed"
    if stored is None:
        return Definition.from_options(given), None
    changed = [name for name in DEFINING if name in given and _differs(given[name], getattr(stored, name))]
    if changed:
        shown = ", ".join(f"{name} (stored {json.dumps(getattr(stored, name))})" for name in changed)
        raise InvalidArgument(
            "options",
            f"{shown} differ from the definition {target} was synced with; omit them to keep that definition, or "
            f'add "redefine": true to resync {target} to the new one (a full run; rows it no longer covers are '
            "marked deleted)",
        )
    return stored, None


def _changed(old: Definition, new: Definition) -> list[str]:
    return [name for name in DEFINING if _differs(getattr(old, name), getattr(new, name))]
