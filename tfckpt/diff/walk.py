"""Walk two parsed configs side by side and list what differs, field path by field path.

The comparison is by meaning, not by text: comments, formatting and the order of fields do not
count, and a field written with its default value equals a field left out (the OD API reads the
same value either way). A message written in one config only, with nothing inside that differs,
is one change: its presence alone can switch a feature on (``hard_example_miner {}``) -- except
for the blocks the OD API always reads whole (:data:`PRESENCE_IGNORED`).

- Scalars compare as the OD API reads them (``float`` fields as float32, so ``0.1`` equals
  ``0.10000000149``); a repeated scalar compares as one list.
- A oneof that switches member (``momentum_optimizer`` to ``adam_optimizer``) is one change at the
  path of the message holding it; the subtrees below are summarised, not listed.
- Repeated messages are paired by :mod:`tfckpt.diff.pairing`; preprocessing steps that stand in
  another order are one change.

The changes come without effects; :func:`tfckpt.diff.diff_configs` adds them.

Example:
    >>> from tfckpt.pipeline.parser import parse_text
    >>> a = parse_text("train_config { batch_size: 32 optimizer { momentum_optimizer {} } }")
    >>> b = parse_text("train_config {\\n  optimizer { adam_optimizer {} }\\n  batch_size: 8\\n}")
    >>> [(c.path, c.kind, c.a_text, c.b_text, c.b_line) for c in compare_configs(a, b)]
    [('train_config.batch_size', 'changed', '32', '8', 3), ('train_config.optimizer', 'oneof', \
'momentum_optimizer {}', 'adam_optimizer {}', 2)]
"""

from __future__ import annotations

from typing import List, Optional, Sequence

from tfckpt.diff.pairing import Pair, pair_elements, reordered
from tfckpt.diff.result import Change
from tfckpt.diff.values import (NOT_SET, absent_text, flatten, message_text, same_value, same_values, value_text,
                                values_text)
from tfckpt.pipeline.schema import FieldSpec, Schema, load_schema
from tfckpt.pipeline.tree import Field, Message


PRESENCE_IGNORED = frozenset({"train_config", "train_input_reader", "eval_config"})


def compare_configs(a: Message, b: Message, schema: Optional[Schema] = None) -> List[Change]:
    """Every difference between two parsed messages of the same type (usually two whole configs).

    Args:
        a: config A's tree (:func:`tfckpt.pipeline.parser.parse_text`).
        b: config B's tree, of the same message type.
        schema: the schema. Defaults to the one shipped with tfckpt.

    Returns:
        The changes in the schema's field order, each with ``effect`` and ``note`` empty.
    """
    return _Walker(schema or load_schema()).message(a, b, a.type_name, "")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _line(item: Optional[Field]) -> Optional[int]:
    return (item.line or None) if item is not None else None  # line 0: a default filled in (Model Garden)


