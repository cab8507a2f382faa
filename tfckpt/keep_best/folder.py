"""The ``--into`` folder, the only place keep-best writes: pins in ``INTO/.pinned/``, kept
checkpoints and their JSON records in ``INTO/``. Every file is written under a temporary name
and renamed; shards go first and the ``.index`` last, so nothing looks like a checkpoint before
it is whole. Only files keep-best made are ever deleted.

Example:
    >>> folder = IntoFolder("runs/frcnn/best")  # doctest: +SKIP
    >>> folder.pin("runs/frcnn", ["ckpt-3.data-00000-of-00001", "ckpt-3.index"])  # doctest: +SKIP
    'link'
"""

from __future__ import annotations

import json
import re

from tfckpt.io.atomic import TEMP_MARKER, link_or_copy, makedirs, remove, replace, write_bytes_atomic
from tfckpt.io.fs import filesystem_for, join
from tfckpt.keep_best.state import PIN_FOLDER, STATE_NAME

_CHECKPOINT_FILE = re.compile(r"\.(index|data-\d{5}-of-\d{5})$")


class IntoFolder:
    """Files under ``into``. Not safe for two keep-best processes on one folder."""

    def __init__(self, into: str) -> None:
        self.into = into
        self.pins = join(into, PIN_FOLDER)
        self.fs = filesystem_for(into)

    def foreign_files(self) -> list[str]:
        """Names in INTO that keep-best would not have made (checked before its first run)."""
        try:
            names = self.fs.listdir(self.into)
        except FileNotFoundError:
            return []
        return [n for n in names if n not in (PIN_FOLDER, STATE_NAME) and TEMP_MARKER not in n]

    def prepare(self) -> None:
        """Create INTO and its pin folder."""
        makedirs(self.pins)

    def pin(self, model_dir: str, files: list[str]) -> str:
        """Link (or copy) ``files`` of ``model_dir`` into the pin folder, in order.

        Returns:
            ``"link"`` when every file was hard-linked, else ``"copy"``.

        Raises:
            FileNotFoundError: one of them vanished; what was pinned of it is removed again.
        """
        methods = set()
        try:
            for name in files:
                methods.add(link_or_copy(join(model_dir, name), join(self.pins, name)))
        except FileNotFoundError:
            self.unpin(files)
            raise
        return "link" if methods == {"link"} else "copy"

    def unpin(self, files: list[str]) -> None:
        for name in sorted(files, key=lambda f: not f.endswith(".index")):
            remove(join(self.pins, name))

    def promote(self, files: list[str]) -> str | None:
        """Move a pinned checkpoint into INTO (shards first, index last); files already moved are
        skipped. Returns the first file found in neither place, or None when all are in INTO."""
        for name in files:
            target = join(self.into, name)
            if self.fs.exists(target):
                continue
            source = join(self.pins, name)
            if not self.fs.exists(source):
                return name
            replace(source, target)
        return None

    def write_record(self, name: str, record: dict) -> None:
        write_bytes_atomic(join(self.into, name + ".json"),
                           (json.dumps(record, indent=1, allow_nan=True) + "\n").encode())

    def has_record(self, name: str) -> bool:
        return self.fs.exists(join(self.into, name + ".json"))

    def delete(self, relative_paths: list[str]) -> None:
        """Delete files keep-best made (paths relative to INTO); missing ones are fine."""
        for path in relative_paths:
            remove(join(self.into, path))

    def clean(self, referenced_pins: set[str]) -> list[str]:
        """Delete what a crash left: keep-best's temporaries, and pinned checkpoint files that the
        state does not mention (pinned just before a crash). Returns the names removed."""
        removed = []
        for folder in (self.into, self.pins):
            try:
                names = self.fs.listdir(folder)
            except FileNotFoundError:
                continue
            for name in names:
                stray_pin = folder == self.pins and _CHECKPOINT_FILE.search(name) and name not in referenced_pins
                if TEMP_MARKER in name or stray_pin:
                    remove(join(folder, name))
                    removed.append(name)
        return removed
