"""MixpeekClient against a tiny HTTP server on 127.0.0.1: headers, paths, errors, redirects, secrecy."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from local_world import closed_port

from mixpeek_snowflake.errors import InvalidArgument, MixpeekAPIError, MixpeekTransportError
from mixpeek_snowflake.mixpeek.client import DEFAULT_BASE_URL, ClientStats, MixpeekClient, normalize_base_url
from mixpeek_snowflake.mixpeek.retry import RetryPolicy

SECRET = "sk-SECRET-canary-7f3a9c1e5b"
Reply = tuple[int, dict[str, str], bytes]


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeServer:
    url: str
    seen: list[Seen] = field(default_factory=list)
    reply: Callable[[Seen], Reply] = lambda seen: (200, {}, b"{}")


def make_handler(server: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def handle_any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            seen = Seen(self.command, self.path, dict(self.headers), self.rfile.read(length))
            server.seen.append(seen)
            status, headers, body = server.reply(seen)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = handle_any

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def server() -> Iterator[FakeServer]:
    fake = FakeServer(url="")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(fake))
    fake.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield fake
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def client_for(server: FakeServer, **kwargs: Any) -> MixpeekClient:
    kwargs.setdefault("sleep", lambda seconds: None)
    return MixpeekClient(SECRET, base_url=server.url, **kwargs)


def json_reply(status: int, payload: Any, headers: dict[str, str] | None = None) -> Reply:
    return status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(payload).encode()


def mixpeek_error(status: int, message: str, error_type: str = "ValidationError") -> Reply:
    return json_reply(status, {"success": False, "status": status, "error": {"message": message, "type": error_type}})


def test_headers_are_sent_on_every_request(server: FakeServer) -> None:
    with client_for(server, namespace="ns_demo", user_agent="ua/1") as client:
        client.get_collection("col_1")
    headers = server.seen[0].headers
    assert headers["Authorization"] == f"Bearer {SECRET}"
    assert headers["X-Namespace"] == "ns_demo"
    assert headers["Accept"] == "application/json"
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"] == "ua/1"


def test_no_namespace_header_without_a_namespace(server: FakeServer) -> None:
    with client_for(server) as client:
        client.list_events({"limit": 5, "event_type": "document.deleted"})
    assert "X-Namespace" not in server.seen[0].headers
    assert server.seen[0].path == "/v1/events?limit=5&event_type=document.deleted"


def test_list_documents_posts_the_body_and_returns_json(server: FakeServer) -> None:
    server.reply = lambda seen: json_reply(200, {"results": [{"document_id": "d1"}], "pagination": {}})
    with client_for(server) as client:
        page = client.list_documents("my docs", {"limit": 1000})
    assert page["results"] == [{"document_id": "d1"}]
    assert server.seen[0].method == "POST"
    assert server.seen[0].path == "/v1/collections/my%20docs/documents/list"
    assert json.loads(server.seen[0].body) == {"limit": 1000}


@pytest.mark.parametrize(
    ("collection", "path"),
    [
        ("a/b", "/v1/collections/a%2Fb"),
        ("../x", "/v1/collections/..%2Fx"),
        ("a?b#c", "/v1/collections/a%3Fb%23c"),
    ],
)
def test_path_segments_are_quoted(server: FakeServer, collection: str, path: str) -> None:
    with client_for(server) as client:
        client.get_collection(collection)
    assert server.seen[0].path == path


@pytest.mark.parametrize("collection", ["", ".", ".."])
def test_dot_or_empty_collection_is_refused_before_any_request(server: FakeServer, collection: str) -> None:
    with client_for(server) as client, pytest.raises(InvalidArgument, match="collection"):
        client.get_collection(collection)
    assert server.seen == []


def test_redirects_are_refused(server: FakeServer) -> None:
    server.reply = lambda seen: (302, {"Location": "https://evil.example/steal?x=1"}, b"")
    with client_for(server) as client, pytest.raises(MixpeekAPIError) as caught:
        client.get_collection("col")
    assert caught.value.status == 302
    assert "evil.example" in str(caught.value)
    assert "steal" not in str(caught.value)
    assert len(server.seen) == 1


@pytest.mark.parametrize(
    ("status", "hint"),
    [
        (401, "the API key was rejected: check the Snowflake secret behind alias mixpeek_api_key"),
        (403, "the API key may not access this namespace or resource"),
        (404, "not found: check the collection id or name and the namespace"),
        (422, "the request was refused as invalid"),
    ],
)
def test_error_messages_name_status_type_message_and_hint(server: FakeServer, status: int, hint: str) -> None:
    server.reply = lambda seen: mixpeek_error(status, "Collection col_x was not found", "NotFoundError")
    with client_for(server) as client, pytest.raises(MixpeekAPIError) as caught:
        client.get_collection("col_x")
    error = caught.value
    assert (error.status, error.error_type, error.method, error.path) == (
        status,
        "NotFoundError",
        "GET",
        "/v1/collections/col_x",
    )
    text = str(error)
    assert text.startswith(f"Mixpeek API error {status} NotFoundError on GET /v1/collections/col_x: ")
    assert "Collection col_x was not found" in text and hint in text


def test_legacy_and_plain_bodies_still_give_a_message(server: FakeServer) -> None:
    replies = iter([json_reply(400, {"detail": "Not Found"}), (400, {}, b"<html>bad</html>"), (400, {}, b"")])
    server.reply = lambda seen: next(replies)
    messages = []
    with client_for(server) as client:
        for _ in range(3):
            with pytest.raises(MixpeekAPIError) as caught:
                client.get_collection("c")
            messages.append(caught.value.message)
    assert messages == ["Not Found", "<html>bad</html>", "Bad Request"]


def test_long_error_bodies_are_truncated(server: FakeServer) -> None:
    server.reply = lambda seen: (400, {}, b"x" * 5000)
    with client_for(server) as client, pytest.raises(MixpeekAPIError) as caught:
        client.get_collection("c")
    assert len(str(caught.value)) < 700


def test_timeout_and_no_redirects_on_every_request(server: FakeServer) -> None:
    calls: list[dict[str, Any]] = []

    class RecordingSession(requests.Session):
        def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:  # type: ignore[override]
            calls.append(kwargs)
            return super().request(method, url, **kwargs)

    replies = iter([json_reply(503, {}), json_reply(200, {}), json_reply(200, {}), json_reply(200, {})])
    server.reply = lambda seen: next(replies)
    with RecordingSession() as session:
        client = client_for(server, session=session, timeout=(1.5, 7.0))
        client.get_collection("c")
        client.list_documents("c", {})
        client.list_events({})
    assert len(calls) == 4
    assert all(call["timeout"] == (1.5, 7.0) and call["allow_redirects"] is False for call in calls)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://api.mixpeek.com", "https://api.mixpeek.com"),
        ("https://api.mixpeek.com/", "https://api.mixpeek.com"),
        ("https://api.mixpeek.com/v1", "https://api.mixpeek.com"),
        (" https://api.mixpeek.com/v1/ ", "https://api.mixpeek.com"),
        ("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080"),
        ("https://proxy.example/mixpeek/", "https://proxy.example/mixpeek"),
    ],
)
def test_base_url_is_normalized(given: str, expected: str) -> None:
    assert normalize_base_url(given) == expected
    assert MixpeekClient("k", base_url=given).base_url == expected


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "api.mixpeek.com",
        "ftp://api.mixpeek.com",
        "https://",
        "https://u:p@api.mixpeek.com",
        "http://h/?a=1",
    ],
)
def test_bad_base_urls_are_refused(bad: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        MixpeekClient("k", base_url=bad)
    assert caught.value.argument == "base_url"


def test_default_base_url() -> None:
    assert MixpeekClient("k").base_url == DEFAULT_BASE_URL == "https://api.mixpeek.com"


def test_unreachable_host_raises_transport_error_after_retries() -> None:
    waits: list[float] = []
    client = MixpeekClient(
        SECRET,
        base_url=f"http://127.0.0.1:{closed_port()}",
        sleep=waits.append,
        policy=RetryPolicy(max_attempts=3),
    )
    with pytest.raises(MixpeekTransportError, match=r"could not complete GET /v1/collections/c at 127\.0\.0\.1"):
        client.get_collection("c")
    assert waits == [1, 2]
    assert client.stats.snapshot()["requests"] == 3


def echo_key(seen: Seen) -> Reply:
    auth = seen.headers.get("Authorization", "")
    status = int(seen.path.rsplit("/", 1)[-1])
    token = auth.removeprefix("Bearer ")
    headers = {"Location": f"https://{token}.example/{auth}"} if status == 302 else {}
    body = json.dumps({"error": {"message": f"bad {auth}", "type": f"T{auth}", "details": {"retryable": True}}})
    return status, headers, body.encode()


def test_api_key_never_appears_in_errors_reprs_or_logs(server: FakeServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    server.reply = echo_key
    texts: list[str] = []
    with client_for(server, namespace="ns", policy=RetryPolicy(max_attempts=2)) as client:
        texts += [repr(client), repr(client.stats), repr(client._auth)]
        for status in (302, 400, 401, 403, 404, 422, 429, 500, 503):
            with pytest.raises(MixpeekAPIError) as caught:
                client.get_collection(str(status))
            texts += [str(caught.value), repr(caught.value), repr(vars(caught.value))]
    unreachable = MixpeekClient(SECRET, base_url=f"http://127.0.0.1:{closed_port()}", sleep=lambda s: None)
    with pytest.raises(MixpeekTransportError) as caught_transport:
        unreachable.get_collection("c")
    texts += [str(caught_transport.value), repr(caught_transport.value)]
    for bad_key in (f"{SECRET}\nX-Evil: 1", f"Bearer {SECRET}"):
        with pytest.raises(InvalidArgument) as caught_arg:
            MixpeekClient(bad_key)
        texts += [str(caught_arg.value), repr(caught_arg.value)]
    assert any("[redacted]" in text for text in texts)
    leaks = [text for text in [*texts, caplog.text] if SECRET.lower() in text.lower()]
    assert leaks == []


def test_key_is_stripped_of_surrounding_whitespace(server: FakeServer) -> None:
    with MixpeekClient(f"  {SECRET}\n", base_url=server.url) as client:
        client.get_collection("c")
    assert server.seen[0].headers["Authorization"] == f"Bearer {SECRET}"


def test_bytes_received_counts_response_bodies(server: FakeServer) -> None:
    reply = json_reply(200, {"results": ["x" * 100]})
    server.reply = lambda seen: reply
    with client_for(server) as client:
        client.get_collection("a")
        client.get_collection("b")
    assert client.stats.snapshot() == {"requests": 2, "retries": 0, "bytes_received": 2 * len(reply[2])}


def test_stats_are_thread_safe() -> None:
    stats = ClientStats()

    def bump() -> None:
        for _ in range(2000):
            stats.add(requests=1, retries=1, bytes_received=3)

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert stats.snapshot() == {"requests": 16000, "retries": 16000, "bytes_received": 48000}


def test_injected_session_is_left_open_and_owned_one_is_closed() -> None:
    closed: list[str] = []
    session = requests.Session()
    session.close = lambda: closed.append("injected")  # type: ignore[method-assign]
    with MixpeekClient("k", session=session):
        pass
    owned = MixpeekClient("k")
    owned._session.close = lambda: closed.append("owned")  # type: ignore[method-assign]
    with owned:
        pass
    assert closed == ["owned"]
