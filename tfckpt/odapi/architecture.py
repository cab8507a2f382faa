"""Recognise an Object Detection API (OD API) detection model from its checkpoint's variable shapes.

A TF2 OD API checkpoint keeps the detection model under the root ``model/``. The component after
``model/`` names the meta-architecture; entry counts and a few kernel shapes name the feature
extractor; the width of the last class-head layer gives the class count. The knowledge lives in
the tables of :mod:`tfckpt.odapi.signatures` (``META_ARCHITECTURES``, ``FEATURE_EXTRACTOR_RULES``,
``CLASS_HEAD_LAYOUTS``): a new family is one more row there, not new code.

Example:
    >>> key = "model/_prediction_head_dict/object_center/0/layer_with_weights-1/kernel"
    >>> summary = describe_model({key + "/.ATTRIBUTES/VARIABLE_VALUE": (1, 1, 256, 90)})
    >>> summary.meta_architecture, summary.num_classes
    ('center_net', 90)
    >>> describe_model({"step/.ATTRIBUTES/VARIABLE_VALUE": ()}) is None
    True

Paths in the tables are relative to ``model/`` and lack the ``/.ATTRIBUTES/VARIABLE_VALUE`` tail.
Optimizer slots (``/.OPTIMIZER_SLOT/``) and the other roots (``step``, ``save_counter``,
``optimizer``) are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Sequence

from tfckpt.odapi.signatures import (
    BACKBONE_ROOTS, CENTER_NET_DETECTION_TASKS, CENTER_NET_HEADS, CLASS_HEAD_LAYOUTS, FEATURE_EXTRACTOR_RULES,
    HEAD_ROOTS, META_ARCHITECTURES, NO_BACKGROUND_MARKERS, PRESENCE_NOTES, STEM, ClassHeadLayout,
    FeatureExtractorRule, ShapePattern)

_MODEL_ROOT = "model/"
_VALUE_SUFFIX = "/.ATTRIBUTES/VARIABLE_VALUE"
_SLOT_MARKER = "/.OPTIMIZER_SLOT/"
_LAYER_WITH_WEIGHTS = "layer_with_weights-"
_OUTPUT_KERNELS = frozenset({"kernel", "pointwise_kernel"})  # leaves whose last axis is a layer's output


@dataclass(frozen=True)
class ModelSummary:
    """What a checkpoint says about the OD API model it holds.

    Attributes:
        meta_architecture: ``"faster_rcnn"`` (Mask R-CNN included), ``"ssd"`` or ``"center_net"``;
            None when the checkpoint holds no OD API model.
        feature_extractor: the pipeline.config ``feature_extractor.type``, e.g.
            ``"faster_rcnn_inception_resnet_v2_keras"``; None when not recognised (a note says why).
        num_classes: classes without background, as in pipeline.config; None when the heads
            cannot be read (a note says why).
        notes: short sentences for people: what was not recognised, or what is unusual.
    """

    meta_architecture: str | None
    feature_extractor: str | None
    num_classes: int | None
    notes: tuple[str, ...] = ()


# --- Reading the checkpoint -------------------------------------------------------------------


@dataclass
class _ModelVariables:
    """The model variables of a checkpoint, gathered in one pass over its keys.

    Attributes:
        shapes: variable path (relative to ``model/``, no value suffix) -> shape.
        entry_counts: prefix of one or two path components -> number of variables under it.
        head_paths: paths of variables under the class/box head roots.
    """

    shapes: Dict[str, Sequence[int]] = field(default_factory=dict)
    entry_counts: Dict[str, int] = field(default_factory=dict)
    head_paths: List[str] = field(default_factory=list)

    def count(self, prefix: str) -> int:
        """Number of variables under ``prefix`` (one or two path components)."""
        return self.entry_counts.get(prefix, 0)

    def top_level(self) -> frozenset[str]:
        """The components right under ``model/``."""
        return frozenset(prefix for prefix in self.entry_counts if "/" not in prefix)


def _collect_model_variables(shapes: Mapping[str, Sequence[int]]) -> _ModelVariables:
    """Gathers the model variables of a checkpoint in one pass, skipping slots and other roots."""
    model = _ModelVariables()
    variables, counts, head_paths = model.shapes, model.entry_counts, model.head_paths
    root_length, suffix_length = len(_MODEL_ROOT), len(_VALUE_SUFFIX)
    for key, shape in shapes.items():
        if not key.startswith(_MODEL_ROOT) or _SLOT_MARKER in key:
            continue
        path = key[root_length:-suffix_length] if key.endswith(_VALUE_SUFFIX) else key[root_length:]
        variables[path] = shape
        first, _, rest = path.partition("/")
        counts[first] = counts.get(first, 0) + 1
        if rest:
            second = first + "/" + rest.partition("/")[0]
            counts[second] = counts.get(second, 0) + 1
        if first in HEAD_ROOTS:
            head_paths.append(path)
    return model


def _shape_matches(shape: Sequence[int] | None, pattern: ShapePattern) -> bool:
    """Whether ``shape`` has the pattern's rank and equals it wherever the pattern is not None."""
    if shape is None or len(shape) != len(pattern):
        return False
    return all(want is None or want == size for want, size in zip(pattern, shape))


