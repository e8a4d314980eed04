"""The emulator's HTTP/1.1 server (stdlib only) with socket-level fault injection and an access log."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qsl, urlsplit

from .api import Api, Response
from .encoding import EncodedDocuments
from .faults import Fault, FaultQueue
from .ratelimit import CATEGORY, RateLimit
from .routes import ROUTES
from .store import Store

INVALID_JSON = b"<html><body>502 Bad Gateway: upstream answered garbage</body></html>"
SOCKET_ERRORS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)
ListHook = Callable[[int, dict[str, Any]], "dict[str, Any] | bytes | None"]


@dataclass(frozen=True)
class RequestRecord:
    """One access-log entry (never holds the Authorization header)."""

    method: str
    path: str
    status: int
    namespace: str | None
    body_bytes: int
    query: str = ""
    response_bytes: int = 0
    fault: str | None = None


class Emulator:
    """A Mixpeek API emulator on 127.0.0.1, serving a Store; usable as a context manager.

    `on_list(n, page)` runs for the n-th listing page answered 200 (from 1), before it is sent, on the request's
    thread: it may change the store (later pages see the change) and may return a replacement page (a dict, or
    raw bytes sent as they are).
    """

    def __init__(
        self,
        store: Store,
        api_key: str = "mxp_test_key",
        port: int = 0,
        latency: float = 0.0,
        host: str = "127.0.0.1",
        strict_body: bool = False,
        on_list: ListHook | None = None,
    ) -> None:
        self.store = store
        self.api_key = api_key
        self.latency = latency
        self.requests: list[RequestRecord] = []
        self.api = Api(store, api_key, ROUTES, strict_body=strict_body)
        self._host, self._port = host, port
        self._faults = FaultQueue()
        self._log_lock = threading.Lock()
        self._idle = threading.Condition(self._log_lock)
        self._in_flight = 0
        self._on_list = on_list
        self._listings = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.rate_limit: RateLimit | None = None
        self.encoded = EncodedDocuments()

    @property
    def port(self) -> int:
        """The bound port (after start)."""
        if self._server is None:
            raise RuntimeError("the emulator is not running; call start() first")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """Root URL without /v1, e.g. http://127.0.0.1:PORT."""
        return f"http://{self._host}:{self.port}"

    @property
    def sdk_base_url(self) -> str:
        """Root URL with /v1, as the official SDK's Mixpeek(base_url=...) needs."""
        return f"{self.base_url}/v1"

    @property
    def faults_injected(self) -> Counter[str]:
        """How many times each fault kind was actually applied."""
        return self._faults.applied

    def inject(self, fault: Fault) -> None:
        """Queue a fault for the next matching request(s)."""
        self._faults.add(fault)

    def clear_faults(self) -> None:
        """Drop every queued fault."""
        self._faults.clear()

    def limit_rate(self, per_minute: int | None) -> RateLimit | None:
        """Enforce per_minute requests a minute from now on (None lifts the limit); GET /v1/me reports it."""
        self.rate_limit = RateLimit(per_minute) if per_minute else None
        self.api.rate_limits = {CATEGORY: per_minute} if per_minute else {}
        return self.rate_limit

    def request_count(self, path_contains: str = "") -> int:
        """How many logged requests have a path containing `path_contains`."""
        with self._log_lock:
            return sum(1 for r in self.requests if path_contains in r.path)

    def start(self) -> Emulator:
        """Bind and serve in a background thread."""
        if self._server is not None:
            return self
        self._server = _Server((self._host, self._port), _Handler)
        self._server.emulator = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server, self._thread = None, None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def listing_hook(self, response: Response) -> Response:
        """Pass a successful listing page through on_list, if one was given."""
        if self._on_list is None or response.status != 200 or not isinstance(response.body, dict):
            return response
        with self._log_lock:
            self._listings += 1
            number = self._listings
        replaced = self._on_list(number, response.body)
        return response if replaced is None else Response(response.status, replaced, response.headers)

    def record(self, entry: RequestRecord) -> None:
        """Append to the access log."""
        with self._log_lock:
            self.requests.append(entry)

    def settle(self, timeout: float = 10.0) -> bool:
        """Wait until no request is being answered (a delayed one logs late); return False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout)

    def _begin(self) -> None:
        with self._idle:
            self._in_flight += 1

    def _end(self) -> None:
        with self._idle:
            self._in_flight -= 1
            self._idle.notify_all()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    emulator: Emulator


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 60
    _fault: Fault | None = None

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _serve(self) -> None:
        emulator = self.server.emulator
        emulator._begin()
        try:
            self._answer(emulator)
        finally:
            emulator._end()

    def _answer(self, emulator: Emulator) -> None:
        body = self._read_body()
        url = urlsplit(self.path)
        fault = emulator._faults.take(url.path)
        self._fault = fault
        kind = fault.kind if fault else None
        response = self._respond(emulator, fault, body)
        payload = b"" if response is None else _encode(response, kind, emulator.encoded)
        status = 0 if response is None else response.status
        sent = len(payload) // 2 if kind == "truncate" else len(payload)
        namespace = self.headers.get("X-Namespace")
        emulator.record(RequestRecord(self.command, url.path, status, namespace, len(body), url.query, sent, kind))
        if response is None:
            self.close_connection = True
            return
        try:
            self._send(response, payload, kind)
        except SOCKET_ERRORS:
            self.close_connection = True

    def _respond(self, emulator: Emulator, fault: Fault | None, body: bytes) -> Response | None:
        limit = emulator.rate_limit
        if limit is not None and (wait := limit.admit()) is not None:
            return limit.refusal(wait)
        if fault is not None and fault.kind == "drop":
            return None
        if fault is not None and fault.kind == "status":
            payload, headers = fault.error_response(self.command)
            return Response(fault.status, payload, headers)
        if fault is not None and fault.kind == "redirect":
            return Response(fault.status, {}, {"Location": fault.location or ""})
        if fault is not None and fault.kind == "delay":
            time.sleep(fault.delay)
        response = emulator.api.handle(self.command, self.path, cast(Mapping[str, str], self.headers), body)
        if _is_listing(self.command, self.path):
            time.sleep(max(emulator.latency, 0.0))
            response = emulator.listing_hook(response)
        return self._repeat(emulator, fault, response, body)

    def _repeat(self, emulator: Emulator, fault: Fault | None, response: Response, body: bytes) -> Response:
        if response.status != 200 or not isinstance(response.body, dict):
            return response
        armed = fault is not None and fault.kind == "repeat_cursor"
        if not armed and not emulator._faults.repeat_pending:
            return response
        cursor = _request_cursor(self.path, body)
        rewritten = emulator._faults.repeat_cursor(response.body, cursor, armed)
        return Response(response.status, rewritten, response.headers)

    def _send(self, response: Response, payload: bytes, kind: str | None) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        if kind == "truncate":
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self._write(payload[: len(payload) // 2] if kind == "truncate" else payload)
        self.wfile.flush()

    def _write(self, payload: bytes) -> None:
        fault = self._fault
        if fault is None or fault.kind != "drip":
            self.wfile.write(payload)
            return
        for start in range(0, len(payload), fault.drip_bytes):
            self.wfile.write(payload[start : start + fault.drip_bytes])
            self.wfile.flush()
            time.sleep(fault.delay)

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                self.rfile.readline()
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()


def _is_listing(method: str, target: str) -> bool:
    path = urlsplit(target).path.rstrip("/")
    return path.endswith("/documents/list") or (method == "GET" and path.endswith("/documents"))


def _encode(response: Response, kind: str | None, encoded: EncodedDocuments) -> bytes:
    if kind == "invalid_json":
        return INVALID_JSON
    if isinstance(response.body, bytes):
        return response.body
    return encoded.body(response.body)


def _request_cursor(target: str, body: bytes) -> str | None:
    with contextlib.suppress(ValueError, UnicodeDecodeError):
        parsed = json.loads(body) if body.strip() else None
        if isinstance(parsed, dict) and isinstance(parsed.get("cursor"), str):
            return parsed["cursor"]
    query = dict(parse_qsl(urlsplit(target).query))
    return next((query[k] for k in ("cursor", "next_cursor", "after") if query.get(k)), None)
