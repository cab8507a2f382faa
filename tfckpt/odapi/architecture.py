"""Recognise an Object Detection API (OD API) detection model from its checkpoint's variable shapes.

A TF2 OD API checkpoint keeps the detection model under the root ``model/``. The component after
``model/`` names the meta-architecture; entry counts and a few kernel shapes name the feature
extractor; the width of the last class-head layer gives the class count. The knowledge lives in
the tables below (``_META_ARCHITECTURES``, ``FEATURE_EXTRACTOR_RULES``, ``_CLASS_HEAD_LAYOUTS``):
a new family is one more row, not new code.

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
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

Shape = Tuple[int, ...]
ShapePattern = Tuple[Optional[int], ...]  # None matches any size on that axis

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


@dataclass(frozen=True)
class FeatureExtractorRule:
    """One feature extractor as its checkpoint shows it; every condition must hold.

    Attributes:
        meta_architecture: the meta-architecture the extractor belongs to.
        feature_extractor: the pipeline.config ``feature_extractor.type`` it stands for.
        entry_counts: ``(prefix, n)`` pairs: exactly ``n`` model variables under ``prefix``
            (a path of one or two components below ``model/``).
        shapes: ``(variable path, pattern)`` pairs: the variable exists and its shape matches.
        present: prefixes (one or two components) that must hold at least one variable.
        verified: True when a real OD API build of a model-zoo config showed these numbers
            (tests/data/odapi/signatures); False when derived from documented facts.
    """

    meta_architecture: str
    feature_extractor: str
    entry_counts: tuple[tuple[str, int], ...] = ()
    shapes: tuple[tuple[str, ShapePattern], ...] = ()
    present: tuple[str, ...] = ()
    verified: bool = False


@dataclass(frozen=True)
class _ClassHeadLayout:
    """Where a meta-architecture keeps its class head, and how its width encodes the class count.

    ``class_layers`` and ``box_layers`` are containers of layer lists (``…/<index>/kernel``); a
    ``*`` stands for one path component: an SSD feature level or a CenterNet hourglass stack.
    ``arithmetic`` is ``"second_stage"`` (width = classes + background; box head 4 per class or
    4 shared), ``"per_anchor"`` (width = anchors x (classes + background); anchors = box width / 4)
    or ``"heatmap"`` (width = classes).
    """

    meta_architecture: str
    class_layers: str
    box_layers: str | None
    arithmetic: str


def _rule(
    meta_architecture: str,
    feature_extractor: str,
    *,
    counts: Mapping[str, int] | None = None,
    shapes: Mapping[str, ShapePattern] | None = None,
    present: Sequence[str] = (),
    verified: bool = False,
) -> FeatureExtractorRule:
    """Builds a ``FeatureExtractorRule`` from dict literals, so each table row stays one line."""
    return FeatureExtractorRule(
        meta_architecture,
        feature_extractor,
        tuple((counts or {}).items()),
        tuple((shapes or {}).items()),
        tuple(present),
        verified,
    )


# --- Knowledge tables -------------------------------------------------------------------------

# Meta-architecture from the components right under ``model/``: any one set, wholly present, decides.
_META_ARCHITECTURES: tuple[tuple[str, tuple[frozenset[str], ...]], ...] = (
    ("faster_rcnn", (frozenset({"_feature_extractor_for_proposal_features"}),
                     frozenset({"_first_stage_box_predictor"}),
                     frozenset({"_first_stage_box_predictor_first_conv"}))),
    ("ssd", (frozenset({"_feature_extractor", "_box_predictor"}),)),
    ("center_net", (frozenset({"_prediction_head_dict"}),)),
)

_PROPOSAL = "_feature_extractor_for_proposal_features"
_PROPOSAL_BACKBONE = _PROPOSAL + "/classification_backbone"
_PROPOSAL_FPN = _PROPOSAL + "/fpn_features_generator"
_SSD_BACKBONE = "_feature_extractor/classification_backbone"
_SSD_FEATURE_MAPS = "_feature_extractor/feature_map_generator"
_SSD_FPN = "_feature_extractor/_fpn_features_generator"
_EFFICIENTNET = "_feature_extractor/_efficientnet"
_BIFPN = "_feature_extractor/_bifpn_stage"
_EFFICIENTDET_BOX_HEAD = "_box_predictor/_box_prediction_head/_box_encoder_layers/0/pointwise_kernel"
_HOURGLASS = "_feature_extractor/_network"
_CENTER_NET_RESNET = "_feature_extractor/_base_model"
_STEM = "/layer_with_weights-0/kernel"  # a Keras backbone's first convolution
_RESNET_STEM = (7, 7, 3, 64)
_INCEPTION_RESNET_STEM = (3, 3, 3, 32)


def _faster_rcnn(feature_extractor: str, entries: int, stem: Shape,
                 verified: bool = False) -> FeatureExtractorRule:
    """A Faster R-CNN row: entries under the proposal feature extractor, and its first kernel."""
    return _rule("faster_rcnn", feature_extractor, counts={_PROPOSAL: entries},
                 shapes={_PROPOSAL + _STEM: stem}, verified=verified)


def _faster_rcnn_fpn(feature_extractor: str, entries: int,
                     verified: bool = False) -> FeatureExtractorRule:
    """A Faster R-CNN FPN row: a ResNet ``classification_backbone`` of ``entries`` plus an FPN."""
    return _rule("faster_rcnn", feature_extractor, counts={_PROPOSAL_BACKBONE: entries},
                 shapes={_PROPOSAL_BACKBONE + _STEM: _RESNET_STEM}, present=(_PROPOSAL_FPN,),
                 verified=verified)


def _ssd(feature_extractor: str, entries: int, generator: str, stem: Shape | None = None,
         verified: bool = False) -> FeatureExtractorRule:
    """An SSD row: ``entries`` under classification_backbone, followed by ``generator``."""
    shapes = {_SSD_BACKBONE + _STEM: stem} if stem is not None else None
    return _rule("ssd", feature_extractor, counts={_SSD_BACKBONE: entries}, shapes=shapes,
                 present=(generator,), verified=verified)


def _efficientdet(variant: int, width: int, efficientnet_entries: int | None = None,
                  verified: bool = False) -> FeatureExtractorRule:
    """An EfficientDet row: BiFPN present, head width ``width``, EfficientNet entry count if known."""
    counts = {_EFFICIENTNET: efficientnet_entries} if efficientnet_entries is not None else None
    return _rule("ssd", f"ssd_efficientnet-b{variant}_bifpn_keras", counts=counts,
                 shapes={_EFFICIENTDET_BOX_HEAD: (1, 1, width, None)}, present=(_BIFPN,), verified=verified)


# Rows marked verified=True were seen in real OD API builds of model-zoo configs; the others follow
# the same layout with counts from FACTS (ResNet depth adds 255 entries per step, 17 blocks x 15).
FEATURE_EXTRACTOR_RULES: tuple[FeatureExtractorRule, ...] = (
    _faster_rcnn("faster_rcnn_inception_resnet_v2_keras", 684, _INCEPTION_RESNET_STEM, verified=True),
    _faster_rcnn("faster_rcnn_resnet50_keras", 215, _RESNET_STEM, verified=True),
    _faster_rcnn("faster_rcnn_resnet101_keras", 470, _RESNET_STEM, verified=True),
    _faster_rcnn("faster_rcnn_resnet152_keras", 725, _RESNET_STEM),
    _faster_rcnn_fpn("faster_rcnn_resnet50_fpn_keras", 265, verified=True),
    _faster_rcnn_fpn("faster_rcnn_resnet101_fpn_keras", 520),
    _faster_rcnn_fpn("faster_rcnn_resnet152_fpn_keras", 775),
    _ssd("ssd_mobilenet_v1_keras", 135, _SSD_FEATURE_MAPS),
    _ssd("ssd_mobilenet_v1_fpn_keras", 135, _SSD_FPN),
    _ssd("ssd_mobilenet_v2_keras", 260, _SSD_FEATURE_MAPS, verified=True),
    _ssd("ssd_mobilenet_v2_fpn_keras", 260, _SSD_FPN, verified=True),
    _ssd("ssd_resnet50_v1_fpn_keras", 265, _SSD_FPN, _RESNET_STEM, verified=True),
    _ssd("ssd_resnet101_v1_fpn_keras", 520, _SSD_FPN, _RESNET_STEM),
    _ssd("ssd_resnet152_v1_fpn_keras", 775, _SSD_FPN, _RESNET_STEM),
    _efficientdet(0, 64, efficientnet_entries=304, verified=True),
    _efficientdet(1, 88, efficientnet_entries=413, verified=True),
    _efficientdet(2, 112),
    _efficientdet(3, 160),
    _efficientdet(4, 224),
    _efficientdet(5, 288),
    _efficientdet(6, 384),  # EfficientDet D6 and D7 both use b6 with 384 BiFPN filters
    _rule("center_net", "hourglass_104", counts={_HOURGLASS: 800}, verified=True),
    _rule("center_net", "resnet_v2_50", counts={_CENTER_NET_RESNET: 270},
          shapes={_CENTER_NET_RESNET + _STEM: _RESNET_STEM}, verified=True),
)

# Where to look, in order, to describe a backbone that no rule matched.
_BACKBONE_ROOTS: dict[str, tuple[str, ...]] = {
    "faster_rcnn": (_PROPOSAL_BACKBONE, _PROPOSAL),
    "ssd": (_EFFICIENTNET, _SSD_BACKBONE, "_feature_extractor"),
    "center_net": (_HOURGLASS, _CENTER_NET_RESNET, "_feature_extractor"),
}

_FRCNN_CLASS_LAYERS = "_mask_rcnn_box_predictor/_class_prediction_head/_class_predictor_layers"
_FRCNN_BOX_LAYERS = "_mask_rcnn_box_predictor/_box_prediction_head/_box_encoder_layers"
_SSD_HEADS = "_box_predictor/_prediction_heads"

# Class heads, tried in order; the first layout found in the checkpoint is used.
_CLASS_HEAD_LAYOUTS: tuple[_ClassHeadLayout, ...] = (
    _ClassHeadLayout("faster_rcnn", _FRCNN_CLASS_LAYERS, _FRCNN_BOX_LAYERS, "second_stage"),
    # Convolutional SSD heads, one per feature level.
    _ClassHeadLayout("ssd", _SSD_HEADS + "/class_predictions_with_background/*/_class_predictor_layers",
                     _SSD_HEADS + "/box_encodings/*/_box_encoder_layers", "per_anchor"),
    # Weight-shared SSD heads (RetinaNet-style FPN, FPN-lite, EfficientDet).
    _ClassHeadLayout("ssd", _SSD_HEADS + "/class_predictions_with_background/_class_predictor_layers",
                     "_box_predictor/_box_prediction_head/_box_encoder_layers", "per_anchor"),
    _ClassHeadLayout("center_net", "_prediction_head_dict/object_center/*", None, "heatmap"),
)

# Prefixes whose presence means the SSD class head has no background column (EfficientDet).
_NO_BACKGROUND_MARKERS: tuple[str, ...] = (_BIFPN,)

# (meta-architecture, prefix, note): notes that a prefix's presence alone justifies.
_PRESENCE_NOTES: tuple[tuple[str, str, str], ...] = (
    ("faster_rcnn", "_mask_rcnn_box_predictor/_third_stage_heads",
     "Mask R-CNN heads present (_mask_rcnn_box_predictor/_third_stage_heads)"),
    ("ssd", _BIFPN, "EfficientDet (BiFPN): the class head has no background class"),
)

_CENTER_NET_HEADS = "_prediction_head_dict"
_CENTER_NET_DETECTION_TASKS = frozenset({"object_center", "box.Soffset", "box.Sscale"})

_HEAD_ROOTS = frozenset(
    path.split("/", 1)[0]
    for layout in _CLASS_HEAD_LAYOUTS
    for path in (layout.class_layers, layout.box_layers)
    if path
)


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
        if first in _HEAD_ROOTS:
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
    for name, alternatives in _META_ARCHITECTURES:
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
    for prefix in _BACKBONE_ROOTS.get(meta_architecture, ()):
        entries = model.count(prefix)
        if entries:
            stem = model.shapes.get(prefix + _STEM)
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


def _classes_from_layout(layout: _ClassHeadLayout, class_widths: Mapping[str, int],
                         widths: Mapping[str, int], model: _ModelVariables, notes: list[str]) -> int | None:
    """Reads the class count from every matched head of ``layout``; all of them must agree."""
    box_widths = _containers_matching(layout.box_layers, widths) if layout.box_layers else {}
    background = 0 if any(model.count(marker) for marker in _NO_BACKGROUND_MARKERS) else 1
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
    layouts = [layout for layout in _CLASS_HEAD_LAYOUTS if layout.meta_architecture == meta_architecture]
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
    return [note for meta, prefix, note in _PRESENCE_NOTES
            if meta == meta_architecture and model.count(prefix)]


def _center_net_task_note(model: _ModelVariables) -> list[str]:
    """Names CenterNet heads other than the detection ones (keypoints, masks, ...)."""
    tasks = {path.split("/", 2)[1] for path in model.head_paths if path.startswith(_CENTER_NET_HEADS + "/")}
    extra = sorted(tasks - _CENTER_NET_DETECTION_TASKS)
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
