"""The local engine's listening socket: its port held from the choice to the bind, its answers never held by Nagle."""

from __future__ import annotations

import socket

from mixpeek_local.engine.server import _bound_socket


def test_the_socket_is_bound_before_the_server_starts_and_sends_without_delay() -> None:
    sock = _bound_socket("127.0.0.1")
    try:
        host, port = sock.getsockname()
        assert host == "127.0.0.1" and port > 0
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        sock.close()
