"""Stage files and their stored state, pure: checksums, idempotency keys, and what a run must do with each file."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

SENT = "SENT"
FAILED = "FAILED"
REMOVED = "REMOVED"
KEPT = "KEPT"
KEY_PREFIX = "sf-stage:"
EXTENSIONS = {
    "image": ("jpg", "jpeg", "png", "gif", "webp", "bmp", "tif", "tiff", "heic"),
    "video": ("mp4", "mov", "avi", "mkv", "webm", "m4v", "mpeg", "mpg"),
    "audio": ("mp3", "wav", "flac", "m4a", "ogg", "aac", "opus"),
    "pdf": ("pdf",),
    "text": ("txt", "md", "csv", "json", "html", "htm", "xml"),
    "excel": ("xlsx", "xls"),
}
BY_EXTENSION = {ext: kind for kind, exts in EXTENSIONS.items() for ext in exts}
_HEX = re.compile(r"[0-9A-Fa-f]{1,128}")


@dataclass(frozen=True)
class StageFile:
    """One row of DIRECTORY(@stage), reduced to what decides whether the file changed."""

    path: str
    size: int | None
    last_modified: datetime | None
    checksum: str


@dataclass(frozen=True)
class StoredFile:
    """One row of MIXPEEK_STAGE_FILES."""

    path: str
    checksum: str | None
    status: str
    object_id: str | None


@dataclass
class Plan:
    """What one run does: files to send (new, changed, or failed before), unchanged ones, objects to remove."""

    new: list[StageFile] = field(default_factory=list)
    changed: list[tuple[StageFile, StoredFile]] = field(default_factory=list)
    retried: list[tuple[StageFile, StoredFile]] = field(default_factory=list)
    unchanged: list[StageFile] = field(default_factory=list)
    removed: list[StoredFile] = field(default_factory=list)

    def to_send(self) -> list[tuple[StageFile, StoredFile | None]]:
        """Every file the run sends, in path order, with its stored row when it has one."""
        pairs: list[tuple[StageFile, StoredFile | None]] = [(f, None) for f in self.new]
        pairs += [*self.changed, *self.retried]
        return sorted(pairs, key=lambda pair: pair[0].path)


def _utc(value: object) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _hex(value: object) -> str | None:
    text = value.strip().strip('"') if isinstance(value, str) else None
    return text.lower() if text and _HEX.fullmatch(text) else None


def checksum(md5: object, etag: object, size: int | None, modified: datetime | None) -> str:
    """md5:<hex> when the directory has an MD5, else etag:<hex>, else the size and modification time."""
    if found := _hex(md5):
        return f"md5:{found}"
    if found := _hex(etag):
        return f"etag:{found}"
    stamp = modified.isoformat() if modified else "unknown"
    return f"size:{size};modified:{stamp}"


def stage_file(row: tuple[Any, ...]) -> StageFile | None:
    """A DIRECTORY row (RELATIVE_PATH, SIZE, LAST_MODIFIED, MD5, ETAG) as a StageFile; None for a row without a path."""
    path, size, modified, md5, etag = row[:5]
    if not isinstance(path, str) or not path:
        return None
    count = int(size) if isinstance(size, int | float) and not isinstance(size, bool) else None
    when = _utc(modified)
    return StageFile(path, count, when, checksum(md5, etag, count, when))


def stored_file(row: tuple[Any, ...]) -> StoredFile:
    """A MIXPEEK_STAGE_FILES row (RELATIVE_PATH, CHECKSUM, STATUS, OBJECT_ID)."""
    path, digest, status, object_id = row[:4]
    return StoredFile(str(path), digest, str(status), object_id)


def idempotency_key(stage: str, path: str, digest: str) -> str:
    """sf-stage: + SHA-256 of stage, path and checksum: the same file version always gets the same key."""
    material = "\x1f".join((stage, path, digest)).encode()
    return KEY_PREFIX + hashlib.sha256(material).hexdigest()


def blob_type(path: str, configured: str | None) -> str | None:
    """The blob type option, else the type the file's extension names, else None."""
    if configured:
        return configured
    _, dot, extension = path.rpartition(".")
    return BY_EXTENSION.get(extension.lower()) if dot else None


def plan(files: list[StageFile], stored: dict[str, StoredFile], present: set[str]) -> Plan:
    """Compare the stage's matching files with their stored rows; `present` holds every path on the stage, so a
    file the pattern no longer matches is not taken for a removed one."""
    result = Plan()
    for file in files:
        row = stored.get(file.path)
        if row is None or row.status in (REMOVED, KEPT):
            result.new.append(file)
        elif row.status == FAILED:
            result.retried.append((file, row))
        elif row.checksum == file.checksum:
            result.unchanged.append(file)
        else:
            result.changed.append((file, row))
    result.removed = [
        row for path, row in sorted(stored.items()) if path not in present and row.status in (SENT, FAILED)
    ]
    return result
