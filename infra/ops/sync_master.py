"""A one-shot replication master: the far end of exactly one full sync, which hands a backup file to a Redis that was
told `REPLICAOF <address> <port>`, so the server loads the RDB itself (as fast as it loads one at start-up).

What the replica does is redis/redis src/replication.c (7.0 and 7.2 alike): it connects, sends PING (any `+` reply
will do), `AUTH` only when it has a `masterauth`, `REPLCONF listening-port <port>`, `REPLCONF capa eof capa
psync2`, then `PSYNC <replid> <offset>`, all as RESP arrays, and reads each reply as one line. An empty line before
the PSYNC reply is a keepalive (it refreshes the replica's `repl-timeout` clock). It accepts `+FULLRESYNC <40 hex>
<offset>`, then reads `$<length>\\r\\n` and exactly that many bytes into a temporary file in its own `dir`, fsyncs
it, renames it to its dump file, empties its dataset (only now: an aborted transfer leaves the old data untouched)
and loads it — with keys that are already past their TTL, as a replica leaves expiry to its master. Afterwards a
master may send bare newlines to keep the link alive (`processInlineBuffer` accepts them from a master); the replica
sends `REPLCONF ACK` and, while it loads, newlines of its own, which are read and dropped here.

`Link` holds the listening socket (bound to one address — the caller's choice, never a wildcard), accepts exactly
one connection (closing the listener at once), and only from `peer` when the caller knows the target's address. It
answers the handshake without sending anything else, `begin` sends the FULLRESYNC reply and the bulk length, and
`stream` the file itself, with `socket.sendfile` (zero-copy: the tool's memory does not grow with the file).
"""

from __future__ import annotations

import ipaddress
import secrets
import select
import socket
import time
from pathlib import Path

import hiredis

HANDSHAKE_COMMANDS = 16  # a replica sends 4-5 commands before PSYNC; more means it is not a Redis replica
HANDSHAKE_BYTES = 64 * 1024


class SyncError(RuntimeError):
    """The link failed or the peer did not behave like a Redis replica."""


def same_address(a: str, b: str) -> bool:
    """Whether two IP literals name one address (an IPv4-mapped IPv6 address is its IPv4 one)."""
    def norm(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
        address = ipaddress.ip_address(text.strip("[]").split("%")[0])
        mapped = getattr(address, "ipv4_mapped", None)
        return mapped or address
    return norm(a) == norm(b)


class Link:
    """The listening socket and, once accepted, the one connection of the replica."""

    def __init__(self, address: str, peer: str | None, timeout: float):
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        self.address, self.peer, self.timeout = address, peer, timeout
        self.listener: socket.socket | None = socket.create_server((address, 0), family=family, backlog=1)
        self.port: int = self.listener.getsockname()[1]
        self.conn: socket.socket | None = None
        self.replid = secrets.token_hex(20)  # a fresh history: the replica can never PSYNC-continue from it
        self.replica_port: str | None = None

    def accept(self, deadline: float) -> str:
        """Accept one connection before `deadline` (time.monotonic); returns the peer's address. The listener is
        closed either way: nobody else can connect after it."""
        assert self.listener is not None
        try:
            self.listener.settimeout(max(deadline - time.monotonic(), 0.001))
            try:
                conn, address = self.listener.accept()
            except TimeoutError:
                raise SyncError("the target did not connect to the replication address "
                                f"{self.address}:{self.port}") from None
        finally:
            self.listener.close()
            self.listener = None
        self.conn = conn
        conn.settimeout(self.timeout)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.peer is not None and not same_address(address[0], self.peer):
            raise SyncError(f"a connection from {address[0]}, not the target ({self.peer}), reached the replication "
                            "address first")
        return str(address[0])

    def handshake(self) -> list[bytes]:
        """Answer the replica's commands until its PSYNC, which is returned (not answered)."""
        assert self.conn is not None
        reader, received = hiredis.Reader(), 0
        for _ in range(HANDSHAKE_COMMANDS):
            try:
                while (command := reader.gets()) is False:
                    data = self._recv()
                    received += len(data)
                    if received > HANDSHAKE_BYTES:
                        raise SyncError("the peer sent more than a replica's handshake")
                    reader.feed(data)
            except hiredis.ProtocolError:
                raise SyncError("the peer sent something that is not a replica's command") from None
            if not isinstance(command, list) or not command or not all(isinstance(a, bytes) for a in command):
                raise SyncError(f"the peer sent {str(command)[:60]!r}, not a replica's command")
            name = command[0].upper()
            if name == b"PSYNC":
                return command
            if name == b"PING":
                self.conn.sendall(b"+PONG\r\n")
            elif name in (b"AUTH", b"REPLCONF"):  # AUTH: its masterauth (this end asks for none); REPLCONF: noted
                if name == b"REPLCONF" and len(command) >= 3 and command[1].lower() == b"listening-port":
                    self.replica_port = command[2].decode(errors="replace")
                self.conn.sendall(b"+OK\r\n")
            else:
                self.conn.sendall(b"-ERR this master only serves one full sync\r\n")
                raise SyncError(f"the peer sent {name.decode(errors='replace')[:20]!r}, not a replica's handshake")
        raise SyncError("the peer's handshake did not end with PSYNC")

    def _recv(self) -> bytes:
        assert self.conn is not None
        try:
            data = self.conn.recv(1 << 14)
        except TimeoutError:
            raise SyncError(f"the replica sent nothing for {self.timeout:g} s during its handshake") from None
        if not data:
            raise SyncError("the replica closed the connection during its handshake")
        return data

    def begin(self, size: int) -> None:
        """The PSYNC reply and the payload's length: from here the replica writes what follows into a file."""
        assert self.conn is not None
        self.conn.sendall(b"+FULLRESYNC %s 0\r\n$%d\r\n" % (self.replid.encode(), size))

    def stream(self, path: Path, size: int) -> None:
        assert self.conn is not None
        with open(path, "rb") as handle:
            sent = self.conn.sendfile(handle, 0, size)
        if sent != size:
            raise SyncError(f"sent {sent:,} of the backup's {size:,} bytes")

    def keepalive(self) -> bool:
        """A newline down the link, and whatever the replica sent dropped; False once the replica has closed it."""
        assert self.conn is not None
        try:
            while select.select([self.conn], [], [], 0)[0]:  # not recv(MSG_DONTWAIT): a timeout socket polls first
                if not self.conn.recv(1 << 16):
                    return False
            self.conn.sendall(b"\n")
        except OSError:
            return False
        return True

    def close(self) -> None:
        for sock in (self.listener, self.conn):
            if sock is not None:
                sock.close()
        self.listener = self.conn = None

    def __enter__(self) -> Link:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
