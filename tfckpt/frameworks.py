"""Which framework wrote a TF2 checkpoint, from its top-level roots: the one place that tells them apart.

- Object Detection API (``model_main_tf2.py``): ``tf.train.Checkpoint(step=..., model=..., optimizer=...)``;
  its first save holds only ``step``.
- TensorFlow Model Garden (``official.vision``): ``global_step`` beside the model's checkpoint items
  (``backbone``, ``decoder``, ``head``; R-CNN adds ``rpn_head``, ``detection_head``, ``mask_head``)
  when written by its trainer; a plain ``Checkpoint(model=model)`` of one of its models has only
  ``model``, with a backbone and a head under it (``model/_backbone/...``, ``model/rpn_head/...``,
  ``model/_config_dict/detection_head/...``).
- Keras (``model.save_weights``, tfckpt's callbacks, ``Checkpoint(model=...)`` of any other model).

The knowledge is the table below; a new framework is one more rule.

Example:
    >>> framework_of(["global_step", "backbone", "decoder", "head", "model", "optimizer"])
    'modelgarden'
    >>> framework_of(["step", "model", "optimizer", "save_counter"])
    'odapi'
    >>> keys = ["model/_backbone/layer_with_weights-0/kernel", "model/_head/_classifier/kernel"]
    >>> framework_of(["model", "save_counter"], keys)
    'modelgarden'
    >>> framework_of(["model", "save_counter"], ["model/layer_with_weights-0/kernel"])
    'keras'
"""

from __future__ import annotations

from typing import Iterable, Optional

from tfckpt.modelgarden.layouts import HEAD_ITEMS, MODEL_GARDEN_ITEMS, module_of

ODAPI, MODEL_GARDEN, KERAS = "odapi", "modelgarden", "keras"
LABELS = {ODAPI: "Object Detection API", MODEL_GARDEN: "TensorFlow Model Garden", KERAS: "Keras"}

# roots that are never the model itself
BOOKKEEPING_ROOTS = frozenset({"step", "epoch", "save_counter", "optimizer", "global_step",
                               "_CHECKPOINTABLE_OBJECT_GRAPH"})


def _holds_model_garden_modules(keys: Iterable[str]) -> bool:
    """A ``backbone`` and a head under ``model/`` the way an official.vision model keeps them."""
    found = set()
    for key in keys:
        module = module_of(key) if key.startswith("model/") else None
        if module is not None:
            found.add(module[0])
            if "backbone" in found and found & HEAD_ITEMS:
                return True
    return False


def framework_of(roots: Iterable[str], keys: Iterable[str] = ()) -> Optional[str]:
    """``"odapi"``, ``"modelgarden"``, ``"keras"``, or None when the roots hold no model.

    Args:
        roots: the checkpoint's top-level roots (from the object graph when it can be read, else
            the first component of each key).
        keys: the checkpoint's keys, consulted only for a checkpoint whose sole model root is
            ``model`` (to tell a Model Garden model from any other Keras model). Defaults to none.
    """
    roots = set(roots)
    if "global_step" in roots and roots & MODEL_GARDEN_ITEMS:
        return MODEL_GARDEN
    if "step" in roots and not roots - BOOKKEEPING_ROOTS - {"model"}:
        return ODAPI  # model_main_tf2's saves (the first holds only `step`)
    if not roots - BOOKKEEPING_ROOTS:
        return None
    if roots - BOOKKEEPING_ROOTS == {"model"} and _holds_model_garden_modules(keys):
        return MODEL_GARDEN
    return KERAS


def identify_framework(summary) -> None:
    """Set ``summary.framework`` (and ``summary.model_garden`` for a Model Garden detector) from a
    :class:`~tfckpt.checkpoint.summary.CheckpointSummary` of a TF2 checkpoint; the OD API's model
    is already in ``summary.model``."""
    graph = summary.object_graph
    roots = graph.roots if graph is not None else summary.roots
    framework = framework_of(roots, (name for name, _, _ in summary.tensors))
    if framework == ODAPI and summary.model is None and "model" in roots:
        framework = KERAS  # a `step` beside a model that is no OD API detector
    summary.framework = framework
    if summary.framework == MODEL_GARDEN:
        from tfckpt.modelgarden.recognise import recognise_model_garden

        summary.model_garden = recognise_model_garden(summary)
