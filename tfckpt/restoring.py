"""``tfckpt.restore``: load a checkpoint into a Keras model or ``tf.train.Checkpoint``-style
object, and say what will happen *before* anything is assigned. (The module is named
``restoring`` so that ``tfckpt.restore`` stays the function.)

TensorFlow's restore assigns most variables and then raises on the first shape mismatch,
leaving a half-restored model; ``expect_partial()`` silences what was left out. Here the
checkpoint's object graph is walked side by side with the target (by the same child names
TensorFlow uses), every pair is checked for shape and dtype, and only then, if all is well or
``allow_partial=True``, are values assigned.

Example:
    >>> report = tfckpt.restore(model, "runs/frcnn/ckpt-2", include=["model/_feature_extractor*"])  # doctest: +SKIP
    >>> print(report)  # doctest: +SKIP
    runs/frcnn/ckpt-2 -> Sequential: 4 matched, 0 missing, 3 unused, 0 shape mismatches; assigned
"""

from __future__ import annotations

import fnmatch
import os
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Optional, Sequence

from tfckpt.checkpoint.discover import discover
from tfckpt.checkpoint.index import OBJECT_GRAPH_KEY, read_index
from tfckpt.checkpoint.protos import TrackableObjectGraph
from tfckpt.checkpoint.shards import check_shards, read_string_scalar
from tfckpt.errors import CorruptCheckpointError, TfckptError

_SUFFIX = "/.ATTRIBUTES/VARIABLE_VALUE"
_SLOT = "/.OPTIMIZER_SLOT/"


class RestoreMismatchError(TfckptError, ValueError):
    """The checkpoint does not fit the target; nothing was assigned. ``.report`` says why."""

    def __init__(self, path: str, report: "RestoreReport") -> None:
        self.report = report
        super().__init__(path, report.problem_summary(),
                         "fix the model or pass include=/exclude= to leave those out, or allow_partial=True "
                         "to load what fits")


@dataclass
class RestoreReport:
    """What a restore matched, and what it could not: grouped by top-level module."""

    path: str
    target: str
    matched: list[tuple[str, str]] = field(default_factory=list)  # (object path, target path)
    missing: list[str] = field(default_factory=list)  # target variables the checkpoint lacks
    unused: list[str] = field(default_factory=list)  # checkpoint values nothing in the target takes
    mismatched: list[tuple[str, tuple, tuple, str]] = field(default_factory=list)  # path, saved, target, dtypes
    excluded: list[str] = field(default_factory=list)
    assigned: bool = False

    def problem_summary(self) -> str:
        parts = []
        if self.mismatched:
            path, saved, wanted, _ = self.mismatched[0]
            parts.append(f"{len(self.mismatched)} shape mismatch(es), e.g. {path} is {list(saved)} in the "
                         f"checkpoint but {list(wanted)} in the model")
        if self.missing:
            parts.append(f"{len(self.missing)} model variable(s) not in the checkpoint, e.g. {self.missing[0]}")
        return "; ".join(parts) + "; nothing was assigned"

    def by_module(self) -> dict[str, dict[str, int]]:
        """``{module: {"matched": n, "missing": n, "unused": n, "mismatched": n, "excluded": n}}``; the
        optimizer's slot variables (``.../.OPTIMIZER_SLOT/...``) count under ``optimizer``."""
        groups: dict[str, dict[str, int]] = defaultdict(lambda: {"matched": 0, "missing": 0, "unused": 0,
                                                                 "mismatched": 0, "excluded": 0})
        for key, _ in self.matched:
            groups[_module(key)]["matched"] += 1
        for path in self.missing:
            groups[_module(path)]["missing"] += 1
        for key in self.unused:
            groups[_module(key)]["unused"] += 1
        for key, *_ in self.mismatched:
            groups[_module(key)]["mismatched"] += 1
        for path in self.excluded:
            groups[_module(path)]["excluded"] += 1
        return dict(sorted(groups.items()))

    def to_dict(self) -> dict:
        return {"path": self.path, "target": self.target, "assigned": self.assigned,
                "matched": [{"checkpoint": k, "target": t} for k, t in self.matched],
                "missing": self.missing, "unused": self.unused, "excluded": self.excluded,
                "mismatched": [{"path": k, "checkpoint_shape": list(s), "target_shape": list(t), "dtypes": d}
                               for k, s, t, d in self.mismatched],
                "by_module": self.by_module()}

    def __str__(self) -> str:
        head = (f"{self.path} -> {self.target}: {len(self.matched)} matched, {len(self.missing)} missing, "
                f"{len(self.unused)} unused, {len(self.mismatched)} shape mismatches"
                + (f", {len(self.excluded)} excluded" if self.excluded else "")
                + ("; assigned" if self.assigned else "; nothing assigned"))
        lines = [head]
        for module, counts in self.by_module().items():
            shown = ", ".join(f"{n} {what}" for what, n in counts.items() if n)
            lines.append(f"  {module}: {shown}")
        for path, saved, wanted, dtypes in self.mismatched[:10]:
            lines.append(f"  ! {path}: checkpoint {list(saved)}, model {list(wanted)}{dtypes}")
        return "\n".join(lines)


