"""Mixpeek REST client: one session, bearer auth, timeouts, bounded retries, errors free of the key."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import requests
import requests.models
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase

from mixpeek_snowflake.errors import (
    InvalidArgument,
    MixpeekAPIError,
    MixpeekTransportError,
    redact_fragments,
    truncate,
)
from mixpeek_snowflake.logfilter import guard
from mixpeek_snowflake.mixpeek.pages import parse_body
from mixpeek_snowflake.mixpeek.retry import (
    TRANSIENT_EXCEPTIONS,
    RetryPolicy,
    error_fields,
    retry_hint,
    status_is_retryable,
    unreachable_reason,
)

DEFAULT_BASE_URL = "https://api.mixpeek.com"
POOL_SIZE = 32
MAX_RESPONSE_BYTES = 128 * 1024 * 1024
REQUEST_DEADLINE_SECONDS = 120.0
READ_CHUNK = 1024 * 1024
# What a body read raises, as requests' own iter_content maps it (requests.models re-exports urllib3's errors).
BODY_ERRORS: tuple[tuple[type[Exception], type[requests.RequestException]], ...] = (
    (requests.models.ReadTimeoutError, requests.exceptions.ReadTimeout),
    (requests.models.DecodeError, requests.exceptions.ContentDecodingError),
    (requests.models.ProtocolError, requests.exceptions.ChunkedEncodingError),
    (OSError, requests.exceptions.ConnectionError),
)
REDACTED = "[redacted]"

PAGES_LOGGER = "mixpeek_snowflake.client.pages"

logger = logging.getLogger("mixpeek_snowflake.client")
pages_logger = logging.getLogger(PAGES_LOGGER)

HINTS = {
    401: "the API key was rejected: check the Snowflake secret behind alias mixpeek_api_key, "
    "or MIXPEEK_API_KEY locally",
    403: "the API key may not access this namespace or resource",
    404: "not found: check the collection id or name and the namespace",
    422: "the request was refused as invalid",
}


@dataclass
class ClientStats:
    """Thread-safe counters of HTTP attempts, retried attempts and response bytes."""

    requests: int = 0
    retries: int = 0
    bytes_received: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, *, requests: int = 0, retries: int = 0, bytes_received: int = 0) -> None:
        """Add to the counters atomically."""
        with self._lock:
            self.requests += requests
            self.retries += retries
            self.bytes_received += bytes_received

    def snapshot(self) -> dict[str, int]:
        """Return a consistent copy of the counters."""
        with self._lock:
            return {"requests": self.requests, "retries": self.retries, "bytes_received": self.bytes_received}


class _BearerAuth(AuthBase):
    """Sets the Authorization header; an explicit auth also keeps requests from applying ~/.netrc."""

    def __init__(self, api_key: str) -> None:
        self._api_key = api_key

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._api_key}"
        return request

    def __repr__(self) -> str:
        return "_BearerAuth(api_key=[redacted])"


@dataclass
class _Failure:
    """The outcome of one failed attempt: the error to raise if no retry follows, and the server's hint."""

    error: Exception
    retryable: bool
    hint: float | None = None
    reason: str = ""
    unreachable: bool = False


class _Refused(Exception):
    """A body read stopped at a limit; carries the failure to report."""

    def __init__(self, failure: _Failure) -> None:
        super().__init__(str(failure.error))
        self.failure = failure


