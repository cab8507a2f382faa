"""Writes that never leave a half-written file under a final name.

Every file is written under a temporary name in the same folder (marked with
:data:`TEMP_MARKER`), flushed and synced, then renamed over the final name. A crash leaves at
most a temporary, which :func:`remove_stale_temporaries` deletes at the next start. Local
paths use :mod:`os`; other schemes (``gs://``, ``ram://``) go through ``tf.io.gfile``.

This module is the only place in tfckpt that writes files.

Example:
    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> write_bytes_atomic(os.path.join(folder, "state.json"), b"{}")
    >>> sorted(os.listdir(folder))
    ['state.json']
"""

from __future__ import annotations

import errno
import os
import shutil
import uuid

from tfckpt.io.fs import has_scheme, join

TEMP_MARKER = ".tfckpt-tmp-"


def temporary_name(final_name: str) -> str:
    """A unique temporary file name for ``final_name`` (no folder part)."""
    return f"{TEMP_MARKER}{uuid.uuid4().hex[:12]}-{final_name}"


def _gfile():
    from tfckpt.tensorflow_import import import_tensorflow

    tf = import_tensorflow("gs://, ram:// and other non-local paths")  # deferred: only they need it

    return tf.io.gfile


def makedirs(path: str) -> None:
    """Create ``path`` and its parents if missing."""
    if has_scheme(path):
        _gfile().makedirs(path)
    else:
        os.makedirs(path, exist_ok=True)


def _fsync_folder(folder: str) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def replace(source: str, target: str) -> None:
    """Rename ``source`` over ``target`` atomically (POSIX rename; gfile rename with overwrite)."""
    if has_scheme(source):
        _gfile().rename(source, target, overwrite=True)
    else:
        os.replace(source, target)
        _fsync_folder(os.path.dirname(target) or ".")


def remove(path: str) -> None:
    """Delete a file; a file that is already gone is fine."""
    if has_scheme(path):
        gfile = _gfile()
        if gfile.exists(path):
            gfile.remove(path)
        return
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def write_bytes_atomic(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one."""
    folder, name = (path.rsplit("/", 1) if has_scheme(path) else os.path.split(path))
    temporary = join(folder or ".", temporary_name(name))
    try:
        if has_scheme(path):
            with _gfile().GFile(temporary, "wb") as handle:
                handle.write(data)
        else:
            with open(temporary, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        replace(temporary, path)
    except BaseException:
        remove(temporary)
        raise


def remove_stale_temporaries(folder: str, names: list[str]) -> list[str]:
    """Delete the temporaries a crash left in ``folder`` (given its listing); return their names."""
    stale = [name for name in names if TEMP_MARKER in name]
    for name in stale:
        remove(join(folder, name))
    return stale


# os.link fails with these where a hard link is impossible, but a copy works
_NO_HARD_LINK = {errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS}


def _copy_local(source: str, target: str) -> None:
    with open(source, "rb") as reader, open(target, "wb") as writer:
        shutil.copyfileobj(reader, writer, 1 << 20)
        writer.flush()
        os.fsync(writer.fileno())


def _copy_gfile(source: str, target: str) -> None:
    import tensorflow as tf  # deferred: only non-local paths need it

    try:
        tf.io.gfile.copy(source, target, overwrite=True)
    except tf.errors.NotFoundError as err:
        raise FileNotFoundError(errno.ENOENT, "not found", source) from err


def link_or_copy(source: str, target: str) -> str:
    """Make ``target`` the same bytes as ``source``: a hard link on a local disk (free, and it
    keeps the bytes alive when ``source`` is deleted), a copy where links are impossible (another
    device, ``gs://``, ``ram://``). Atomic: written under a temporary name, then renamed.

    Returns:
        ``"link"`` or ``"copy"``.

    Raises:
        FileNotFoundError: ``source`` does not exist (for example, it was just deleted).

    Example:
        >>> import tempfile, os
        >>> folder = tempfile.mkdtemp()
        >>> write_bytes_atomic(os.path.join(folder, "a"), b"x")
        >>> link_or_copy(os.path.join(folder, "a"), os.path.join(folder, "b"))
        'link'
    """
    scheme = has_scheme(source) or has_scheme(target)
    folder, name = (target.rsplit("/", 1) if has_scheme(target) else os.path.split(target))
    temporary = join(folder or ".", temporary_name(name))
    try:
        if scheme:
            _copy_gfile(source, temporary)
            how = "copy"
        else:
            try:
                os.link(source, temporary)
                how = "link"
            except OSError as err:
                if isinstance(err, FileNotFoundError) or err.errno not in _NO_HARD_LINK:
                    raise
                _copy_local(source, temporary)
                how = "copy"
        replace(temporary, target)
    except BaseException:
        remove(temporary)
        raise
    return how
