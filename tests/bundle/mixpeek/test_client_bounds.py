"""MixpeekClient's bounds: a refused connection fails fast and says what to check; a body is capped in size and time."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import requests
import urllib3.exceptions
from local_world import closed_port

from mixpeek_local.emulator import Emulator, Fault, Store, seed_collection
from mixpeek_snowflake.errors import InvalidArgument, MixpeekTransportError
from mixpeek_snowflake.mixpeek.client import MixpeekClient
from mixpeek_snowflake.mixpeek.retry import RetryPolicy, unreachable_reason

KEY = "mxp_bounds_key"
COLLECTION = "col_bounds00001"
LIST_PATH = f"/v1/collections/{COLLECTION}/documents/list"


@pytest.fixture(scope="module")
def store() -> Store:
    store = Store()
    seed_collection(store, documents=40, seed=3, namespace="ns_bounds", collection_id=COLLECTION)
    return store


OPENED: list[MixpeekClient] = []


@pytest.fixture(autouse=True)
def no_lingering_threads() -> Iterator[None]:
    """Close every client a test made, so no keep-alive connection keeps a server thread (or this one) busy."""
    before = threading.active_count()
    yield
    while OPENED:
        OPENED.pop().close()
    deadline = time.monotonic() + 10
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.01)


@pytest.fixture
def emulator(store: Store) -> Iterator[Emulator]:
    with Emulator(store, api_key=KEY) as emulator:
        yield emulator


def client_at(url: str, waits: list[float] | None = None, **kwargs: object) -> MixpeekClient:
    sleep = waits.append if waits is not None else (lambda seconds: None)
    client = MixpeekClient(KEY, base_url=url, namespace="ns_bounds", sleep=sleep, **kwargs)  # type: ignore[arg-type]
    OPENED.append(client)
    return client


def direct_page(emulator: Emulator, body: dict) -> requests.Response:
    headers = {"Authorization": f"Bearer {KEY}", "X-Namespace": "ns_bounds"}
    return requests.post(emulator.base_url + LIST_PATH, json=body, headers=headers, timeout=10)


def test_a_refused_connection_gets_three_attempts_and_names_the_url() -> None:
    waits: list[float] = []
    url = f"http://127.0.0.1:{closed_port()}"
    client = client_at(url, waits)
    with pytest.raises(MixpeekTransportError) as caught:
        client.get_collection("c")
    message = str(caught.value)
    assert f"connection refused; is the Mixpeek API running at {url}?" in message
    assert "MIXPEEK_BASE_URL" in message and "mixpeek-snowflake emulator" in message
    assert waits == [1.0, 2.0] and client.stats.snapshot()["requests"] == 3
    assert "Max retries exceeded" not in message


def test_a_refused_connection_fails_within_seconds_on_the_real_clock() -> None:
    client = MixpeekClient(KEY, base_url=f"http://127.0.0.1:{closed_port()}")
    OPENED.append(client)
    started = time.monotonic()
    with pytest.raises(MixpeekTransportError, match="connection refused"):
        client.get_collection("c")
    assert time.monotonic() - started < 10


def test_timeouts_keep_every_attempt() -> None:
    class TimingOut(requests.adapters.BaseAdapter):
        def send(self, request: requests.PreparedRequest, **kwargs: object) -> requests.Response:  # type: ignore[override]
            raise requests.exceptions.ReadTimeout("read timed out")

        def close(self) -> None:
            pass

    session = requests.Session()
    session.mount("https://", TimingOut())
    waits: list[float] = []
    client = MixpeekClient(KEY, session=session, sleep=waits.append)
    OPENED.append(client)
    with pytest.raises(MixpeekTransportError, match="ReadTimeout"):
        client.get_collection("c")
    assert client.stats.snapshot()["requests"] == RetryPolicy().max_attempts == 8
    assert len(waits) == 7


def refused_chain() -> requests.ConnectionError:
    inner = urllib3.exceptions.NewConnectionError(None, "Failed to establish a new connection")  # type: ignore[arg-type]
    inner.__cause__ = ConnectionRefusedError(111, "Connection refused")
    return requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/x", inner))  # type: ignore[arg-type]


def test_unreachable_reason_reads_the_cause_chain() -> None:
    assert unreachable_reason(refused_chain()) == "connection refused"
    unknown = urllib3.exceptions.MaxRetryError(None, "/x", socket.gaierror(-2, "Name or service not known"))  # type: ignore[arg-type]
    assert unreachable_reason(requests.ConnectionError(unknown)) == "host name not found"
    assert unreachable_reason(requests.ConnectionError("connection reset by peer")) is None
    assert unreachable_reason(requests.exceptions.ReadTimeout("slow")) is None


def test_a_body_within_the_bounds_arrives_whole(emulator: Emulator) -> None:
    client = client_at(emulator.base_url)
    page = client.list_documents(COLLECTION, {"limit": 25})
    expected = direct_page(emulator, {"limit": 25})
    assert page == expected.json() and len(page["results"]) == 25
    assert client.stats.snapshot()["bytes_received"] == len(expected.content)


def test_a_declared_length_over_the_cap_is_refused_at_once(emulator: Emulator) -> None:
    size = len(direct_page(emulator, {"limit": 25}).content)
    client = client_at(emulator.base_url, max_response_bytes=size - 1)
    with pytest.raises(MixpeekTransportError) as caught:
        client.list_documents(COLLECTION, {"limit": 25})
    message = str(caught.value)
    assert f"larger than the {size - 1} bytes response cap (max_response_bytes)" in message
    assert f"it declares {size} bytes" in message and "page_size" in message
    assert client.stats.snapshot() == {"requests": 1, "retries": 0, "bytes_received": 0}
    assert client_at(emulator.base_url, max_response_bytes=size).list_documents(COLLECTION, {"limit": 25})["results"]


@pytest.fixture
def endless_server() -> Iterator[str]:
    """Answers every request with a chunked body that never ends (no Content-Length to check up front)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            )
            chunk = b"x" * 4096
            with contextlib.suppress(OSError):
                while not stop.is_set():
                    connection.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    listener.close()
    thread.join(timeout=10)


