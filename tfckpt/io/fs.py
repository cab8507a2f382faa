"""Read-only file access that works the same on local disk and on ``gs://`` or ``ram://``.

Local paths use :mod:`os` (fast, no TensorFlow), through :mod:`tfckpt.io.checked`, which refuses
pipes, devices, link loops and impossible paths before anything is opened. Paths with a scheme go through
``tf.io.gfile``; TensorFlow is imported only then.

Example:
    >>> fs = filesystem_for("/tmp")
    >>> fs.isdir("/tmp")
    True
"""

from __future__ import annotations

import contextlib
import errno
import os
import posixpath
import stat
from typing import Protocol

from tfckpt.errors import UnreadablePathError
from tfckpt.io.checked import read_regular_file, stat_path


class FileSystem(Protocol):
    """What the checkpoint readers need from a file system. Sizes and reads raise
    ``FileNotFoundError`` for a missing file and :class:`UnreadablePathError` otherwise."""

    def exists(self, path: str) -> bool: ...
    def isdir(self, path: str) -> bool: ...
    def listdir(self, path: str) -> list[str]: ...
    def size(self, path: str) -> int: ...
    def read(self, path: str, offset: int = 0, length: int | None = None) -> bytes: ...


def has_scheme(path: str) -> bool:
    """True for ``gs://bucket/x`` or ``ram://x``; False for local paths and ``file://``."""
    return "://" in path and not path.startswith("file://")


def join(directory: str, name: str) -> str:
    """Join like ``os.path.join`` locally and with ``/`` for URLs."""
    return posixpath.join(directory, name) if has_scheme(directory) else os.path.join(directory, name)


def filesystem_for(path: str) -> FileSystem:
    """The file system that serves ``path``."""
    return GFileSystem() if has_scheme(path) else LocalFileSystem()


def _unreadable(path: str, err: OSError) -> UnreadablePathError:
    if isinstance(err, PermissionError) or err.errno == errno.EACCES:
        return UnreadablePathError(path, "permission denied", "make it readable (chmod +r) or run as its owner")
    return UnreadablePathError(path, f"cannot be read ({err.strerror or err})", "check the disk and the path")


class LocalFileSystem:
    """Local disk through :mod:`os`. Unlike ``os.path.exists``, a path that cannot be looked
    at for lack of permission raises instead of passing for missing."""

    def _mode(self, path: str) -> int | None:
        found = stat_path(path)
        return None if found is None else found.st_mode

    def exists(self, path: str) -> bool:
        return self._mode(path) is not None

    def isdir(self, path: str) -> bool:
        mode = self._mode(path)
        return mode is not None and stat.S_ISDIR(mode)

    def listdir(self, path: str) -> list[str]:
        stat_path(path)  # a NUL byte, a link loop or a path too long: one clear error
        try:
            return sorted(os.listdir(path))
        except FileNotFoundError:
            raise
        except OSError as err:
            raise _unreadable(path, err) from err

    def size(self, path: str) -> int:
        found = stat_path(path)
        if found is None:
            raise FileNotFoundError(errno.ENOENT, "not found", path)
        return found.st_size

    def read(self, path: str, offset: int = 0, length: int | None = None) -> bytes:
        return read_regular_file(path, offset, length)


class GFileSystem:
    """Any scheme TensorFlow knows (``gs://``, ``s3://`` with tensorflow-io, ``ram://``)."""

    def __init__(self) -> None:
        from tfckpt.tensorflow_import import import_tensorflow

        tf = import_tensorflow("gs://, ram:// and other non-local paths")  # deferred: it costs seconds

        self._gfile = tf.io.gfile
        self._errors = tf.errors

    @contextlib.contextmanager
    def _translated_errors(self, path: str):
        """TensorFlow's NotFoundError -> FileNotFoundError; other OpErrors -> UnreadablePathError."""
        try:
            yield
        except self._errors.NotFoundError as err:
            raise FileNotFoundError(errno.ENOENT, "not found", path) from err
        except self._errors.OpError as err:
            raise UnreadablePathError(path, f"cannot be read ({err.message})",
                                      "check the path and credentials") from err

    def exists(self, path: str) -> bool:
        return self._gfile.exists(path)

    def isdir(self, path: str) -> bool:
        return self._gfile.isdir(path)

    def listdir(self, path: str) -> list[str]:
        with self._translated_errors(path):
            return sorted(name.rstrip("/") for name in self._gfile.listdir(path))

    def size(self, path: str) -> int:
        with self._translated_errors(path):
            return self._gfile.stat(path).length

    def read(self, path: str, offset: int = 0, length: int | None = None) -> bytes:
        with self._translated_errors(path), self._gfile.GFile(path, "rb") as handle:
            if offset:
                handle.seek(offset)
            return handle.read() if length is None else handle.read(length)
