"""Look at a local path before reading it: refuse what could crash or hang a reader.

Every local read in tfckpt goes through :func:`stat_path` and :func:`read_regular_file`. They turn
what ``os`` raises for an impossible path into one-line :class:`~tfckpt.errors.TfckptError` s, and
they never open anything but a regular file: a named pipe (FIFO) would block ``open`` forever and
``/dev/zero`` would never end. The path is looked at (``stat``) before it is opened; it is then
opened with ``O_NONBLOCK`` and checked again with ``fstat`` on the open descriptor, so a path
swapped for a pipe in between cannot hang either.

Example:
    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> os.mkfifo(os.path.join(folder, "pipe"))
    >>> read_regular_file(os.path.join(folder, "pipe"))
    Traceback (most recent call last):
    ...
    tfckpt.errors.BadPathError: .../pipe: is a named pipe (FIFO), not a regular file; reading it could \
wait forever; pass the file itself
"""

from __future__ import annotations

import errno
import os
import stat

from tfckpt.errors import BadPathError, FileTooLargeError, UnreadablePathError

SHOWN_PATH_AT_MOST = 160  # characters of a path an error message repeats
_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def shown_path(path: str) -> str:
    """``path`` as an error message shows it: control characters escaped (a NUL as ``\\x00``),
    the middle of a very long path left out.

    Example:
        >>> shown_path("runs/a\\x00b")
        'runs/a\\\\x00b'
    """
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(path))
    if len(text) <= SHOWN_PATH_AT_MOST:
        return text
    half = SHOWN_PATH_AT_MOST // 2
    return f"{text[:half]}...{text[-half:]}"


def _bad_path(path: str, err: BaseException) -> Exception:
    """The TfckptError for what ``os.stat`` or ``os.open`` raised; the error itself if it is
    a plain 'not found'."""
    shown = shown_path(path)
    if isinstance(err, ValueError):  # "embedded null byte"
        return BadPathError(shown, "the path holds a NUL byte (\\x00), which no file name can",
                            "check how the path was written (a stray byte from a script or a C string?)")
    code = getattr(err, "errno", None)
    if code == errno.ENAMETOOLONG:
        return BadPathError(shown, f"the path is too long for this system ({len(path):,} characters; "
                            "a name may have at most 255 bytes, a path about 4,096)",
                            "check the path; move the files to a shorter one if it is right")
    if code == errno.ELOOP:
        return BadPathError(shown, "symbolic links loop here (a link leads back to itself)",
                            "repair or remove the link: ls -l shows where each link points")
    if isinstance(err, PermissionError) or code == errno.EACCES:
        return UnreadablePathError(shown, "permission denied", "make it readable (chmod +r) or run as its owner")
    if isinstance(err, (FileNotFoundError, NotADirectoryError)):
        return err
    return UnreadablePathError(shown, f"cannot be read ({getattr(err, 'strerror', None) or err})",
                               "check the disk and the path")


def stat_path(path: str) -> os.stat_result | None:
    """``os.stat(path)``, or None when nothing is there (or a parent is not a folder).

    Raises:
        BadPathError: a NUL byte, a path too long, a symbolic-link loop.
        UnreadablePathError: permission denied, or an I/O error.
    """
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, ValueError) as err:
        raise _bad_path(path, err) from None


def not_a_regular_file(path: str, mode: int) -> BadPathError | None:
    """The error for a path that is neither a regular file nor a folder; None for those two."""
    for test, kind in _KINDS:
        if test(mode):
            return BadPathError(shown_path(path), f"is {kind}, not a regular file; reading it could wait forever",
                                "pass the file itself")
    return None


def read_regular_file(path: str, offset: int = 0, length: int | None = None,
                      max_bytes: int | None = None, what: str = "file") -> bytes:
    """The bytes of a regular file (``length`` of them from ``offset``, or all).

    Args:
        path: a local path.
        offset: where to start, in bytes. Defaults to 0.
        length: how many bytes at most. Defaults to ``None``: to the end.
        max_bytes: refuse a file larger than this many bytes, before reading any. Defaults to
            ``None``: no limit.
        what: what the file is, for the size error (``"pipeline.config"``). Defaults to ``"file"``.

    Raises:
        FileNotFoundError: nothing is there.
        BadPathError: a NUL byte, a path too long, a symbolic-link loop, or not a regular file
            (a pipe, a device, a socket).
        FileTooLargeError: larger than ``max_bytes``.
        UnreadablePathError: a folder, permission denied, or an I/O error.
    """
    found = stat_path(path)  # refuse a pipe or a device before opening it: opening has effects on some
    if found is not None:
        _refuse_unless_regular(path, found.st_mode)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(path, flags)
    except IsADirectoryError:
        raise UnreadablePathError(shown_path(path), "is a directory, not a file", "pass the file itself") from None
    except (OSError, ValueError) as err:
        error = _bad_path(path, err)
        if error is err:
            raise
        raise error from None
    try:
        opened = os.fstat(descriptor)
        _refuse_unless_regular(path, opened.st_mode)
    except BaseException:
        os.close(descriptor)
        raise
    size = opened.st_size
    with os.fdopen(descriptor, "rb") as handle:
        if max_bytes is not None and size > max_bytes:
            raise _too_large(path, size, max_bytes, what)
        try:
            if offset:
                handle.seek(offset)
            wanted = length if max_bytes is None else min(max_bytes + 1, max_bytes + 1 if length is None else length)
            if wanted is not None:  # never ask for more than the file holds (read(n) allocates n bytes)
                wanted = min(wanted, max(size - offset, 0) + 1)
            data = handle.read() if wanted is None else handle.read(wanted)
        except OSError as err:
            raise _bad_path(path, err) from None
    if max_bytes is not None and len(data) > max_bytes:  # it grew while being read
        raise _too_large(path, len(data), max_bytes, what)
    return data


def _refuse_unless_regular(path: str, mode: int) -> None:
    if stat.S_ISDIR(mode):
        raise UnreadablePathError(shown_path(path), "is a directory, not a file", "pass the file itself")
    refused = not_a_regular_file(path, mode)
    if refused is not None:
        raise refused


def _too_large(path: str, size: int, limit: int, what: str) -> FileTooLargeError:
    return FileTooLargeError(shown_path(path), f"is {size:,} bytes; tfckpt reads a {what} of at most {limit:,} bytes "
                             f"({limit >> 20} MiB), far more than any real one",
                             f"check that this is the {what} you meant (a TFRecord or a log written over it?)")
