"""The guide's persistence promise, drilled on the shipped config: AOF everysec loses at most ~1 s on a crash, and a
clean restart loses nothing. `kill -9` then restart is how Redis's own test suite simulates a crash."""

from __future__ import annotations

import threading
import time

import redis

WRITE_SECONDS = 2.5
PROMISE_SECONDS = 1.0  # appendfsync everysec: writes acknowledged more than ~1 s before a crash are on disk


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


def test_crash_loses_nothing_acknowledged_more_than_a_second_before(dev_servers):
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
    promised = [key for key, at in acked.items() if at < killed_at - PROMISE_SECONDS]
    assert len(promised) > 1000, "the drill wrote too little to mean anything"

    server.start()
    client = server.client(password)
    pipe = client.pipeline(transaction=False)
    for key in promised:
        pipe.exists(key)
    missing = [key for key, found in zip(promised, pipe.execute(), strict=True) if not found]
    assert missing == [], f"{len(missing)} keys acknowledged > {PROMISE_SECONDS}s before the crash were lost"
    assert client.dbsize() <= len(acked) + 1  # nothing invented (at most one in-flight write landed)


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
