"""Process crashes on the shipped config: with the AOF on, a `kill -9` loses no acknowledged write (bar the slack
below), and a clean restart loses nothing. `kill -9` then restart is how Redis's own test suite simulates a crash.

What this cannot show is the fsync bound (`appendfsync everysec`: at most ~1 s lost on a power cut or kernel crash).
A killed process leaves what it wrote in the kernel's page cache, which reaches the disk anyway, so `appendfsync no`
would pass this drill just as well; only losing the page cache tests the fsync, and no test here can cause that.
"""

from __future__ import annotations

import threading
import time

import pytest
import redis

WRITE_SECONDS = 2.5
# Not the fsync interval. With everysec, while the background fsync of the last second is still running, Redis keeps
# new writes in its own buffer (for up to 2 s) and acknowledges them anyway — src/aof.c flushAppendOnlyFile: "we may
# delay the flush if there is still an fsync() going on in the background thread". A kill -9 at that moment loses
# them. Unless one fsync takes longer than this slack, a write acknowledged this long before the kill was in the AOF.
POSTPONED_WRITE_SLACK = 1.0


def write_until_failure(client: redis.Redis, acked: dict[str, float], stop: threading.Event) -> None:
    i = 0
    while not stop.is_set():
        key = f"drill:{i}"
        try:
            client.set(key, i)
        except redis.RedisError:
            return  # the server died under us
        acked[key] = time.monotonic()
        i += 1


@pytest.mark.integration
def test_a_process_crash_loses_no_acknowledged_write_because_the_aof_is_on(dev_servers):
    start, password = dev_servers
    server = start("crash")
    assert server.client(password).info("persistence")["aof_enabled"] == 1
    acked: dict[str, float] = {}
    stop = threading.Event()
    writer = threading.Thread(target=write_until_failure, args=(server.client(password), acked, stop))
    writer.start()
    time.sleep(WRITE_SECONDS)
    killed_at = time.monotonic()
    server.kill()
    stop.set()
    writer.join(timeout=10)
    promised = [key for key, at in acked.items() if at < killed_at - POSTPONED_WRITE_SLACK]
    assert len(promised) > 1000, "the drill wrote too little to mean anything"

    server.start()
    client = server.client(password)
    pipe = client.pipeline(transaction=False)
    for key in promised:
        pipe.exists(key)
    missing = [key for key, found in zip(promised, pipe.execute(), strict=True) if not found]
    assert missing == [], f"{len(missing)} keys acknowledged > {POSTPONED_WRITE_SLACK}s before the crash were lost"
    assert client.dbsize() <= len(acked) + 1  # nothing invented (at most one in-flight write landed)


@pytest.mark.integration
def test_a_clean_restart_loses_nothing(dev_servers):
    start, password = dev_servers
    server = start("clean")
    client = server.client(password)
    pipe = client.pipeline(transaction=False)
    for i in range(5000):
        pipe.set(f"clean:{i}", i)
    pipe.execute()
    client.set("clean:last", "written just before the stop")
    server.restart()  # SIGTERM: Redis fsyncs the AOF before exiting
    client = server.client(password)
    assert client.dbsize() == 5001
    assert client.get("clean:last") == b"written just before the stop"
