"""What the Object Detection API's models look like in a checkpoint, as data: one row per
feature extractor (entry counts and kernel shapes under ``model/``), the components that name a
meta-architecture, and where each meta-architecture keeps its class head. ``architecture.py``
reads a checkpoint against these tables; a new family is one more row here, not new code.

Paths are relative to ``model/`` and lack the ``/.ATTRIBUTES/VARIABLE_VALUE`` tail.

Example:
    >>> rule = next(r for r in FEATURE_EXTRACTOR_RULES if r.feature_extractor == "ssd_mobilenet_v2_keras")
    >>> rule.meta_architecture, rule.entry_counts
    ('ssd', (('_feature_extractor/classification_backbone', 260),))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional, Sequence, Tuple

Shape = Tuple[int, ...]
ShapePattern = Tuple[Optional[int], ...]  # None matches any size on that axis


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
class ClassHeadLayout:
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
META_ARCHITECTURES: tuple[tuple[str, tuple[frozenset[str], ...]], ...] = (
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
_CENTER_NET_UPSAMPLING = "_feature_extractor/_feature_extractor_model"
STEM = "/layer_with_weights-0/kernel"  # a Keras backbone's first convolution
_RESNET_STEM = (7, 7, 3, 64)
_INCEPTION_RESNET_STEM = (3, 3, 3, 32)


def _faster_rcnn(feature_extractor: str, entries: int, stem: Shape,
                 verified: bool = False) -> FeatureExtractorRule:
    """A Faster R-CNN row: entries under the proposal feature extractor, and its first kernel."""
    return _rule("faster_rcnn", feature_extractor, counts={_PROPOSAL: entries},
                 shapes={_PROPOSAL + STEM: stem}, verified=verified)


def _faster_rcnn_fpn(feature_extractor: str, entries: int,
                     verified: bool = False) -> FeatureExtractorRule:
    """A Faster R-CNN FPN row: a ResNet ``classification_backbone`` of ``entries`` plus an FPN."""
    return _rule("faster_rcnn", feature_extractor, counts={_PROPOSAL_BACKBONE: entries},
                 shapes={_PROPOSAL_BACKBONE + STEM: _RESNET_STEM}, present=(_PROPOSAL_FPN,),
                 verified=verified)


def _ssd(feature_extractor: str, entries: int, generator: str, stem: Shape | None = None,
         verified: bool = False) -> FeatureExtractorRule:
    """An SSD row: ``entries`` under classification_backbone, followed by ``generator``."""
    shapes = {_SSD_BACKBONE + STEM: stem} if stem is not None else None
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
          shapes={_CENTER_NET_RESNET + STEM: _RESNET_STEM}, verified=True),
    # the zoo's centernet_resnet101_v1_fpn config builds resnet_v2_101 (its own type says so)
    _rule("center_net", "resnet_v2_101", counts={_CENTER_NET_RESNET: 542, _CENTER_NET_UPSAMPLING: 36},
          shapes={_CENTER_NET_RESNET + STEM: _RESNET_STEM}, verified=True),
    _rule("center_net", "resnet_v1_50_fpn", counts={_CENTER_NET_RESNET: 318, _CENTER_NET_UPSAMPLING: 26},
          shapes={_CENTER_NET_RESNET + STEM: _RESNET_STEM}, verified=True),
)

# Where to look, in order, to describe a backbone that no rule matched.
BACKBONE_ROOTS: dict[str, tuple[str, ...]] = {
    "faster_rcnn": (_PROPOSAL_BACKBONE, _PROPOSAL),
    "ssd": (_EFFICIENTNET, _SSD_BACKBONE, "_feature_extractor"),
    "center_net": (_HOURGLASS, _CENTER_NET_RESNET, "_feature_extractor"),
}

_FRCNN_CLASS_LAYERS = "_mask_rcnn_box_predictor/_class_prediction_head/_class_predictor_layers"
_FRCNN_BOX_LAYERS = "_mask_rcnn_box_predictor/_box_prediction_head/_box_encoder_layers"
_SSD_HEADS = "_box_predictor/_prediction_heads"

# Class heads, tried in order; the first layout found in the checkpoint is used.
CLASS_HEAD_LAYOUTS: tuple[ClassHeadLayout, ...] = (
    ClassHeadLayout("faster_rcnn", _FRCNN_CLASS_LAYERS, _FRCNN_BOX_LAYERS, "second_stage"),
    # Convolutional SSD heads, one per feature level.
    ClassHeadLayout("ssd", _SSD_HEADS + "/class_predictions_with_background/*/_class_predictor_layers",
                    _SSD_HEADS + "/box_encodings/*/_box_encoder_layers", "per_anchor"),
    # Weight-shared SSD heads (RetinaNet-style FPN, FPN-lite, EfficientDet).
    ClassHeadLayout("ssd", _SSD_HEADS + "/class_predictions_with_background/_class_predictor_layers",
                    "_box_predictor/_box_prediction_head/_box_encoder_layers", "per_anchor"),
    ClassHeadLayout("center_net", "_prediction_head_dict/object_center/*", None, "heatmap"),
)

# Prefixes whose presence means the SSD class head has no background column (EfficientDet).
NO_BACKGROUND_MARKERS: tuple[str, ...] = (_BIFPN,)

# (meta-architecture, prefix, note): notes that a prefix's presence alone justifies.
PRESENCE_NOTES: tuple[tuple[str, str, str], ...] = (
    ("faster_rcnn", "_mask_rcnn_box_predictor/_third_stage_heads",
     "Mask R-CNN heads present (_mask_rcnn_box_predictor/_third_stage_heads)"),
    ("ssd", _BIFPN, "EfficientDet (BiFPN): the class head has no background class"),
)

CENTER_NET_HEADS = "_prediction_head_dict"
CENTER_NET_DETECTION_TASKS = frozenset({"object_center", "box.Soffset", "box.Sscale"})

HEAD_ROOTS = frozenset(
    path.split("/", 1)[0]
    for layout in CLASS_HEAD_LAYOUTS
    for path in (layout.class_layers, layout.box_layers)
    if path
)
