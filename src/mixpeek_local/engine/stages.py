"""Local stages: folders seen as Snowflake stages with directory tables, and presigned URLs served on 127.0.0.1.

`LocalStages.attach(session)` wraps a Snowpark session (or a strict one) so that its statements may use
`DIRECTORY(@stage)`, `GET_PRESIGNED_URL(@stage, path, expiry)` and `ALTER STAGE … REFRESH`, as Snowflake documents
them (docs/ingest.md). Like an internal stage's directory table, a local one changes only when it is refreshed.
A presigned URL names a random token that lapses after its expiry; the file server answers 403 once it has.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from snowflake.snowpark import Row
from snowflake.snowpark.exceptions import SnowparkSQLException

from mixpeek_local.engine import rules

HOST = "127.0.0.1"
DEFAULT_EXPIRY = 3600
MAX_EXPIRY = 604_800
TIMESTAMP_FORMAT = "YYYY-MM-DD HH24:MI:SS.FF6"
_PART = r'(?:"[^"]+"|[A-Za-z_][A-Za-z0-9_$]*)'
_REFERENCE = re.compile(rf"@({_PART}(?:\.{_PART}){{0,2}})")
_DIRECTORY = re.compile(rf"\bDIRECTORY\s*\(\s*@({_PART}(?:\.{_PART}){{0,2}})\s*\)", re.IGNORECASE)
_PRESIGNED = re.compile(r"\bGET_PRESIGNED_URL\s*\(", re.IGNORECASE)
_LITERAL = re.compile(r"'(?:[^'\\]|\\.|'')*'")
_HIDDEN = re.compile("\x00([0-9]+)\x00")
_REFRESH = re.compile(
    rf"^\s*ALTER\s+STAGE\s+(?:IF\s+EXISTS\s+)?@?({_PART}(?:\.{_PART}){{0,2}})\s+REFRESH\s*;?\s*$", re.I
)


@dataclass(frozen=True)
class Entry:
    """One file of a directory table snapshot."""

    path: str
    size: int
    modified: datetime
    md5: str


@dataclass
class Stage:
    """A folder seen as a stage; `entries` is its directory table as of the last refresh."""

    name: str
    folder: Path
    directory: bool
    entries: list[Entry] = field(default_factory=list)


@dataclass(frozen=True)
class Fetch:
    """One GET the file server answered: the stage, the path asked for, the status."""

    stage: str
    path: str
    status: int


def _parts(reference: str) -> list[str]:
    return [p[1:-1] if p.startswith('"') else p.upper() for p in re.findall(_PART, reference)]


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _arguments(text: str, start: int) -> tuple[list[str], int]:
    """The top-level arguments of the call whose '(' is at start, and the index after its ')'."""
    arguments, end = rules.call_arguments(text, start)
    if end is None:
        raise SnowparkSQLException("SQL compilation error: unbalanced parentheses in GET_PRESIGNED_URL")
    return arguments, end


def scan(folder: Path) -> list[Entry]:
    """Every file under folder (hidden ones and names with a backslash or quote-unsafe characters aside)."""
    entries = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder).as_posix()
        if any(part.startswith(".") for part in relative.split("/")) or "\\" in relative:
            continue
        data = path.read_bytes()
        modified = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None)
        entries.append(Entry(relative, len(data), modified, hashlib.md5(data).hexdigest()))
    return entries


class LocalStages:
    """Stages backed by folders for the local engine, with a file server for their presigned URLs."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.fetches: list[Fetch] = []
        self._stages: dict[str, Stage] = {}
        self._tokens: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def add(self, name: str, folder: Path, directory: bool = True) -> Stage:
        """Register DATABASE.SCHEMA.STAGE over folder; its directory table is read now (a refresh)."""
        key = ".".join(_parts(name))
        stage = Stage(key, folder, directory)
        with self._lock:
            self._stages[key] = stage
        if directory:
            self.refresh(key)
        return stage

    def refresh(self, name: str) -> int:
        """ALTER STAGE … REFRESH: read the folder again; returns the number of files."""
        stage = self._stage(".".join(_parts(name)))
        stage.entries = scan(stage.folder)
        return len(stage.entries)

    def attach(self, session: Any) -> StagedSession:
        """A session whose statements may name this object's stages."""
        return StagedSession(session, self)

    @property
    def base_url(self) -> str:
        server = self._start()
        return f"http://{HOST}:{server.server_address[1]}"

    def close(self) -> None:
        """Stop the file server."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> LocalStages:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _stage(self, key: str) -> Stage:
        with self._lock:
            stage = self._stages.get(key)
        if stage is None:
            raise SnowparkSQLException(f"SQL compilation error:\nStage '{key}' does not exist or not authorized.")
        return stage

    def resolve(self, reference: str, context: tuple[str, str]) -> Stage:
        """The stage a reference (@NAME, @SCHEMA.NAME, @DB.SCHEMA.NAME) names, from the session's context."""
        parts = _parts(reference)
        full = [*context[: 3 - len(parts)], *parts] if len(parts) < 3 else parts
        return self._stage(".".join(full))

    def directory_sql(self, stage: Stage) -> str:
        """The directory table of a stage as a subquery of literals."""
        if not stage.directory:
            raise SnowparkSQLException(
                f"SQL compilation error:\nDirectory table is not enabled on stage '{stage.name}'; "
                "use ALTER STAGE … SET DIRECTORY = (ENABLE = TRUE)"
            )
        if not stage.entries:
            columns = "RELATIVE_PATH VARCHAR, SIZE NUMBER, LAST_MODIFIED TIMESTAMP_NTZ, MD5 VARCHAR, ETAG VARCHAR"
            nulls = ", ".join(f"CAST(NULL AS {c.split()[1]}) AS {c.split()[0]}" for c in columns.split(", "))
            return f"(SELECT {nulls}, CAST(NULL AS VARCHAR) AS FILE_URL WHERE 1 = 0)"
        rows = " UNION ALL ".join(self._row(stage, entry) for entry in stage.entries)
        return f"({rows})"

    def _row(self, stage: Stage, entry: Entry) -> str:
        stamp = entry.modified.isoformat(sep=" ", timespec="microseconds")
        url = f"https://fakesnow.local/api/files/{stage.name}/{quote(entry.path)}"
        return (
            f"SELECT {_literal(entry.path)} AS RELATIVE_PATH, {entry.size} AS SIZE, "
            f"TO_TIMESTAMP_NTZ({_literal(stamp)}, '{TIMESTAMP_FORMAT}') AS LAST_MODIFIED, "
            f"{_literal(entry.md5)} AS MD5, {_literal(entry.md5)} AS ETAG, {_literal(url)} AS FILE_URL"
        )

    def presign(self, stage: Stage, expiry: int) -> str:
        """A fresh URL prefix valid for expiry seconds; the relative path follows it."""
        if not 1 <= expiry <= MAX_EXPIRY:
            raise SnowparkSQLException(f"Invalid expiration time {expiry}: expected 1 to {MAX_EXPIRY} seconds")
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = (stage.name, self.clock() + expiry)
        return f"{self.base_url}/stages/{token}/"

    def _start(self) -> ThreadingHTTPServer:
        with self._lock:
            if self._server is None:
                server = ThreadingHTTPServer((HOST, 0), _FileHandler)
                server.daemon_threads = True
                server.stages = self  # type: ignore[attr-defined]
                threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
                self._server = server
            return self._server

    def answer(self, target: str) -> tuple[int, bytes]:
        """The status and body for a GET of a presigned URL path (/stages/<token>/<path>)."""
        parts = urlsplit(target).path.split("/", 3)
        if len(parts) < 4 or parts[1] != "stages":
            return 404, b"<Error><Code>NoSuchKey</Code></Error>"
        token, relative = parts[2], unquote(parts[3])
        with self._lock:
            found = self._tokens.get(token)
        if found is None:
            return self._logged("", relative, 403, b"<Error><Code>AccessDenied</Code></Error>")
        name, expires = found
        if self.clock() > expires:
            return self._logged(name, relative, 403, b"<Error><Code>AccessDenied</Code><Message>Request has expired")
        stage = self._stage(name)
        path = (stage.folder / relative).resolve()
        if stage.folder.resolve() not in path.parents or not path.is_file():
            return self._logged(name, relative, 404, b"<Error><Code>NoSuchKey</Code></Error>")
        return self._logged(name, relative, 200, path.read_bytes())

    def _logged(self, stage: str, path: str, status: int, body: bytes) -> tuple[int, bytes]:
        with self._lock:
            self.fetches.append(Fetch(stage, path, status))
        return status, body