def test_an_endless_body_is_cut_at_the_cap(endless_server: str) -> None:
    client = client_at(endless_server, max_response_bytes=100_000)
    with pytest.raises(MixpeekTransportError, match=r"larger than the 100000 bytes response cap") as caught:
        client.get_collection("c")
    assert "more than" in str(caught.value) and "bytes arrived" in str(caught.value)
    received = client.stats.snapshot()
    assert received["requests"] == 1 and 100_000 < received["bytes_received"] <= 100_000 + 1024 * 1024


def test_a_slow_drip_body_cannot_outlast_the_deadline(emulator: Emulator) -> None:
    size = len(direct_page(emulator, {"limit": 25}).content)
    drip = Fault("drip", path_contains="/documents/list", delay=0.05, drip_bytes=64, times=2)
    assert size / 64 * 0.05 > 30
    emulator.inject(drip)
    waits: list[float] = []
    client = client_at(emulator.base_url, waits, deadline_seconds=0.5, policy=RetryPolicy(max_attempts=2))
    started = time.monotonic()
    with pytest.raises(MixpeekTransportError) as caught:
        client.list_documents(COLLECTION, {"limit": 25})
    elapsed = time.monotonic() - started
    assert "within the 0.5 s request deadline (deadline_seconds)" in str(caught.value)
    assert client.stats.snapshot()["requests"] == 2 and waits == [1.0]
    assert elapsed < 10


@pytest.mark.parametrize(
    ("name", "value"), [("max_response_bytes", 0), ("deadline_seconds", -1), ("deadline_seconds", True)]
)
def test_bounds_must_be_positive(name: str, value: object) -> None:
    with pytest.raises(InvalidArgument) as caught:
        MixpeekClient(KEY, **{name: value})  # type: ignore[arg-type]
    assert caught.value.argument == name and "positive number" in str(caught.value)
