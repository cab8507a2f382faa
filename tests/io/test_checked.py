"""tfckpt.io.checked: every local read refuses what could crash or hang a reader, before opening."""

from __future__ import annotations

import os

import pytest

from tfckpt.errors import BadPathError, FileTooLargeError, UnreadablePathError
from tfckpt.io.checked import read_regular_file, shown_path, stat_path


def test_a_regular_file_is_read_whole_or_in_part(tmp_path):
    (tmp_path / "f").write_bytes(b"0123456789")
    assert read_regular_file(str(tmp_path / "f")) == b"0123456789"
    assert read_regular_file(str(tmp_path / "f"), offset=2, length=3) == b"234"


@pytest.mark.parametrize("make, kind", [
    (lambda path: os.mkfifo(path), "a named pipe (FIFO)"),
    (lambda path: os.symlink("/dev/zero", path), "a character device"),
])
def test_pipes_and_devices_are_refused(tmp_path, make, kind):
    path = tmp_path / "x"
    make(path)
    with pytest.raises(BadPathError) as caught:
        read_regular_file(str(path))
    assert str(caught.value) == (f"{path}: is {kind}, not a regular file; reading it could wait forever; "
                                 "pass the file itself")


def test_impossible_paths(tmp_path):
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    for path, problem in [(str(loop), "symbolic links loop here"), (f"{tmp_path}/a\0b", "holds a NUL byte"),
                          (str(tmp_path / ("x" * 300)), "the path is too long for this system")]:
        with pytest.raises(BadPathError, match=problem):
            stat_path(path)
        with pytest.raises(BadPathError, match=problem):
            read_regular_file(path)


def test_missing_folder_and_too_large(tmp_path):
    assert stat_path(str(tmp_path / "missing")) is None
    with pytest.raises(FileNotFoundError):
        read_regular_file(str(tmp_path / "missing"))
    with pytest.raises(UnreadablePathError, match="is a directory"):
        read_regular_file(str(tmp_path))
    (tmp_path / "big").write_bytes(b"x" * 11)
    with pytest.raises(FileTooLargeError, match="is 11 bytes; tfckpt reads a label map of at most 10 bytes"):
        read_regular_file(str(tmp_path / "big"), max_bytes=10, what="label map")
    assert read_regular_file(str(tmp_path / "big"), max_bytes=11) == b"x" * 11


def test_shown_path_escapes_and_shortens():
    assert shown_path("a\0b\nc") == "a\\x00b\\nc"
    shown = shown_path("d/" * 1000)
    assert len(shown) == 163 and "..." in shown