def _layer_index(component: str) -> int | None:
    """The position of a layer in its list: ``"3"`` or ``"layer_with_weights-3"`` -> 3."""
    if component.startswith(_LAYER_WITH_WEIGHTS):
        component = component[len(_LAYER_WITH_WEIGHTS):]
    return int(component) if component.isdigit() else None


def _final_layer_widths(model: _ModelVariables) -> dict[str, int]:
    """Maps each head layer container to the output width of its last layer with a kernel."""
    latest: dict[str, tuple[int, int]] = {}
    for path in model.head_paths:
        layer_path, _, leaf = path.rpartition("/")
        if leaf not in _OUTPUT_KERNELS:
            continue
        container, _, layer = layer_path.rpartition("/")
        index = _layer_index(layer)
        shape = model.shapes[path]
        if index is None or not shape:
            continue
        if container not in latest or index > latest[container][0]:
            latest[container] = (index, int(shape[-1]))
    return {container: width for container, (_, width) in latest.items()}


def _containers_matching(pattern: str, widths: Mapping[str, int]) -> dict[str, int]:
    """Widths of the containers matching ``pattern``, keyed by what its ``*`` stood for."""
    if "*" not in pattern:
        return {"": widths[pattern]} if pattern in widths else {}
    prefix, _, suffix = pattern.partition("*")
    found = {}
    for container, width in widths.items():
        if container.startswith(prefix) and container.endswith(suffix):
            wildcard = container[len(prefix):len(container) - len(suffix)]
            if wildcard and "/" not in wildcard:
                found[wildcard] = width
    return found


# --- Meta-architecture and feature extractor --------------------------------------------------


def _meta_architecture(top_level: frozenset[str]) -> str | None:
    """The first meta-architecture whose marker components are all under ``model/``."""
    for name, alternatives in META_ARCHITECTURES:
        if any(markers <= top_level for markers in alternatives):
            return name
    return None


def _rule_matches(rule: FeatureExtractorRule, model: _ModelVariables) -> bool:
    """Whether every condition of ``rule`` holds for ``model``."""
    return (
        all(model.count(prefix) == expected for prefix, expected in rule.entry_counts)
        and all(_shape_matches(model.shapes.get(path), pattern) for path, pattern in rule.shapes)
        and all(model.count(prefix) > 0 for prefix in rule.present)
    )


def _format_shape(shape: Sequence[int]) -> str:
    return "[" + ", ".join(str(size) for size in shape) + "]"


def _unknown_backbone_note(meta_architecture: str, model: _ModelVariables) -> str:
    """Says what backbone was seen, for a feature extractor that no rule matched."""
    for prefix in BACKBONE_ROOTS.get(meta_architecture, ()):
        entries = model.count(prefix)
        if entries:
            stem = model.shapes.get(prefix + STEM)
            kernel = f" (first kernel {_format_shape(stem)})" if stem is not None else ""
            return f"backbone with {entries} entries under {prefix}{kernel} is not one tfckpt knows"
    return "no feature extractor variables found"


def _feature_extractor(meta_architecture: str, model: _ModelVariables, notes: list[str]) -> str | None:
    """The one feature extractor whose rule matches, else None with a note saying what was seen."""
    matches = [
        rule.feature_extractor
        for rule in FEATURE_EXTRACTOR_RULES
        if rule.meta_architecture == meta_architecture and _rule_matches(rule, model)
    ]
    if len(matches) == 1:
        return matches[0]
    if matches:
        notes.append("feature extractor is ambiguous: matches " + ", ".join(matches))
    else:
        notes.append(_unknown_backbone_note(meta_architecture, model))
    return None


# --- Class count ------------------------------------------------------------------------------


def _second_stage_classes(class_width: int, box_width: int | None, notes: list[str]) -> int | None:
    """Faster R-CNN: class head = classes + background; box head 4 per class, or 4 when shared."""
    num_classes = class_width - 1
    if num_classes < 1:
        notes.append(f"second-stage class head has {class_width} outputs: no class besides background")
        return None
    if box_width is None:
        notes.append("second-stage box head not found")
    elif box_width == 4 and num_classes != 1:
        notes.append("box head shared across classes (share_box_across_classes: true)")
    elif box_width != 4 * num_classes:
        notes.append(f"second-stage box head has {box_width} outputs: neither 4 (shared) "
                     f"nor 4 x {num_classes} classes")
    return num_classes


