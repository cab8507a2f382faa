"""Paths and files: local disk directly, other schemes (``gs://``, ``ram://``) through gfile."""

from tfckpt.io.fs import FileSystem, filesystem_for, join

__all__ = ["FileSystem", "filesystem_for", "join"]
