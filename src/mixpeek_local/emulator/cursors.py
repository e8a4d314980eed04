"""Opaque cursor tokens (urlsafe base64 of compact JSON) and the fingerprint binding a cursor to its query."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from .errors import validation_error


def encode_token(state: dict[str, Any]) -> str:
    """Encode a cursor state as an opaque string."""
    raw = json.dumps(state, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str, name: str = "cursor") -> dict[str, Any]:
    """Decode a cursor string; a 422 ApiError when it was not made by encode_token."""
    try:
        padded = token + "=" * (-len(token) % 4)
        state = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise validation_error(f"{name} is not a valid cursor", code="invalid_cursor") from exc
    if not isinstance(state, dict):
        raise validation_error(f"{name} is not a valid cursor", code="invalid_cursor")
    return state


def fingerprint(*parts: Any) -> str:
    """A short stable hash of the query parts a cursor is only valid for."""
    raw = json.dumps(parts, separators=(",", ":"), sort_keys=True, default=str).encode()
    return hashlib.sha256(raw).hexdigest()[:12]


def event_cursor(seq: int) -> str:
    """The cursor that points at change event `seq`."""
    return encode_token({"seq": seq})


def event_seq(token: str) -> int:
    """The sequence number an event cursor points at."""
    seq = decode_token(token).get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise validation_error("cursor is not a valid event cursor", code="invalid_cursor")
    return seq
