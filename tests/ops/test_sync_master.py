"""The one-shot replication master and the fast path's route, without a server: the listener binds only the address
given and accepts one connection, only from the expected peer; the handshake a Redis replica sends is answered and
anything else refused; the addresses the tool would listen on are never wildcards."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from infra.ops import sync_master, sync_route
from infra.ops.sync_master import Link, SyncError

REPLICA = (b"*1\r\n$4\r\nPING\r\n", b"*3\r\n$8\r\nREPLCONF\r\n$14\r\nlistening-port\r\n$4\r\n6379\r\n",
           b"*5\r\n$8\r\nREPLCONF\r\n$4\r\ncapa\r\n$3\r\neof\r\n$4\r\ncapa\r\n$6\r\npsync2\r\n",
           b"*3\r\n$5\r\nPSYNC\r\n$40\r\n" + b"a" * 40 + b"\r\n$2\r\n11\r\n")


def _peer(port: int, sends: tuple[bytes, ...], got: list[bytes]) -> threading.Thread:
    def run() -> None:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            for command in sends:
                sock.sendall(command)
            sock.shutdown(socket.SHUT_WR)
            while data := sock.recv(1 << 16):
                got.append(data)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_a_replicas_handshake_is_answered_and_the_psync_reply_held_until_begin():
    got: list[bytes] = []
    with Link("127.0.0.1", "127.0.0.1", timeout=5) as link:
        assert link.listener is not None and link.listener.getsockname()[0] == "127.0.0.1"
        thread = _peer(link.port, REPLICA, got)
        assert link.accept(time.monotonic() + 5) == "127.0.0.1" and link.listener is None  # nobody else after it
        assert link.handshake() == [b"PSYNC", b"a" * 40, b"11"] and link.replica_port == "6379"
        link.begin(1234)
    thread.join(5)
    replid = link.replid.encode()
    assert b"".join(got) == b"+PONG\r\n+OK\r\n+OK\r\n+FULLRESYNC " + replid + b" 0\r\n$1234\r\n"
    assert len(replid) == 40 and int(replid, 16) >= 0


@pytest.mark.parametrize("sends, error", [
    ((b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",), "not a replica's handshake"),
    ((b"*1\r\n$4\r\nSYNC\r\n",), "not a replica's handshake"),  # pre-2.8 replicas: never a Redis 7
    ((b"hello\r\n",), "not a replica's command"),
    ((b"*1\r\n$4\r\nPING\r\n",), "closed the connection"),
    ((b"*1\r\n$4\r\nPING\r\n" * 17,), "did not end with PSYNC"),
])
def test_anything_but_a_replica_is_refused_before_the_psync_reply(sends, error):
    got: list[bytes] = []
    with Link("127.0.0.1", None, timeout=5) as link:
        thread = _peer(link.port, sends, got)
        link.accept(time.monotonic() + 5)
        with pytest.raises(SyncError, match=error):
            link.handshake()
        link.close()
    thread.join(5)
    assert b"FULLRESYNC" not in b"".join(got)


def test_one_connection_only_from_the_expected_peer_and_a_bounded_wait():
    with Link("127.0.0.1", "127.0.0.2", timeout=5) as link:
        thread = _peer(link.port, (), [])
        with pytest.raises(SyncError, match="a connection from 127.0.0.1, not the target"):
            link.accept(time.monotonic() + 5)
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", link.port), timeout=1)  # the listener is gone
    thread.join(5)
    with Link("127.0.0.1", None, timeout=5) as idle, pytest.raises(SyncError, match="did not connect"):
        idle.accept(time.monotonic() + 0.05)


@pytest.mark.parametrize("text, address", [("127.0.0.1", "127.0.0.1"), ("[::1]", "::1"), ("10.190.0.1", "10.190.0.1")])
def test_replication_addresses_are_ip_literals(text, address):
    assert sync_route.parse_address(text) == address


@pytest.mark.parametrize("text, error", [("0.0.0.0", "every interface"), ("::", "every interface"),
                                         ("host.docker.internal", "not an IP address"), ("", "not an IP address")])
def test_wildcards_and_names_are_refused(text, error):
    with pytest.raises(ValueError, match=error):
        sync_route.parse_address(text)


@pytest.mark.parametrize("endpoint, host", [("127.0.0.1:6379", "127.0.0.1"), ("[::1]:6379", "::1"),
                                            ("10.190.0.2:6379", "10.190.0.2"), ("/tmp/redis.sock:0", None),
                                            ("", None), (None, None)])
def test_client_info_endpoints(endpoint, host):
    assert sync_route._host_of(endpoint) == host  # noqa: SLF001


def test_loopback_and_local_addresses():
    assert sync_route.is_loopback("127.0.0.1") and sync_route.is_loopback("localhost") and sync_route.is_loopback("::1")
    assert not sync_route.is_loopback("10.0.0.5") and not sync_route.is_loopback("redis.internal")
    assert sync_route.is_local("127.0.0.1") and not sync_route.is_local("192.0.2.1")  # TEST-NET-1: nobody's
    assert sync_master.same_address("::ffff:127.0.0.1", "127.0.0.1")
    assert not sync_master.same_address("::1", "127.0.0.1")


class _Target:
    def __init__(self, host: str, tls: bool = False):
        self.host, self.tls = host, tls


class _Client:
    def __init__(self, client_info: bytes | Exception, functions: list | None = None):
        self.client_info, self.functions = client_info, functions or []

    def execute_command(self, *args):
        if args == ("FUNCTION", "LIST"):
            return self.functions
        assert args == ("CLIENT", "INFO")
        if isinstance(self.client_info, Exception):
            raise self.client_info
        return self.client_info


NATIVE = b"id=3 addr=127.0.0.1:41654 laddr=127.0.0.1:6379 fd=8 name= db=0"
CONTAINER = b"id=3 addr=192.0.2.1:41654 laddr=192.0.2.2:6379 fd=8 name= db=0"  # a gateway this machine lacks


def test_the_route_by_default_only_for_a_target_on_this_machine():
    import redis

    route = sync_route.choose(_Target("127.0.0.1"), _Client(NATIVE), {}, sync_route.AUTO)
    assert route == sync_route.Route("127.0.0.1", "127.0.0.1", "the address the target sees this tool at")
    disabled = sync_route.choose(_Target("127.0.0.1"), _Client(redis.ResponseError("unknown command")), {},
                                 sync_route.AUTO)
    assert isinstance(disabled, sync_route.Route) and disabled.listen == "127.0.0.1" and disabled.peer is None
    assert "not an address of this machine" in sync_route.choose(_Target("127.0.0.1"), _Client(CONTAINER), {}, "auto")
    assert "not on this machine" in sync_route.choose(_Target("10.0.0.5"), _Client(NATIVE), {}, sync_route.AUTO)
    given = sync_route.choose(_Target("10.0.0.5"), _Client(CONTAINER), {}, "10.0.0.9")
    assert given == sync_route.Route("10.0.0.9", "192.0.2.2", "--via-replication")
    assert "TLS" in sync_route.choose(_Target("127.0.0.1", tls=True), _Client(NATIVE), {}, sync_route.AUTO)
    assert "replicas of its own" in sync_route.choose(_Target("127.0.0.1"), _Client(NATIVE), {"connected_slaves": 1},
                                                      sync_route.AUTO)
    assert "function libraries" in sync_route.choose(_Target("127.0.0.1"), _Client(NATIVE, [[b"library_name"]]), {},
                                                     sync_route.AUTO)
    assert sync_route.choose(_Target("127.0.0.1"), _Client(NATIVE), {}, sync_route.OFF) == "--no-replication"