class _Walker:
    def __init__(self, schema: Schema) -> None:
        self.schema = schema

    def message(self, a: Optional[Message], b: Optional[Message], type_name: str, path: str) -> List[Change]:
        """Changes inside one message; ``a`` or ``b`` is None when that config does not write it."""
        spec = self.schema.messages[type_name]
        changes: List[Change] = []
        done_oneofs = set()
        for field_spec in spec.fields.values():
            if field_spec.oneof:
                if field_spec.oneof not in done_oneofs:
                    done_oneofs.add(field_spec.oneof)
                    changes += self.oneof(a, b, field_spec.oneof, path)
                continue
            here = _join(path, field_spec.name)
            in_a = a.get_all(field_spec.name) if a is not None else ()
            in_b = b.get_all(field_spec.name) if b is not None else ()
            if not in_a and not in_b:
                continue
            if field_spec.repeated and field_spec.is_message:
                changes += self.repeated_messages(in_a, in_b, here)
            elif field_spec.repeated:
                changes += self.repeated_scalars(field_spec, in_a, in_b, here)
            elif field_spec.is_message:
                changes += self.submessage(field_spec, in_a[-1] if in_a else None, in_b[-1] if in_b else None, here)
            else:
                changes += self.scalar(field_spec, in_a[-1] if in_a else None, in_b[-1] if in_b else None, here)
        return changes

    def scalar(self, spec: FieldSpec, a: Optional[Field], b: Optional[Field], path: str) -> List[Change]:
        value_a = a.value if a is not None else spec.default
        value_b = b.value if b is not None else spec.default
        if same_value(spec, value_a, value_b):
            return []
        kind = "changed" if a is not None and b is not None else ("added" if a is None else "removed")
        text_a = value_text(spec, value_a) if a is not None else absent_text(spec)
        text_b = value_text(spec, value_b) if b is not None else absent_text(spec)
        return [Change(path, kind, value_a, value_b, text_a, text_b, _line(a), _line(b))]

    def repeated_scalars(self, spec: FieldSpec, a: Sequence[Field], b: Sequence[Field], path: str) -> List[Change]:
        values_a, values_b = [item.value for item in a], [item.value for item in b]
        if same_values(spec, values_a, values_b):
            return []
        kind = "added" if not a else ("removed" if not b else "changed")
        return [Change(path, kind, values_a, values_b, values_text(spec, values_a), values_text(spec, values_b),
                       _line(a[0] if a else None), _line(b[0] if b else None))]

    def submessage(self, spec: FieldSpec, a: Optional[Field], b: Optional[Field], path: str) -> List[Change]:
        inner = self.message(a.value if a else None, b.value if b else None, spec.type_name, path)
        if inner or (a is None) == (b is None) or path in PRESENCE_IGNORED:
            return inner
        return [self.presence(a, b, path)]

    def presence(self, a: Optional[Field], b: Optional[Field], path: str) -> Change:
        """A message (or an element of a repeated message) written in one config only."""
        kind = "added" if a is None else "removed"
        return Change(path, kind, flatten(a.value) if a else None, flatten(b.value) if b else None,
                      message_text(a.value) if a else NOT_SET, message_text(b.value) if b else NOT_SET,
                      _line(a), _line(b))

    def oneof(self, a: Optional[Message], b: Optional[Message], oneof: str, path: str) -> List[Change]:
        chosen_a = a.which_oneof(oneof) if a is not None else None
        chosen_b = b.which_oneof(oneof) if b is not None else None
        if chosen_a is None and chosen_b is None:
            return []
        if chosen_a is not None and chosen_b is not None and chosen_a.name == chosen_b.name:
            spec, here = chosen_a.spec, _join(path, chosen_a.name)
            if spec.is_message:
                return self.message(chosen_a.value, chosen_b.value, spec.type_name, here)
            return self.scalar(spec, chosen_a, chosen_b, here)
        kind = "added" if chosen_a is None else ("removed" if chosen_b is None else "oneof")
        return [Change(path or oneof, kind, chosen_a.name if chosen_a else None, chosen_b.name if chosen_b else None,
                       self.member_text(chosen_a), self.member_text(chosen_b), _line(chosen_a), _line(chosen_b),
                       note=f"oneof {oneof} switches member")]

    @staticmethod
    def member_text(member: Optional[Field]) -> str:
        if member is None:
            return NOT_SET
        if member.is_message:
            return f"{member.name} {message_text(member.value)}"
        return f"{member.name}: {value_text(member.spec, member.value)}"

    def repeated_messages(self, a: Sequence[Field], b: Sequence[Field], path: str) -> List[Change]:
        changes: List[Change] = []
        steps_a, steps_b = reordered(a, b, self.schema)
        if steps_a:
            changes.append(Change(path, "changed", list(steps_a), list(steps_b), "[" + ", ".join(steps_a) + "]",
                                  "[" + ", ".join(steps_b) + "]", _line(a[0]), _line(b[0]),
                                  note="the same steps in another order: they run in the order written"))
        for pair in pair_elements(a, b, self.schema):
            changes += self.element(pair, path + pair.label)
        return changes

    def element(self, pair: Pair, path: str) -> List[Change]:
        if pair.a is None or pair.b is None:
            return [self.presence(pair.a, pair.b, path)]
        if pair.step:  # a preprocessing step: compare inside it, under the path data_augmentation_options[step]
            step_a, step_b = pair.a.value.get(pair.step), pair.b.value.get(pair.step)
            return self.message(step_a.value, step_b.value, step_a.spec.type_name, path)
        return self.message(pair.a.value, pair.b.value, pair.a.spec.type_name, path)
