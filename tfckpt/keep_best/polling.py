"""How long to wait before looking again: short while things change, doubling up to a ceiling
while nothing does, so an idle watcher costs almost nothing.

Example:
    >>> backoff = Backoff(1.0, 8.0)
    >>> [backoff.next(changed) for changed in (False, False, False, False, True)]
    [2.0, 4.0, 8.0, 8.0, 1.0]
"""

from __future__ import annotations

import threading
from typing import Callable


class Backoff:
    """Delay after each poll: ``low`` after a change, else the last delay doubled, at most ``high``."""

    def __init__(self, low: float, high: float) -> None:
        self.low = low
        self.high = high
        self.delay = low

    def next(self, changed: bool) -> float:
        self.delay = self.low if changed else min(self.delay * 2, self.high)
        return self.delay


def poll_until(poll: Callable[[], bool], backoff: Backoff, stop: threading.Event) -> None:
    """Call ``poll`` (it returns whether anything changed) until ``stop`` is set, waiting
    ``backoff`` between calls. ``stop.set()`` from a signal handler or another thread ends the
    wait at once."""
    while not stop.is_set():
        changed = poll()
        if stop.wait(backoff.next(changed)):
            break
