"""Run checkpoint writes on one background thread, at most one at a time.

Errors are kept and handed back to the training thread at the next :meth:`wait`, so a failed
background save is reported where the user can see it, never lost. The thread is not a daemon:
the interpreter finishes a write in flight before it exits.

Example:
    >>> worker = BackgroundWriter()
    >>> worker.submit(lambda: None)
    >>> worker.wait()  # returns once the job is done; raises what the job raised
"""

from __future__ import annotations

import threading
from typing import Callable, Optional


class BackgroundWriter:
    """One job in flight; :meth:`submit` waits for the previous job first."""

    def __init__(self) -> None:
        self._thread: Optional[threading.Thread] = None
        self._error: Optional[BaseException] = None

    @property
    def busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def submit(self, job: Callable[[], None]) -> None:
        self.wait()
        self._thread = threading.Thread(target=self._run, args=(job,), name="tfckpt-writer", daemon=False)
        self._thread.start()

    def _run(self, job: Callable[[], None]) -> None:
        try:
            job()
        except BaseException as err:  # handed to the training thread by wait()
            self._error = err

    def check(self) -> None:
        """Without blocking: re-raise the error of a job that has finished, once."""
        if not self.busy:
            self.wait()

    def wait(self) -> None:
        """Block until the job in flight is done; re-raise its error, once."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error
