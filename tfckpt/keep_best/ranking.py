"""Which scored checkpoints to keep: the best ``keep`` by the metric. Pure functions, no files.

Ties keep the earlier step, so a later checkpoint that only ties never replaces a kept one.
A NaN score is never kept.

Example:
    >>> kept, dropped = choose([Scored("ckpt-2", 1000, 0.3), Scored("ckpt-3", 2000, 0.5),
    ...                         Scored("ckpt-4", 3000, 0.4)], mode="max", keep=2)
    >>> [s.name for s in kept], [s.name for s in dropped]
    (['ckpt-4', 'ckpt-3'], ['ckpt-2'])
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MODES = ("max", "min")


@dataclass(frozen=True)
class Scored:
    """A checkpoint with its metric value."""

    name: str
    step: int
    value: float


def _key(scored: Scored, mode: str) -> tuple:
    return (-scored.value if mode == "max" else scored.value, scored.step, scored.name)


def choose(candidates: list[Scored], *, mode: str, keep: int) -> tuple[list[Scored], list[Scored]]:
    """Split ``candidates`` into the kept (worst first, best last, as TensorFlow's state file
    lists them) and the dropped."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}. Received: mode={mode!r}")
    ordered = sorted((c for c in candidates if not math.isnan(c.value)), key=lambda c: _key(c, mode))
    kept = ordered[:keep]
    dropped = ordered[keep:] + [c for c in candidates if math.isnan(c.value)]
    return kept[::-1], dropped
