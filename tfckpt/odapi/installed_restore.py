"""Which CenterNet restore the installed Object Detection API does, read from its source text.

``CenterNetMetaArch.restore_from_objects`` changed in 2021 (FACTS.md section 7), and users run git
clones of any date, so a version string says nothing. When ``object_detection`` is importable, the
file of that method is found and its source read (never imported: that would load TensorFlow), then
interpreted by :mod:`tfckpt.odapi.restore_source`.

Example:
    >>> installed_restore() is None  # None also when the copy has no CenterNet file
    True
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

MODULE = os.path.join("meta_architectures", "center_net_meta_arch.py")


@dataclass(frozen=True)
class InstalledRestore:
    """What the installed copy's CenterNet restore does.

    Attributes:
        path: the ``center_net_meta_arch.py`` read.
        generation: :data:`~tfckpt.odapi.restore_rules.CURRENT` or ``LEGACY``; None when the code
            is neither (then today's behaviour is assumed and the finding says so).
    """

    path: str
    generation: Optional[str]


def _module_path() -> Optional[str]:
    """``object_detection/meta_architectures/center_net_meta_arch.py`` of the importable package,
    found without importing it."""
    try:
        spec = importlib.util.find_spec("object_detection")
    except (ImportError, ValueError):
        return None
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        candidate = os.path.join(folder, MODULE)
        if os.path.isfile(candidate):
            return candidate
    return None


@lru_cache(maxsize=None)
def _read(path: str, modified: float) -> InstalledRestore:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            source = handle.read()
    except OSError:
        return InstalledRestore(path, None)
    from tfckpt.odapi.restore_source import branch_targets, generation_of  # only with a copy installed

    return InstalledRestore(path, generation_of(branch_targets(source)))


def installed_restore() -> Optional[InstalledRestore]:
    """What the importable ``object_detection`` does; None when there is none (or it has no CenterNet)."""
    path = _module_path()
    if path is None:
        return None
    try:
        modified = os.path.getmtime(path)
    except OSError:
        return None
    return _read(path, modified)
