"""Small helpers shared by the validate tests (not a conftest: pytest swaps modules of that name)."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Tuple, Union

SIGNATURES = Path(__file__).resolve().parents[1] / "data" / "odapi" / "signatures"
OBJECT_GRAPH = "_CHECKPOINTABLE_OBJECT_GRAPH"
VALUE = "/.ATTRIBUTES/VARIABLE_VALUE"
Spec = Union[Tuple[int, ...], int]  # a float32 shape (zeros), or an int64 scalar's value

CKPT2 = {"ckpt-1": "ckpt-2"}  # point the real fine-tune config at the checkpoint that holds a model
OK_INFO = [("info", "heads-start-fresh", "pipeline.config:3"), ("info", "optimizer-not-restored", "pipeline.config:64")]


def summary(report):
    """``(severity, id, file:line)`` of every finding, in report order."""
    return [(finding.severity, finding.id, finding.where) for finding in report.findings]


def only(report, finding_id):
    """The one finding with ``finding_id`` (fails if there are none or several)."""
    [finding] = [finding for finding in report.findings if finding.id == finding_id]
    return finding


def signature(config: str) -> Dict[str, Tuple[int, ...]]:
    """The model variables (name -> shape) the real OD API builds for a model-zoo config."""
    lines = (SIGNATURES / f"{config}.tsv").read_text().splitlines()[1:]
    shapes = {}
    for name, shape in (line.split("\t") for line in lines if line):
        inner = shape.strip("[]").strip()
        shapes[name] = tuple(int(size) for size in inner.split(",")) if inner else ()
    return shapes


def write_bundle(tf, prefix: Path, tensors: Dict[str, Spec], object_based: bool = True) -> Path:
    """A real checkpoint bundle (``.index`` + ``.data``) written by TensorFlow's ``SaveV2``.

    An empty ``_CHECKPOINTABLE_OBJECT_GRAPH`` string tensor makes it read as TF2 object-based (tfckpt
    reads the graph only for Keras 3 optimizer names); without it, it is a TF1 name-based save.
    """
    prefix.parent.mkdir(parents=True, exist_ok=True)
    names, values = [], []
    for name, spec in tensors.items():
        if name == OBJECT_GRAPH:
            continue
        names.append(name)
        values.append(tf.constant(spec, tf.int64) if isinstance(spec, int) else tf.zeros(spec, tf.float32))
    if object_based:
        names.insert(0, OBJECT_GRAPH)
        values.insert(0, tf.constant(b""))
    tf.raw_ops.SaveV2(prefix=str(prefix), tensor_names=names, shape_and_slices=[""] * len(names), tensors=values)
    return prefix