def _short(key: str) -> str:
    return key[: -len(_SUFFIX)] if key.endswith(_SUFFIX) else key


def _module(path: str) -> str:
    """The top-level module of an object path: ``model/_feature_extractor/...`` ->
    ``model/_feature_extractor``; a Keras 3 layer ``model/_functional/_operations/3/...`` ->
    ``model/_operations/3``."""
    if _SLOT in path:
        return "optimizer"
    parts = _short(path).split("/")
    if parts[1:3] == ["_functional", "_operations"] and len(parts) > 3:
        return f"{parts[0]}/_operations/{parts[3]}"
    return "/".join(parts[:2]) if len(parts) > 2 else parts[0]


def _is_variable(obj) -> bool:
    return hasattr(obj, "assign") and hasattr(obj, "shape") and hasattr(obj, "dtype")


def _resolve_prefix(path: str) -> str:
    found = discover(os.fspath(path))
    if not found.prefixes:
        raise CorruptCheckpointError(path, "holds Keras weight files, not a TensorFlow checkpoint",
                                     "load .weights.h5 files with model.load_weights")
    return found.latest if found.latest in found.prefixes else found.prefixes[-1]


class _Walk:
    """Pairs checkpoint values with target variables by walking both graphs by child name."""

    def __init__(self, tf, nodes, report: RestoreReport) -> None:
        self.tf, self.nodes, self.report = tf, nodes, report
        self.pairs: list[tuple[str, object]] = []
        self.seen_nodes: set[int] = set()
        self.paired_variables: set[int] = set()
        self.paired_nodes: set[int] = set()

    def children(self, obj) -> dict:
        try:
            return dict(self.tf.train.TrackableView(obj).children(obj))
        except Exception:  # not trackable (a plain tensor, say): no children
            return {}

    def run(self, node_id: int, target, path: str, skip: frozenset = frozenset()) -> None:
        """Breadth-first from ``node_id``/``target`` along child names present on both sides,
        not entering children named in ``skip``. A node reached only where the target lacks
        that child stays unpaired (reported unused at the end), so another path can pair it."""
        queue = [(node_id, target, path)]
        while queue:
            node_id, obj, path = queue.pop(0)
            if node_id in self.seen_nodes:
                continue
            self.seen_nodes.add(node_id)
            node = self.nodes[node_id]
            for attribute in node.attributes:
                if attribute.name == "VARIABLE_VALUE" and _is_variable(obj):
                    self.pairs.append((attribute.checkpoint_key, obj, path))
                    self.paired_variables.add(id(obj))
                    self.paired_nodes.add(node_id)
            children = self.children(obj)
            for reference in node.children:
                child = children.get(reference.local_name)
                if child is not None and reference.local_name not in skip:
                    queue.append((reference.node_id, child, f"{path}/{reference.local_name}".lstrip("/")))

    def target_variables(self, root, prefix: str, skip: frozenset) -> list[tuple[str, object]]:
        """Every variable under ``root`` with its path of child names (first path wins), not
        entering children named in ``skip``."""
        found, seen, queue = [], set(), [(root, prefix)]
        while queue:
            obj, path = queue.pop(0)
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            if _is_variable(obj):
                found.append((path, obj))
                continue
            queue.extend((child, f"{path}/{name}".lstrip("/")) for name, child in self.children(obj).items()
                         if name not in skip)
        return found


def _start_node(nodes, target, tf, root: Optional[str]) -> tuple[int, str]:
    top = {reference.local_name: reference.node_id for reference in nodes[0].children}
    if root is not None:
        if root not in top:
            raise CorruptCheckpointError("", f"the checkpoint has no root {root!r}",
                                         f"its roots are: {', '.join(sorted(top))}")
        return top[root], root
    if isinstance(target, tf.train.Checkpoint):
        return 0, ""
    if "model" in top:
        return top["model"], "model"
    return 0, ""


def _selected(key: str, include: Optional[Sequence[str]], exclude: Optional[Sequence[str]]) -> bool:
    name = _short(key)
    if include and not any(fnmatch.fnmatchcase(name, pattern) for pattern in include):
        return False
    return not (exclude and any(fnmatch.fnmatchcase(name, pattern) for pattern in exclude))


def _check_include(prefix: str, include: Sequence[str], paths: list[str]) -> None:
    """Every ``include`` pattern must match a variable path of the checkpoint or the target."""
    for pattern in include:
        if not any(fnmatch.fnmatchcase(path, pattern) for path in paths):
            tops = sorted({_module(path) for path in paths})
            shown = ", ".join(tops[:12]) + (f", ... ({len(tops)} in all)" if len(tops) > 12 else "")
            raise TfckptError(prefix, f"include pattern {pattern!r} matches no variable of the checkpoint or of "
                                      f"the target", f"the top-level paths are: {shown}; patterns match whole "
                                                     "paths, so end a prefix with '*' (as in 'model/_box_head*')")


