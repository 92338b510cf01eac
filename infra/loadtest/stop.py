"""How a load-test run ends, whatever ends it (finished, failed, Ctrl-C): the workers stop, then its keys are removed.

A second Ctrl-C must not skip the cleanup silently (it once left 200,000 test keys while the report said they were
removed): while winding down, the first Ctrl-C only prints a note and the cleanup goes on; the next one stops it, and
the `Cleanup` it returns says so, with how many keys may remain and when they expire.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Any, Callable, Iterator

from infra.loadtest.keys import Cleanup, clean_up


@contextlib.contextmanager
def _patient(note: Callable[[], None]) -> Iterator[None]:
    """Inside, the first Ctrl-C only calls `note` (the cleanup goes on); the next one raises KeyboardInterrupt."""
    if threading.current_thread() is not threading.main_thread():  # signal handlers live in the main thread only
        yield
        return
    pressed = [0]

    def on_sigint(_signum: int, _frame: Any) -> None:
        pressed[0] += 1
        if pressed[0] == 1:
            note()
            return
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def wind_down_run(procs: list, client: Any, prefix: str, written: int, ttl: int, notice: Callable[[str], None],
               wait: float) -> Cleanup:
    """Stop the workers (finished ones are joined, anything else killed at once: they only generate load), then
    remove the keys; a Ctrl-C meanwhile is absorbed once, then reported by the Cleanup, never hidden."""
    with _patient(lambda: notice(f"Ctrl-C: removing the test keys under {prefix} before exiting; press Ctrl-C again "
                                 f"to leave them (each expires within {ttl} s)")):
        try:
            for proc in procs:
                if proc.pid is not None:
                    proc.join(timeout=wait)
                    if proc.is_alive():
                        proc.kill()
        except KeyboardInterrupt:
            for proc in procs:
                if proc.pid is not None and proc.is_alive():
                    proc.kill()
        outcome = clean_up(client, prefix, written, ttl)
    client.close()
    return outcome


@contextlib.contextmanager
def workers_deaf_to_sigint() -> Iterator[None]:
    """Start worker processes inside: they inherit an ignored SIGINT across exec (Python leaves it ignored at start-up),
    so a Ctrl-C while one is still importing cannot print its traceback; only the parent answers Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
