"""HTTP-agnostic request handling: routing, auth, JSON bodies, namespace resolution and error envelopes."""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from .errors import ApiError, error_body
from .store import Store


@dataclass
class Request:
    """One parsed API request."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    namespace: str | None
    namespace_id: str | None
    params: dict[str, str] = field(default_factory=dict)


@dataclass
class Response:
    """A JSON response: status, payload and extra headers."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[["Api", Request], Response]


@dataclass(frozen=True)
class Route:
    """A method + path pattern bound to a handler; `public` routes need no API key."""

    method: str
    pattern: re.Pattern[str]
    handler: Handler
    public: bool = False


def route(method: str, template: str, handler: Handler, public: bool = False) -> Route:
    """A Route from a template like /v1/collections/{collection}/documents/{document:regex}."""
    pattern = re.sub(r"\{(\w+)(?::([^}]+))?\}", lambda m: f"(?P<{m.group(1)}>{m.group(2) or '[^/]+'})", template)
    return Route(method, re.compile(f"^{pattern}$"), handler, public)


class Api:
    """Answers requests from the Store; the HTTP server and the tests both go through `handle`."""

    def __init__(self, store: Store, api_key: str, routes: list[Route], strict_body: bool = False) -> None:
        self.store = store
        self.api_key = api_key
        self.routes = routes
        self.strict_body = strict_body
        self.rate_limits: dict[str, int] = {}

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Response:
        """Answer one request; every failure becomes an ErrorResponse."""
        try:
            return self._dispatch(method, target, headers, body)
        except ApiError as exc:
            return Response(exc.status, exc.body(), exc.headers)
        except Exception as exc:
            return Response(500, error_body(500, f"emulator error: {type(exc).__name__}: {exc}"))

    def _dispatch(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Response:
        url = urlsplit(target)
        path = unquote(url.path).rstrip("/") or "/"
        found, params = self._match(method, path)
        if not found.public:
            self._authenticate(headers.get("Authorization"))
        namespace = headers.get("X-Namespace") or None
        request = Request(
            method=method,
            path=path,
            query=dict(parse_qsl(url.query, keep_blank_values=True)),
            body=_json_body(body),
            namespace=namespace,
            namespace_id=self.store.resolve_namespace(namespace) if namespace else None,
            params=params,
        )
        return found.handler(self, request)

    def _match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        allowed = []
        for candidate in self.routes:
            matched = candidate.pattern.match(path)
            if matched and candidate.method == method:
                return candidate, matched.groupdict()
            if matched:
                allowed.append(candidate.method)
        if allowed:
            raise ApiError(
                405,
                f"method {method} is not allowed on {path}; allowed: {', '.join(sorted(set(allowed)))}",
                headers={"Allow": ", ".join(sorted(set(allowed)))},
            )
        raise ApiError(404, f"no route for {method} {path}", "NotFoundError", code="route_not_found")

    def _authenticate(self, header: str | None) -> None:
        scheme, _, token = (header or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise ApiError(401, "missing API key: send Authorization: Bearer <api_key>", code="missing_api_key")
        if not hmac.compare_digest(token.strip().encode(), self.api_key.encode()):
            raise ApiError(401, "invalid API key", code="invalid_api_key")


def _json_body(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ApiError(422, f"request body is not valid JSON: {exc}", "ValidationError", code="json_invalid") from exc