def _per_anchor_classes(where: str, class_width: int, box_width: int | None, background: int,
                        notes: list[str]) -> int | None:
    """SSD: class head = anchors x (classes + background), anchors = box head width / 4."""
    if box_width is None:
        notes.append(f"class head{where} has no matching box head to count anchors from")
        return None
    if box_width % 4 or box_width == 0:
        notes.append(f"box head{where} has {box_width} outputs, not 4 per anchor")
        return None
    anchors = box_width // 4
    if class_width % anchors:
        notes.append(f"class head{where} has {class_width} outputs, not a multiple of {anchors} anchors")
        return None
    num_classes = class_width // anchors - background
    if num_classes < 1:
        notes.append(f"class head{where} has {class_width} outputs: no room for a class")
        return None
    return num_classes


def _classes_from_layout(layout: ClassHeadLayout, class_widths: Mapping[str, int],
                         widths: Mapping[str, int], model: _ModelVariables, notes: list[str]) -> int | None:
    """Reads the class count from every matched head of ``layout``; all of them must agree."""
    box_widths = _containers_matching(layout.box_layers, widths) if layout.box_layers else {}
    background = 0 if any(model.count(marker) for marker in NO_BACKGROUND_MARKERS) else 1
    found: dict[str, int | None] = {}
    for wildcard, class_width in sorted(class_widths.items()):
        box_width = box_widths.get(wildcard)
        if layout.arithmetic == "second_stage":
            found[wildcard] = _second_stage_classes(class_width, box_width, notes)
        elif layout.arithmetic == "per_anchor":
            where = f" {wildcard}" if wildcard else ""
            found[wildcard] = _per_anchor_classes(where, class_width, box_width, background, notes)
        else:
            found[wildcard] = class_width
    values = set(found.values())
    if None in values:
        return None
    if len(values) > 1:
        readings = ", ".join(f"{wildcard}: {value}" for wildcard, value in found.items())
        notes.append(f"class heads under {layout.class_layers} disagree on the class count ({readings})")
        return None
    return values.pop()


def _num_classes(meta_architecture: str, model: _ModelVariables, notes: list[str]) -> int | None:
    """The class count (without background) from the first class-head layout found."""
    widths = _final_layer_widths(model)
    layouts = [layout for layout in CLASS_HEAD_LAYOUTS if layout.meta_architecture == meta_architecture]
    for layout in layouts:
        class_widths = _containers_matching(layout.class_layers, widths)
        if class_widths:
            return _classes_from_layout(layout, class_widths, widths, model, notes)
    looked_for = " or ".join(layout.class_layers for layout in layouts)
    notes.append(f"no class head found (looked for {looked_for})")
    return None


# --- Other notes ------------------------------------------------------------------------------


def _presence_notes(meta_architecture: str, model: _ModelVariables) -> list[str]:
    """Notes that the presence of a prefix alone justifies, e.g. Mask R-CNN heads."""
    return [note for meta, prefix, note in PRESENCE_NOTES
            if meta == meta_architecture and model.count(prefix)]


def _center_net_task_note(model: _ModelVariables) -> list[str]:
    """Names CenterNet heads other than the detection ones (keypoints, masks, ...)."""
    tasks = {path.split("/", 2)[1] for path in model.head_paths if path.startswith(CENTER_NET_HEADS + "/")}
    extra = sorted(tasks - CENTER_NET_DETECTION_TASKS)
    return ["CenterNet heads besides detection: " + ", ".join(extra)] if extra else []


# --- Public entry point -----------------------------------------------------------------------


def describe_model(shapes: Mapping[str, Sequence[int]]) -> ModelSummary | None:
    """Says which OD API model a checkpoint holds, from its variable names and shapes alone.

    Args:
        shapes: full checkpoint keys (``model/…/.ATTRIBUTES/VARIABLE_VALUE``) mapped to shapes.
            Optimizer slots and the ``step``, ``save_counter``, ``optimizer`` and
            ``_CHECKPOINTABLE_OBJECT_GRAPH`` entries may be present; they are ignored.

    Returns:
        A ``ModelSummary``, whose fields are None where the checkpoint does not tell (a note
        then says why); None when the checkpoint has no ``model/`` root that looks like an
        OD API detection model (e.g. a step-only ``ckpt-1`` or a plain Keras model).
    """
    model = _collect_model_variables(shapes)
    meta_architecture = _meta_architecture(model.top_level())
    if meta_architecture is None:
        return None
    notes: list[str] = []
    feature_extractor = _feature_extractor(meta_architecture, model, notes)
    num_classes = _num_classes(meta_architecture, model, notes)
    notes.extend(_presence_notes(meta_architecture, model))
    if meta_architecture == "center_net":
        notes.extend(_center_net_task_note(model))
    return ModelSummary(meta_architecture, feature_extractor, num_classes, tuple(notes))
