"""Which optimizer a checkpoint's state belongs to, from its slot variables.

Two layouts exist. Legacy Keras optimizers (the Object Detection API's) save each slot under
the variable it belongs to: ``<var>/.OPTIMIZER_SLOT/optimizer/momentum/...``. Keras 2.11+ and
Keras 3 optimizers save numbered ``optimizer/_variables/N``; their names, kept in the object
graph (``SGD/m/dense/kernel``, ``adam/dense_kernel_velocity``), tell the class.

Example:
    >>> kind_from_slot_names({"m", "v"})
    'adam'
"""

from __future__ import annotations

import re
from typing import Iterable

from tfckpt.checkpoint.index import OBJECT_GRAPH_KEY, CheckpointIndex
from tfckpt.checkpoint.protos import TrackableObjectGraph
from tfckpt.checkpoint.shards import read_string_scalar
from tfckpt.io.fs import FileSystem

SLOT_MARKER = "/.OPTIMIZER_SLOT/"
_NUMBERED_STATE = re.compile(r"^(?:.*/)?optimizer/_variables/\d+/")
_UNIQUIFIER = re.compile(r"_\d+$")

# slot names of the legacy optimizers -> optimizer kind (first match wins)
_LEGACY_SLOTS = (
    ({"m", "v"}, "adam"),
    ({"rms"}, "rmsprop"),
    ({"accum_grad", "accum_var"}, "adadelta"),
    ({"accumulator", "linear"}, "ftrl"),
    ({"accumulator"}, "adagrad"),
    ({"momentum"}, "momentum"),
)

# class-name prefixes of Keras 2.11+/3 optimizer variables, normalised -> kind
_CLASS_KINDS = {
    "sgd": "sgd", "adam": "adam", "adamw": "adamw", "nadam": "nadam", "adamax": "adamax",
    "rmsprop": "rmsprop", "adagrad": "adagrad", "adadelta": "adadelta", "ftrl": "ftrl",
    "lion": "lion", "adafactor": "adafactor", "lamb": "lamb", "lossscaleoptimizer": "loss_scale",
}


def slot_names(names: Iterable[str]) -> set[str]:
    """Slot names of the legacy layout (``momentum``, ``m``, ``v``, ``rms``, ...)."""
    slots = set()
    for name in names:
        position = name.find(SLOT_MARKER)
        if position >= 0:
            slots.add(name[position + len(SLOT_MARKER):].split("/.ATTRIBUTES")[0].rsplit("/", 1)[-1])
    return slots


def state_tensor_count(names: Iterable[str]) -> int:
    """How many per-variable state tensors (slots) the optimizer saved, in either layout."""
    return sum(1 for name in names if SLOT_MARKER in name or _NUMBERED_STATE.match(name))


def kind_from_slot_names(slots: set[str]) -> str:
    """The legacy optimizer that creates exactly these slots."""
    for required, kind in _LEGACY_SLOTS:
        if required <= slots:
            return kind
    return "unknown"


def _kind_from_variable_names(full_names: list[str]) -> str:
    """``sgd`` or ``momentum``, ``adam``, ... from Keras 2.11+/3 optimizer variable names."""
    # "sgd", "SGD", "rm_sprop", "adam_1" (the second optimizer made in a process) -> class key
    prefixes = {_UNIQUIFIER.sub("", name.split("/", 1)[0]).replace("_", "").lower()
                for name in full_names if "/" in name}
    for prefix in prefixes:
        kind = _CLASS_KINDS.get(prefix)
        if kind == "sgd":
            # Keras 3 makes momentum variables only when momentum > 0; Keras 2.11+ always makes
            # them ("SGD/m/..."), so its checkpoints cannot tell and say "sgd"
            return "momentum" if any(n.endswith("_momentum") for n in full_names) else "sgd"
        if kind:
            return kind
    return "unknown"


def _numbered_state_names(index: CheckpointIndex, fs: FileSystem | None) -> list[str]:
    graph_bytes = read_string_scalar(index, OBJECT_GRAPH_KEY, fs)
    if graph_bytes is None:
        return []
    try:
        graph = TrackableObjectGraph.FromString(graph_bytes)
    except Exception:  # a damaged graph only costs us the optimizer's name
        return []
    return [
        attribute.full_name
        for node in graph.nodes
        for attribute in node.attributes
        if _NUMBERED_STATE.match(attribute.checkpoint_key)
    ]


def optimizer_kind(index: CheckpointIndex, fs: FileSystem | None = None) -> str | None:
    """``"momentum"``, ``"adam"``, ``"rmsprop"``, ``"sgd"``, ... or None when no optimizer
    state was saved. ``"unknown"`` when there is state tfckpt cannot attribute."""
    names = index.entries.keys()
    slots = slot_names(names)
    if slots:
        return kind_from_slot_names(slots)
    numbered = [name for name in names if _NUMBERED_STATE.match(name)]
    if numbered:
        return _kind_from_variable_names(_numbered_state_names(index, fs))
    has_counter = any(
        name.startswith(("optimizer/iter/", "optimizer/_iterations/", "optimizer/iterations/")) for name in names
    )
    return "sgd" if has_counter else None
