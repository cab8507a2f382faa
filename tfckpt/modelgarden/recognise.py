"""Recognise a TensorFlow Model Garden detection checkpoint (RetinaNet, Faster R-CNN, Mask R-CNN of
``official.vision``) from its variable names and shapes, and its object graph.

Both layouts are read the same way: a trainer checkpoint keys the model under its checkpoint items
(``backbone/...``, ``head/...``), a ``tf.train.Checkpoint(model=model)`` under ``model/_backbone/...``
or ``model/_config_dict/detection_head/...``; each key is first brought to ``(module, path in module)``.

- architecture: ``rpn_head`` means R-CNN (``mask_head`` makes it Mask R-CNN); a ``head`` with a
  ``_classifier`` and a ``_box_regressor`` is RetinaNet.
- class count (background included, as ``task.model.num_classes``): RetinaNet's classifier kernel
  ``[3, 3, 256, A * C]`` over its box regressor's ``[3, 3, 256, A * 4]``; R-CNN's
  ``detection_head`` classifier ``[1024, C]`` (the last stage of a cascade).
- backbone: ResNet only when its blocks match a ResNet spec exactly (block type and blocks per
  stage give ``model_id``); anything else is None, never guessed.
- decoder: FPN when the decoder holds only 1x1 lateral and 3x3 output convolutions of one width.

Example:
    >>> from tfckpt.checkpoint.summary import summarize_prefix
    >>> found = recognise_model_garden(summarize_prefix("runs/retinanet/ckpt-1000"))  # doctest: +SKIP
    >>> found.architecture, found.model_id, found.num_classes, found.aliases["head"]  # doctest: +SKIP
    ('retinanet', 50, 91, 'model')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, List, Mapping, Optional, Sequence, Tuple

from tfckpt.frameworks import MODEL_GARDEN, framework_of
from tfckpt.modelgarden.layouts import (ARCHITECTURE_LABELS, FASTER_RCNN, MASK_RCNN, MODEL_GARDEN_ITEMS,
                                        OPTIMIZER_TYPES, RESNET_DEPTHS, RETINANET, module_of)

if TYPE_CHECKING:
    from tfckpt.checkpoint.summary import CheckpointSummary

TRAINER, MODEL_ONLY = "trainer", "model-only"
_SUFFIX = "/.ATTRIBUTES/VARIABLE_VALUE"
_SLOT = "/.OPTIMIZER_SLOT/"
_LAYER_NUMBER = re.compile(r"(\d+)$")

Shape = Tuple[int, ...]


@dataclass(frozen=True)
class ModelGardenCheckpoint:
    """What a Model Garden detection checkpoint holds.

    Attributes:
        prefix: the checkpoint prefix (``model_dir/ckpt-1000``).
        layout: ``"trainer"`` (``global_step``, ``model``, ``optimizer`` and the model's checkpoint
            items) or ``"model-only"`` (``tf.train.Checkpoint(model=model)``).
        architecture: ``"retinanet"``, ``"faster_rcnn"`` or ``"mask_rcnn"``.
        backbone: ``"resnet"``, or None when not recognised (never guessed).
        model_id: the ResNet depth (50, 101, ...), None when unknown.
        decoder: ``"fpn"``, or None when not recognised.
        num_classes: classes including background, as ``task.model.num_classes`` counts them;
            None when the heads cannot be read.
        roots: the top-level roots (from the object graph when its data file is readable, else
            from the keys, where ``model`` of a trainer checkpoint does not show).
        aliases: root -> the root whose variables it shares (``{"backbone": "model", ...}``);
            empty when the object graph cannot be read (see ``notes``).
        optimizer: Model Garden's ``optimizer.type`` (``"sgd"``, ``"adam"``, ...), ``"unknown"``
            for state tfckpt cannot attribute, None when no optimizer was saved.
        global_step: the trainer's step (also the N of ``ckpt-N``); None in a model-only checkpoint.
        anchors_per_location: RetinaNet's anchors per feature-map location (scales x aspect ratios).
        cascade_stages: R-CNN detection head stages (1 unless cascade).
        notes: sentences for people: what could not be read, or what is unusual.
        optimizer_state: the optimizer as its saved state reads (``"momentum"`` for ``sgd`` with
            momentum slots; see :mod:`tfckpt.checkpoint.optimizer`).
    """

    prefix: str
    layout: str
    architecture: str
    backbone: Optional[str]
    model_id: Optional[int]
    decoder: Optional[str]
    num_classes: Optional[int]
    roots: Tuple[str, ...]
    aliases: Mapping[str, str]
    optimizer: Optional[str]
    global_step: Optional[int]
    anchors_per_location: Optional[int] = None
    cascade_stages: int = 1
    notes: Tuple[str, ...] = field(default=())
    optimizer_state: Optional[str] = None

    def describe(self, state_tensors: int = 0) -> List[str]:
        """Lines for people (``tfckpt inspect``): model, layout, optimizer, notes.

        Args:
            state_tensors: how many optimizer state tensors were saved, if known. Defaults to `0`.
        """
        backbone = f"ResNet-{self.model_id} backbone" if self.backbone == "resnet" else "backbone unknown"
        decoder = "FPN decoder" if self.decoder == "fpn" else "decoder unknown"
        classes = (f"{self.num_classes} classes (background included)" if self.num_classes is not None
                   else "class count unknown")
        name = ARCHITECTURE_LABELS.get(self.architecture, self.architecture)
        lines = [f"model: Model Garden {name}, {backbone}, {decoder}, {classes}"]
        if self.layout == TRAINER:
            step = f" (global_step {self.global_step})" if self.global_step is not None else ""
            layout = "trainer checkpoint" + step
        else:
            layout = "model only: tf.train.Checkpoint(model=model)"
        shared: Dict[str, List[str]] = {}
        for root, owner in self.aliases.items():
            shared.setdefault(owner, []).append(root)
        for owner, roots in sorted(shared.items()):
            layout += f"; {', '.join(sorted(roots))} share{'s' if len(roots) == 1 else ''} the variables of {owner}"
        lines.append(f"layout: {layout}")
        if self.optimizer:
            state = f", {state_tensors:,} state tensors" if state_tensors else ""
            lines.append(f"optimizer: {self.optimizer} ({self.optimizer_state or 'its'} state{state})")
        return lines + [f"note: {note}" for note in self.notes]

    def to_dict(self) -> dict:
        """JSON-ready fields (``roots`` as a list, ``aliases`` as an object)."""
        return {"layout": self.layout, "architecture": self.architecture, "backbone": self.backbone,
                "model_id": self.model_id, "decoder": self.decoder, "num_classes": self.num_classes,
                "roots": list(self.roots), "aliases": dict(self.aliases), "optimizer": self.optimizer,
                "global_step": self.global_step, "anchors_per_location": self.anchors_per_location,
                "cascade_stages": self.cascade_stages, "notes": list(self.notes)}


# --- keys -> modules ----------------------------------------------------------------------------


def model_modules(tensors: Sequence[Tuple[str, Shape, str]]) -> Dict[str, Dict[Tuple[str, ...], Shape]]:
    """The model's variables by module: ``{"backbone": {("layer_with_weights-0", "kernel"): (7, 7, 3, 64)}}``.

    Optimizer slots, bookkeeping roots and anything outside the known modules are left out.
    """
    modules: Dict[str, Dict[Tuple[str, ...], Shape]] = {}
    for name, shape, _ in tensors:
        if _SLOT in name or not name.endswith(_SUFFIX):
            continue
        found = module_of(name[: -len(_SUFFIX)])
        if found is not None:
            modules.setdefault(found[0], {})[tuple(found[1])] = tuple(shape)
    return modules


# --- the parts ----------------------------------------------------------------------------------


def _architecture(modules) -> Optional[str]:
    if "rpn_head" in modules and "detection_head" in modules:
        return MASK_RCNN if "mask_head" in modules else FASTER_RCNN
    head = {path[0] for path in modules.get("head", {})}
    if {"_classifier", "_box_regressor"} <= head:
        return RETINANET
    return None


def _layer_number(component: str) -> int:
    match = _LAYER_NUMBER.search(component)
    return int(match.group(1)) if match else -1


def _resnet(backbone: Mapping[Tuple[str, ...], Shape]) -> Optional[int]:
    """The ResNet ``model_id`` whose spec these blocks match exactly, else None."""
    blocks: Dict[str, Dict[str, Shape]] = {}
    for path, shape in backbone.items():
        if len(path) == 3 and path[1] in ("_conv1", "_conv2", "_conv3") and path[2] == "kernel":
            blocks.setdefault(path[0], {})[path[1]] = shape
    if not blocks:
        return None
    kinds, filters = set(), []
    for name in sorted(blocks, key=_layer_number):
        convs = blocks[name]
        kinds.add("bottleneck" if "_conv3" in convs else "residual" if "_conv2" in convs else "other")
        filters.append(convs["_conv1"][-1] if "_conv1" in convs and convs["_conv1"] else None)
    if len(kinds) != 1 or None in filters:
        return None
    stages: List[List[int]] = []
    for width in filters:
        if stages and stages[-1][0] == width:
            stages[-1][1] += 1
        elif stages and width < stages[-1][0]:
            return None  # widths only grow stage by stage in a ResNet
        else:
            stages.append([width, 1])
    return RESNET_DEPTHS.get((kinds.pop(), tuple(count for _, count in stages)))


def _decoder(decoder: Mapping[Tuple[str, ...], Shape]) -> Optional[str]:
    kernels = [shape for path, shape in decoder.items() if path[-1] == "kernel" and len(shape) == 4]
    widths = {shape[-1] for shape in kernels}
    if not kernels or len(widths) != 1:
        return None
    lateral = [s for s in kernels if s[:2] == (1, 1)]
    output = [s for s in kernels if s[:2] == (3, 3) and s[2] == s[3]]
    if len(lateral) + len(output) != len(kernels) or not lateral or not 0 <= len(output) - len(lateral) <= 3:
        return None
    return "fpn"


def _last_width(module: Mapping[Tuple[str, ...], Shape], layer: str, stage: Optional[str] = None) -> Optional[int]:
    for leaf in ("kernel", "pointwise_kernel"):
        for path, shape in module.items():
            if path[-2:] == (layer, leaf) and (stage is None or path[0] == stage) and shape:
                return shape[-1]
    return None


def _stages(detection_head) -> List[str]:
    return sorted({path[0] for path in detection_head if path[0].isdigit()}, key=int)


def _classes(architecture: str, modules, notes: List[str]) -> Tuple[Optional[int], Optional[int], int]:
    """``(num_classes, anchors per location, cascade stages)``."""
    if architecture == RETINANET:
        head = modules["head"]
        scores, boxes = _last_width(head, "_classifier"), _last_width(head, "_box_regressor")
        if not scores or not boxes or boxes % 4 or scores % (boxes // 4):
            notes.append("the class count cannot be read from the head's classifier and box regressor")
            return None, None, 1
        anchors = boxes // 4
        return scores // anchors, anchors, 1
    detection = modules["detection_head"]
    stages = _stages(detection)
    count = _last_width(detection, "_classifier", stages[-1] if stages else None)
    if count is None:
        notes.append("the class count cannot be read from detection_head's classifier")
    mask = _last_width(modules.get("mask_head", {}), "_mask_regressor")
    if count is not None and mask not in (None, 1, count):
        notes.append(f"mask_head predicts {mask} classes, detection_head {count}")
    if len(stages) > 1:
        notes.append(f"cascade detection head with {len(stages)} stages")
    return count, None, max(len(stages), 1)


# --- the whole ----------------------------------------------------------------------------------


def recognise_model_garden(summary: "CheckpointSummary") -> Optional[ModelGardenCheckpoint]:
    """What Model Garden detection model ``summary`` holds, or None when it is not one.

    Args:
        summary: a :class:`tfckpt.checkpoint.summary.CheckpointSummary` (from ``summarize_prefix``
            or ``inspect_path``): its ``tensors``, ``roots``, ``object_graph``, ``optimizer`` and
            ``step`` are used. Only the ``.index`` is needed; the object graph (in the data file)
            adds the ``model`` root and the aliases.

    Returns:
        A :class:`ModelGardenCheckpoint`; None for other frameworks, for a Model Garden model that
        is not one of the three detectors, and for unreadable or TF1 checkpoints.
    """
    if summary.kind is None or not summary.tensors:
        return None
    graph = getattr(summary, "object_graph", None)
    roots = tuple(graph.roots) if graph is not None else tuple(sorted(summary.roots))
    keys = [name for name, _, _ in summary.tensors]
    if framework_of(roots, keys) != MODEL_GARDEN:
        return None
    modules = model_modules(summary.tensors)
    architecture = _architecture(modules)
    if architecture is None:
        return None
    notes: List[str] = []
    layout = TRAINER if set(roots) & MODEL_GARDEN_ITEMS else MODEL_ONLY
    if graph is None:
        notes.append("the object graph (in the data file) cannot be read: roots are taken from the keys, "
                     "and which roots alias is unknown")
    model_id = _resnet(modules.get("backbone", {}))
    if model_id is None:
        notes.append("the backbone is not a ResNet tfckpt knows")
    decoder = _decoder(modules.get("decoder", {})) if "decoder" in modules else None
    num_classes, anchors, stages = _classes(architecture, modules, notes)
    return ModelGardenCheckpoint(
        prefix=summary.path, layout=layout, architecture=architecture,
        backbone="resnet" if model_id is not None else None, model_id=model_id, decoder=decoder,
        num_classes=num_classes, roots=roots, aliases=dict(graph.aliases) if graph is not None else {},
        optimizer=OPTIMIZER_TYPES.get(summary.optimizer, "unknown") if summary.optimizer else None,
        global_step=summary.step if "global_step" in roots else None,
        anchors_per_location=anchors, cascade_stages=stages, notes=tuple(notes), optimizer_state=summary.optimizer)
