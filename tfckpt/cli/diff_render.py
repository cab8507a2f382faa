"""Render a :class:`~tfckpt.diff.ConfigDiff` as text for people or JSON for programs.

Example:
    >>> print(render_text(diff_configs("a.config", "b.config")))  # doctest: +SKIP
    A  a.config
    B  b.config
    restore: B's fine_tune_checkpoint_type "detection" restores the feature extractor only
    ...
"""

from __future__ import annotations

import json
from typing import List

from tfckpt.diff import Change, ConfigDiff
from tfckpt.odapi.change_effects import EFFECTS, HARMLESS

ARROW = "\u2192"
ASCII_ARROW = "->"
_SAME = "(comments, formatting, field order and values written equal to their defaults do not count)"


def _where(change: Change) -> str:
    places = [f"{side}:{line}" for side, line in (("A", change.a_line), ("B", change.b_line)) if line is not None]
    return f"  [{' '.join(places)}]" if places else ""


def _change_lines(change: Change, arrow: str) -> List[str]:
    lines = [f"  {change.path}: {change.a_text} {arrow} {change.b_text}{_where(change)}"]
    if change.note and change.effect != HARMLESS:
        lines.append(f"      {change.note}")
    return lines


def render_text(diff: ConfigDiff, arrow: str = ARROW) -> str:
    """The human report (for stdout): the restore B would do, then the changes grouped by effect,
    worst first, each group in file order.

    Args:
        diff: the diff to show.
        arrow: what stands between A's value and B's. Defaults to ``"\u2192"``; pass ``"->"`` where
            the terminal cannot show it.
    """
    lines = [f"A  {diff.a}", f"B  {diff.b}"]
    if diff.identical:
        lines.append(f"no differences {_SAME}")
        return "\n".join(lines) + "\n"
    lines.append(f"restore: {diff.restore.summary}")
    lines += [f"warning: {warning}" for warning in diff.restore.warnings]
    count = len(diff.changes)
    lines.append(f"{count} difference{'s' if count != 1 else ''}, by what each does to that restore of a checkpoint "
                 "trained with A:")
    for effect, changes in diff.by_effect().items():
        lines += ["", f"{effect} ({len(changes)}): {EFFECTS[effect]}"]
        for change in changes:
            lines += _change_lines(change, arrow)
    return "\n".join(lines) + "\n"


def render_json(diff: ConfigDiff) -> str:
    """One JSON object (``schema_version`` 1) for stdout."""
    return json.dumps(diff.to_dict(), indent=2) + "\n"
