"""Pair the elements of a repeated message field in two configs, so that like is compared with like.

How elements are paired depends on the message:

- a message that is one oneof and nothing else (``data_augmentation_options``: each element is one
  preprocessing step) pairs by the step: the first ``random_horizontal_flip`` of A with the first
  of B, wherever they stand; labels are ``[random_horizontal_flip]``, then ``[random_horizontal_flip#2]``;
- a map entry (fields ``key`` and ``value``) pairs by its key: ``[person]``;
- a message with a name field (:data:`KEY_FIELDS`, e.g. a CenterNet keypoint task) pairs by name;
- anything else (``eval_input_reader``, a manual learning-rate schedule) pairs by position: ``[0]``.

Example:
    >>> from tfckpt.pipeline.parser import parse_text
    >>> a = parse_text("train_config { data_augmentation_options { random_horizontal_flip {} } }")
    >>> b = parse_text('''train_config { data_augmentation_options { ssd_random_crop {} }
    ...                                 data_augmentation_options { random_horizontal_flip {} } }''')
    >>> steps = lambda root: root.get("train_config").value.get_all("data_augmentation_options")
    >>> from tfckpt.pipeline.schema import load_schema
    >>> [(p.label, p.a is not None, p.b is not None) for p in pair_elements(steps(a), steps(b), load_schema())]
    [('[ssd_random_crop]', False, True), ('[random_horizontal_flip]', True, True)]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from tfckpt.pipeline.schema import MessageSpec, Schema
from tfckpt.pipeline.tree import Field

KEY_FIELDS: Dict[str, str] = {  # message type -> the field that names an element
    "CenterNet.KeypointEstimation": "task_name",
}


@dataclass(frozen=True)
class Pair:
    """One element of A and its counterpart in B (either may be None), and the label for its path.

    Attributes:
        label: ``[0]``, ``[person]`` or ``[ssd_random_crop]``, appended to the field's path.
        a: the element in A; None when only B has it.
        b: the element in B; None when only A has it.
        step: for a one-oneof message, the member both elements set (compare inside it); ``""``.
    """

    label: str
    a: Optional[Field]
    b: Optional[Field]
    step: str = ""


def pairing_key(spec: MessageSpec) -> str:
    """How elements of message ``spec`` pair: ``"oneof"``, ``"key"``, a field name, or ``"index"``."""
    if spec.oneofs and len(spec.oneofs) == 1 and all(field.oneof for field in spec.fields.values()):
        return "oneof"
    if set(spec.fields) == {"key", "value"}:
        return "key"
    return KEY_FIELDS.get(spec.name, "index")


def _element_key(element: Field, how: str) -> str:
    message = element.value
    if how == "oneof":
        chosen = next(iter(message.fields), None)
        return chosen.name if chosen is not None else ""
    field = message.get(how)
    return str(field.value) if field is not None else ""


def _keyed(elements: Sequence[Field], how: str) -> List[Tuple[str, Field]]:
    """Each element with its unique label: the key, then ``key#2``, ``key#3`` for repeats."""
    seen: Dict[str, int] = {}
    labelled = []
    for element in elements:
        key = _element_key(element, how)
        seen[key] = seen.get(key, 0) + 1
        labelled.append((key if seen[key] == 1 else f"{key}#{seen[key]}", element))
    return labelled


def pair_elements(a: Sequence[Field], b: Sequence[Field], schema: Schema) -> List[Pair]:
    """Pair the occurrences ``a`` and ``b`` of one repeated message field (see the module doc).

    Returns:
        Pairs in B's order, then the elements only A has, in A's order.
    """
    if not a and not b:
        return []
    how = pairing_key(schema.messages[(a or b)[0].spec.type_name])
    if how == "index":
        return [Pair(f"[{i}]", a[i] if i < len(a) else None, b[i] if i < len(b) else None)
                for i in range(max(len(a), len(b)))]
    in_a = dict(_keyed(a, how))
    pairs = []
    for label, element in _keyed(b, how):
        step = label.split("#")[0] if how == "oneof" else ""
        pairs.append(Pair(f"[{label}]", in_a.pop(label, None), element, step))
    pairs += [Pair(f"[{label}]", element, None, label.split("#")[0] if how == "oneof" else "")
              for label, element in in_a.items()]
    return pairs


def reordered(a: Sequence[Field], b: Sequence[Field], schema: Schema) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """For one-oneof elements (whose order is the order they run in): the steps of A and of B in
    the order written when the steps both have stand in another order; ``((), ())`` otherwise."""
    if not a or not b or pairing_key(schema.messages[a[0].spec.type_name]) != "oneof":
        return (), ()
    labels_a, labels_b = [label for label, _ in _keyed(a, "oneof")], [label for label, _ in _keyed(b, "oneof")]
    common = set(labels_a) & set(labels_b)
    if [x for x in labels_a if x in common] == [x for x in labels_b if x in common]:
        return (), ()
    return tuple(labels_a), tuple(labels_b)
