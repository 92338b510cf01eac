"""Ctrl-C held back while a few filesystem calls must happen together (a backup's data and manifest are committed, or
deleted, as a pair).

Python raises KeyboardInterrupt between any two bytecodes, so a Ctrl-C between `link(data)` and writing its manifest
would leave a backup without its manifest, and one between two `unlink`s a manifest without its data. Inside
`held()` SIGINT only sets a flag (a second Ctrl-C too, so it cannot skip the step either); the caller reads the flag
afterwards and stops at a clean point, saying so. Only the main thread may change signal handlers: elsewhere (a
test runner's worker thread) the block runs as is.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from dataclasses import dataclass
from typing import Any, Iterator


@dataclass
class Held:
    interrupted: bool = False


@contextlib.contextmanager
def held() -> Iterator[Held]:
    state = Held()
    if threading.current_thread() is not threading.main_thread():
        yield state
        return

    def note(signum: int, frame: Any) -> None:
        state.interrupted = True

    previous = signal.signal(signal.SIGINT, note)
    try:
        yield state
    finally:
        signal.signal(signal.SIGINT, previous)