def restore(target, path, include: Optional[Iterable[str]] = None, exclude: Optional[Iterable[str]] = None,
            optimizer=None, allow_partial: bool = False, root: Optional[str] = None) -> RestoreReport:
    """Load ``path`` (a prefix, or a folder: its latest checkpoint) into ``target``.

    Args:
        target: a Keras model, or a ``tf.train.Checkpoint`` (matched against the checkpoint's
            root; a model is matched against its ``model`` root when there is one).
        path: checkpoint prefix or folder.
        include, exclude: glob patterns on object paths in the checkpoint (root name, then child
            names: ``model/_feature_extractor/...``; for OD API checkpoints the key without
            ``/.ATTRIBUTES/VARIABLE_VALUE``), e.g. ``["model/_feature_extractor*"]``.
        optimizer: an optimizer to fill from the checkpoint's ``optimizer`` root; optimizer
            state is restored only when given. Defaults to ``None``.
        allow_partial: assign what fits even if shapes differ or variables are missing.
            Defaults to ``False``: any mismatch raises and nothing is assigned.
        root: the checkpoint root to match ``target`` against. Defaults to automatic.

    Returns:
        The :class:`RestoreReport` (``print`` it, or ``.to_dict()``).

    Raises:
        RestoreMismatchError: shapes differ or variables are missing, and not ``allow_partial``.
        CheckpointNotFoundError, CorruptCheckpointError: the checkpoint cannot be used; also
            when its data files are missing or short (checked before anything is assigned).
        TfckptError: an ``include`` pattern matches no variable of the checkpoint or the target
            (the message lists the top-level paths there are).
    """
    from tfckpt.tensorflow_import import import_tensorflow

    tf = import_tensorflow("tfckpt.restore")
    include, exclude = list(include or []), list(exclude or [])
    prefix = _resolve_prefix(path)
    index = read_index(prefix)
    problems = [p for p in check_shards(index) if p.severity == "error"]
    if problems:
        raise CorruptCheckpointError(problems[0].file, problems[0].message, problems[0].fix)
    graph_bytes = read_string_scalar(index, OBJECT_GRAPH_KEY)
    if graph_bytes is None:
        raise CorruptCheckpointError(prefix, "not an object-based (TF2) checkpoint, or its object graph is damaged",
                                     "restore TF1 checkpoints by name with tf.compat.v1.train.Saver")
    nodes = TrackableObjectGraph.FromString(graph_bytes).nodes
    report = RestoreReport(path=prefix, target=type(target).__name__)
    walk = _Walk(tf, nodes, report)
    start, start_path = _start_node(nodes, target, tf, root)
    top = {reference.local_name: reference.node_id for reference in nodes[0].children}
    skip = frozenset() if optimizer is not None else frozenset({"optimizer"})  # only when asked
    walk.run(start, target, start_path, skip)
    if optimizer is not None and "optimizer" in top and start != 0:
        walk.run(top["optimizer"], optimizer, "optimizer")
    for node_id, node in enumerate(nodes):  # every saved value no target variable took is unused
        if node_id not in walk.paired_nodes:
            report.unused.extend(a.checkpoint_key for a in node.attributes if a.checkpoint_key != OBJECT_GRAPH_KEY)
    targets = walk.target_variables(target, start_path, skip)
    path_of = {id(v): p for p, v in targets}
    report.missing = [p for p, v in targets if id(v) not in walk.paired_variables]
    if include:  # a pattern that selects nothing is a typo, not a restore of nothing
        _check_include(prefix, include, [p for _, _, p in walk.pairs] + [_short(k) for k in report.unused]
                       + [p for p, _ in targets])
    chosen = []
    for key, variable, object_path in walk.pairs:
        if not _selected(object_path, include, exclude):
            report.excluded.append(object_path)
            continue
        entry = index.entries[key]
        saved, wanted = entry.shape, tuple(variable.shape)
        dtype = str(getattr(variable.dtype, "name", variable.dtype))  # Keras 3 variables give a string
        dtypes = "" if entry.dtype_name == dtype else f" ({entry.dtype_name} vs {dtype})"
        if saved != wanted or dtypes:
            report.mismatched.append((object_path, saved, wanted, dtypes))
        else:
            chosen.append((key, variable))
            report.matched.append((object_path, path_of.get(id(variable), "?")))
    if include or exclude:
        excluded_targets = {id(v) for _, v, p in walk.pairs if p in set(report.excluded)}
        report.missing = [p for p, v in targets if id(v) not in walk.paired_variables and id(v) not in excluded_targets]
        if include:  # variables outside the included part are not expected to be restored
            report.missing = []
    if (report.mismatched or report.missing) and not allow_partial:
        raise RestoreMismatchError(prefix, report)
    reader = tf.train.load_checkpoint(prefix)
    for key, variable in chosen:
        variable.assign(reader.get_tensor(key))
    report.assigned = True
    return report