class _FileHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        status, body = self.server.stages.answer(self.path)  # type: ignore[attr-defined]
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream" if status == 200 else "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


class _Done:
    def __init__(self, rows: list[Row]) -> None:
        self._rows = rows

    def collect(self) -> list[Row]:
        return self._rows


class StagedSession:
    """A session whose SQL may use the local stages; everything else goes to the session as it is."""

    def __init__(self, session: Any, stages: LocalStages) -> None:
        self.session = session
        self.stages = stages

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)

    def sql(self, query: str, params: Sequence[Any] | None = None) -> Any:
        refresh = _REFRESH.match(query)
        if refresh:
            stage = self.stages.resolve(refresh.group(1), self._context())
            count = self.stages.refresh(stage.name)
            return _Done([Row(file="", status="REFRESHED", description=f"{count} files")])
        if "@" in query:
            query = self._rewrite(query)
        return self.session.sql(query, params=params)

    def _context(self) -> tuple[str, str]:
        row = self.session.sql("SELECT CURRENT_DATABASE(), CURRENT_SCHEMA()").collect()[0]
        return str(row[0]), str(row[1])

    def _rewrite(self, text: str) -> str:
        """The statement with its stage functions replaced; string literals are left alone."""
        literals: list[str] = []

        def hide(match: re.Match[str]) -> str:
            literals.append(match.group(0))
            return f"\x00{len(literals) - 1}\x00"

        masked = _LITERAL.sub(hide, text)
        if "@" not in masked:
            return text
        rewritten = self._rewrite_code(masked, lambda code: _HIDDEN.sub(lambda m: literals[int(m.group(1))], code))
        return _HIDDEN.sub(lambda m: literals[int(m.group(1))], rewritten)

    def _rewrite_code(self, query: str, shown: Callable[[str], str]) -> str:
        context = self._context()
        query = _DIRECTORY.sub(lambda m: self.stages.directory_sql(self.stages.resolve(m.group(1), context)), query)
        out, position = [], 0
        for match in _PRESIGNED.finditer(query):
            if match.start() < position:
                continue
            arguments, end = _arguments(query, match.end() - 1)
            reference = _REFERENCE.fullmatch(shown(arguments[0]).strip("'")) if arguments else None
            if reference is None or len(arguments) not in (2, 3):
                raise SnowparkSQLException("SQL compilation error: GET_PRESIGNED_URL(@stage, path[, expiration])")
            expiry = int(arguments[2]) if len(arguments) == 3 and arguments[2].isdigit() else DEFAULT_EXPIRY
            prefix = self.stages.presign(self.stages.resolve(reference.group(1), context), expiry)
            out += [query[position : match.start()], f"({_literal(prefix)} || {arguments[1]})"]
            position = end
        return "".join([*out, query[position:]])
