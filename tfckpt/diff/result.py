"""The result of diffing two configs: one :class:`Change` per field path, and the restore they concern.

Example:
    >>> change = Change("model.ssd.num_classes", "changed", 90, 3, "90", "3", 3, 3,
    ...                 "heads-start-fresh", "the heads' widths follow num_classes")
    >>> change.to_dict()["b"], change.to_dict()["effect"]
    (3, 'heads-start-fresh')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple

from tfckpt.odapi.change_effects import EFFECTS

SCHEMA_VERSION = 1
KINDS = ("changed", "added", "removed", "oneof")


@dataclass(frozen=True)
class Change:
    """One difference between config A and config B.

    Attributes:
        path: the field path, e.g. ``"model.faster_rcnn.num_classes"``, ``"eval_input_reader[0].shuffle"``,
            ``"train_config.data_augmentation_options[ssd_random_crop]"``; for a oneof switch, the
            path of the message holding the oneof (``"train_config.optimizer"``).
        kind: ``"changed"`` (written in both), ``"added"`` (written only in B), ``"removed"``
            (written only in A), or ``"oneof"`` (another member of a oneof: the subtree below is
            not listed field by field).
        a: A's value as the OD API reads it (the default when A does not write the field; a dict
            of the values written, for a message; the member's name, for a oneof).
        b: B's value, the same way.
        a_text: A's value for people (``"V1 (default)"``, ``"momentum_optimizer {4 values}"``).
        b_text: B's value for people.
        a_line: the line in A; None when A does not write it.
        b_line: the line in B; None when B does not write it.
        effect: what the change does to restoring a checkpoint trained with A, one of
            :data:`tfckpt.odapi.change_effects.EFFECTS`.
        note: why, in a few words.
    """

    path: str
    kind: str
    a: object
    b: object
    a_text: str
    b_text: str
    a_line: Optional[int]
    b_line: Optional[int]
    effect: str = ""
    note: str = ""

    def to_dict(self) -> dict:
        """The JSON form: path, a, b, a_line, b_line, kind, effect, note."""
        return {"path": self.path, "a": self.a, "b": self.b, "a_line": self.a_line, "b_line": self.b_line,
                "kind": self.kind, "effect": self.effect, "note": self.note}


@dataclass(frozen=True)
class RestoreContext:
    """How a checkpoint trained with A would be restored under B.

    Attributes:
        kind: B's effective ``fine_tune_checkpoint_type`` (``"detection"``, ``"full"``, ...), or
            ``"resume"`` when B sets no ``fine_tune_checkpoint`` (then only a ``--model_dir``
            resume restores such a checkpoint).
        restored: the parts restored: ``"backbone"``, ``"heads"``, ``"optimizer"``.
        summary: one sentence for people.
        warnings: what will go wrong whatever the changes (a detection checkpoint restored as
            ``classification``).
    """

    kind: str
    restored: Tuple[str, ...]
    summary: str
    warnings: Tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"kind": self.kind, "restored": list(self.restored), "summary": self.summary,
                "warnings": list(self.warnings)}


@dataclass(frozen=True)
class ConfigDiff:
    """Every difference between two configs, in A's terms, worst effect first.

    Attributes:
        a: config A's file.
        b: config B's file.
        changes: the changes, worst effect first, then in the schema's field order.
        restore: how a checkpoint trained with A would be restored under B.
    """

    a: str
    b: str
    changes: Tuple[Change, ...]
    restore: RestoreContext = field(repr=False)

    @property
    def identical(self) -> bool:
        """True when the configs mean the same (formatting, comments, order and defaults aside)."""
        return not self.changes

    @property
    def exit_code(self) -> int:
        """As diff(1): 0 no differences, 1 differences."""
        return 0 if self.identical else 1

    def by_effect(self) -> Dict[str, Tuple[Change, ...]]:
        """The changes grouped by effect, worst first; effects with no change are left out."""
        groups = {effect: tuple(c for c in self.changes if c.effect == effect) for effect in EFFECTS}
        return {effect: changes for effect, changes in groups.items() if changes}

    def to_dict(self) -> dict:
        """The JSON form (``schema_version`` 1)."""
        return {"schema_version": SCHEMA_VERSION, "a": self.a, "b": self.b, "restore": self.restore.to_dict(),
                "changes": [change.to_dict() for change in self.changes]}