def normalize_base_url(base_url: str) -> str:
    """Return base_url without a trailing "/" or "/v1"; refuse anything but an http(s) URL with a host."""
    text = (base_url or "").strip().rstrip("/")
    text = text.removesuffix("/v1").rstrip("/")
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        raise InvalidArgument("base_url", "is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not host:
        raise InvalidArgument("base_url", f"must be an http(s) URL with a host, got {truncate(text, 100)!r}")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise InvalidArgument("base_url", "must not carry credentials, a query or a fragment")
    return text


def quote_segment(value: str) -> str:
    """Quote one path segment so it cannot add segments or climb the path ("a/b", "..")."""
    if not isinstance(value, str) or value.strip(".") == "":
        raise InvalidArgument("collection", f"must be a collection id or name, got {value!r}")
    return quote(value, safe="")


def _check_header_value(name: str, value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidArgument(name, "is empty")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise InvalidArgument(name, "contains whitespace or control characters")
    return value


def _mib(size: int) -> str:
    return f"{size / 1024 / 1024:g} MiB" if size >= 1024 * 1024 else f"{size} bytes"


def _parse_json(content: bytes) -> Any:
    return parse_body(content.decode("utf-8"))


def _try_json(content: bytes) -> Any:
    try:
        return _parse_json(content)
    except ValueError:
        return None


class MixpeekClient:
    """A small Mixpeek REST client that retries transient failures and keeps the API key out of errors."""

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        namespace: str | None = None,
        timeout: tuple[float, float] = (10.0, 60.0),
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
        user_agent: str = "mixpeek-snowflake/0.1",
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        deadline_seconds: float = REQUEST_DEADLINE_SECONDS,
    ) -> None:
        self._api_key = _check_header_value("api_key", api_key)
        guard(self._api_key)
        self.base_url = normalize_base_url(base_url)
        self.namespace = _check_header_value("namespace", namespace) if namespace is not None else None
        self.timeout = timeout
        self.policy = policy or RetryPolicy()
        self.max_response_bytes = _positive("max_response_bytes", max_response_bytes)
        self.deadline_seconds = _positive("deadline_seconds", deadline_seconds)
        self.stats = ClientStats()
        self._sleep = sleep
        self._owns_session = session is None
        self._session = session or _new_session()
        self._auth = _BearerAuth(self._api_key)
        self._headers = self._build_headers(user_agent)

    def _build_headers(self, user_agent: str) -> dict[str, str]:
        headers = {"Accept": "application/json", "Content-Type": "application/json", "User-Agent": user_agent}
        if self.namespace:
            headers["X-Namespace"] = self.namespace
        return headers

    def __repr__(self) -> str:
        return f"MixpeekClient(base_url={self.base_url!r}, namespace={self.namespace!r})"

    def __enter__(self) -> MixpeekClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP session if this client created it."""
        if self._owns_session:
            self._session.close()

    def get_collection(self, collection: str) -> dict:
        """Return the collection with this id or name."""
        return self.request("GET", f"/v1/collections/{quote_segment(collection)}")

    def get_taxonomy(self, taxonomy_id: str) -> dict | None:
        """Return the taxonomy with this id, or None when Mixpeek does not know it."""
        try:
            return self.request("GET", f"/v1/taxonomies/{quote_segment(taxonomy_id)}")
        except MixpeekAPIError as exc:
            if exc.status == 404:
                return None
            raise

    def list_documents(self, collection: str, body: dict) -> dict:
        """Return one page of documents of a collection for a ListDocumentsRequest body (logged at DEBUG)."""
        page = self.request("POST", f"/v1/collections/{quote_segment(collection)}/documents/list", json=body)
        if pages_logger.isEnabledFor(logging.DEBUG):
            results = page.get("results") if isinstance(page, dict) else None
            count = len(results) if isinstance(results, list) else 0
            pages_logger.debug("listed %d documents of %s", count, collection, extra={"documents": count})
        return page

    def list_events(self, params: dict) -> dict:
        """Return one page of the change-event feed."""
        return self.request("GET", "/v1/events", params=params)

    def request(self, method: str, path: str, *, json: Any = None, params: dict | None = None) -> Any:
        """Send one API request, retrying transient failures, and return the parsed JSON answer."""
        if not path.startswith("/"):
            raise InvalidArgument("path", "must start with '/'")
        waited = 0.0
        attempt = 0
        while True:
            attempt += 1
            outcome = self._attempt(method, path, json, params)
            if not isinstance(outcome, _Failure):
                return outcome
            wait = (
                self.policy.next_wait(attempt, outcome.hint, waited, outcome.unreachable) if outcome.retryable else None
            )
            if wait is None:
                raise outcome.error
            self._note_retry(method, path, outcome.reason, attempt, wait)
            self._sleep(wait)
            waited += wait

    def _note_retry(self, method: str, path: str, reason: str, attempt: int, wait: float) -> None:
        self.stats.add(retries=1)
        attempts = f"attempt {attempt} of {self.policy.max_attempts}"
        reason = self._redact(reason)
        logger.info("retrying %s %s after %s (%s), waiting %.1f s", method, path, reason, attempts, wait)

    def _attempt(self, method: str, path: str, json: Any, params: dict | None) -> Any:
        self.stats.add(requests=1)
        deadline = time.monotonic() + self.deadline_seconds
        try:
            response = self._session.request(
                method,
                self.base_url + path,
                json=json,
                params=params,
                headers=self._headers,
                auth=self._auth,
                timeout=self.timeout,
                allow_redirects=False,
                stream=True,
            )
        except requests.RequestException as exc:
            return self._transport_failure(method, path, exc)
        try:
            body = self._read_body(method, path, response, deadline)
        except requests.RequestException as exc:
            response.close()
            return self._transport_failure(method, path, exc)
        except _Refused as refused:
            response.close()
            return refused.failure
        return self._classify(method, path, response, body)

    def _read_body(self, method: str, path: str, response: requests.Response, deadline: float) -> bytes:
        """The whole body, read in chunks so the size cap and the deadline hold however slowly it arrives."""
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_response_bytes:
            raise _Refused(self._too_large(method, path, f"it declares {int(declared)} bytes"))
        raw = response.raw
        read = getattr(raw, "read1", None)
        if read is None or not hasattr(raw, "release_conn"):
            return self._counted(method, path, response.content)
        chunks: list[bytes] = []
        size = 0
        while chunk := self._read_chunk(read):
            size += len(chunk)
            self.stats.add(bytes_received=len(chunk))
            if size > self.max_response_bytes:
                raise _Refused(self._too_large(method, path, f"more than {size - len(chunk)} bytes arrived"))
            if time.monotonic() > deadline:
                raise _Refused(self._too_slow(method, path, size))
            chunks.append(chunk)
        raw.release_conn()
        return b"".join(chunks)

    @staticmethod
    def _read_chunk(read: Callable[..., bytes]) -> bytes:
        try:
            return read(READ_CHUNK, decode_content=True)
        except Exception as exc:
            for raised, mapped in BODY_ERRORS:
                if isinstance(exc, raised):
                    raise mapped(exc) from exc
            raise

    def _counted(self, method: str, path: str, body: bytes) -> bytes:
        self.stats.add(bytes_received=len(body))
        if len(body) > self.max_response_bytes:
            raise _Refused(self._too_large(method, path, f"it holds {len(body)} bytes"))
        return body

    def _too_large(self, method: str, path: str, detail: str) -> _Failure:
        message = (
            f"Mixpeek's answer to {method} {path} is larger than the {_mib(self.max_response_bytes)} response cap "
            f"(max_response_bytes): {detail}; ask for less per request (a smaller page_size, or no vectors)"
        )
        return _Failure(MixpeekTransportError(message), retryable=False, reason="response cap")

    def _too_slow(self, method: str, path: str, received: int) -> _Failure:
        message = (
            f"Mixpeek did not finish answering {method} {path} within the {self.deadline_seconds:g} s request "
            f"deadline (deadline_seconds): {received} bytes had arrived; the API or the network is sending too slowly"
        )
        return _Failure(MixpeekTransportError(message), retryable=True, reason="request deadline")

    def _transport_failure(self, method: str, path: str, exc: requests.RequestException) -> _Failure:
        host = urlsplit(self.base_url).hostname
        retryable = isinstance(exc, TRANSIENT_EXCEPTIONS) and not isinstance(exc, requests.exceptions.SSLError)
        unreachable = unreachable_reason(exc)
        if unreachable is not None:
            detail = (
                f"{unreachable}; is the Mixpeek API running at {self.base_url}? Check the address (the base_url "
                "option, or MIXPEEK_BASE_URL outside Snowflake); locally, start it with: mixpeek-snowflake emulator"
            )
        else:
            detail = truncate(self._redact(f"{type(exc).__name__}: {exc}"), 300)
        error = MixpeekTransportError(f"could not complete {method} {path} at {host}: {detail}")
        error.__cause__ = exc
        return _Failure(error, retryable, reason=unreachable or type(exc).__name__, unreachable=unreachable is not None)

    def _classify(self, method: str, path: str, response: requests.Response, content: bytes) -> Any:
        status = response.status_code
        if 200 <= status < 300:
            return self._success(method, path, status, content)
        if 300 <= status < 400:
            return _Failure(self._redirect_error(method, path, response), retryable=False)
        body = _try_json(content)
        retryable = status_is_retryable(status, body)
        error = self._api_error(method, path, response, content, body, retryable)
        return _Failure(error, retryable, retry_hint(response.headers, body), f"HTTP {status}")

    def _success(self, method: str, path: str, status: int, content: bytes) -> Any:
        if status == 204:
            return None
        try:
            return _parse_json(content)
        except ValueError:
            message = (
                f"Mixpeek answered {status} to {method} {path} with a body that is not valid "
                f"JSON ({len(content)} bytes, possibly truncated)"
            )
            return _Failure(MixpeekTransportError(message), True, reason="invalid JSON body")

    def _redirect_error(self, method: str, path: str, response: requests.Response) -> MixpeekAPIError:
        try:
            target = urlsplit(response.headers.get("Location", "")).hostname or "the same host"
        except ValueError:
            target = "an unreadable address"
        message = f"refused to follow a redirect to {target}, so the API key is never sent elsewhere"
        hint = "set base_url to the address that serves the API directly"
        status = response.status_code
        message = self._redact(message)
        return MixpeekAPIError(status, message, method=method, path=path, error_type="Redirect", hint=hint)

    def _api_error(
        self, method: str, path: str, response: requests.Response, content: bytes, body: Any, retryable: bool
    ) -> MixpeekAPIError:
        message, error_type = error_fields(body)
        if not message:
            raw = content.decode("utf-8", errors="replace").strip()
            message = raw or response.reason or "no error message"
        return MixpeekAPIError(
            response.status_code,
            self._redact(message),
            method=method,
            path=path,
            error_type=self._redact(error_type),
            retryable=retryable,
            hint=HINTS.get(response.status_code, ""),
        )

    def _redact(self, text: str) -> str:
        return redact_fragments(text, self._api_key)


def _positive(name: str, value: float) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise InvalidArgument(name, f"expected a positive number, got {value!r}")
    return value


def _new_session() -> requests.Session:
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=2, pool_maxsize=POOL_SIZE)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
