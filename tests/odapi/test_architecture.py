"""describe_model names the meta-architecture, feature extractor and class count of real OD API models.

The signatures are the model variables of 14 model-zoo configs built with the real OD API; the two
real checkpoints also hold optimizer slots, ``step`` and ``save_counter``.
"""

from __future__ import annotations

import dataclasses
import doctest
from pathlib import Path

import pytest

from tfckpt.odapi import architecture, signatures
from tfckpt.odapi.architecture import ModelSummary, describe_model
from tfckpt.odapi.signatures import FEATURE_EXTRACTOR_RULES

DATA = Path(__file__).resolve().parent.parent / "data" / "odapi"
SIGNATURES = DATA / "signatures"
SUFFIX = "/.ATTRIBUTES/VARIABLE_VALUE"
SHARED_BOX_NOTE = "box head shared across classes (share_box_across_classes: true)"

IRV2 = "frcnn_irv2_90cls_momentum"
SSD_MOBILENET = "ssd_mobilenet_v2_90cls"
FRCNN_HEADS = "model/_mask_rcnn_box_predictor"
FRCNN_CLASS_KERNEL = FRCNN_HEADS + "/_class_prediction_head/_class_predictor_layers/1/kernel" + SUFFIX
FRCNN_BOX_KERNEL = FRCNN_HEADS + "/_box_prediction_head/_box_encoder_layers/1/kernel" + SUFFIX
PROPOSAL_STEM = "model/_feature_extractor_for_proposal_features/layer_with_weights-0/kernel" + SUFFIX


def parse_shape(text: str) -> tuple[int, ...]:
    """``"[1, 1, 1088, 256]"`` -> ``(1, 1, 1088, 256)``; ``"[]"`` -> ``()``."""
    inner = text.strip().strip("[]").strip()
    return tuple(int(size) for size in inner.split(",")) if inner else ()


def load_shapes(path: Path) -> dict[str, tuple[int, ...]]:
    """Reads a ``name<TAB>shape`` file (with a header line) into a key -> shape dict."""
    lines = path.read_text().splitlines()
    assert lines[0] == "name\tshape"
    return {name: parse_shape(shape) for name, shape in (line.split("\t") for line in lines[1:] if line)}


def load_index() -> list[dict[str, str]]:
    """The rows of signatures/INDEX.tsv as dicts keyed by its header."""
    header, *rows = (SIGNATURES / "INDEX.tsv").read_text().splitlines()
    return [dict(zip(header.split("\t"), row.split("\t"))) for row in rows if row]


def signature(config: str) -> dict[str, tuple[int, ...]]:
    return load_shapes(SIGNATURES / f"{config}.tsv")


def real_checkpoint(name: str) -> dict[str, tuple[int, ...]]:
    return load_shapes(DATA / "real" / name / "variables.tsv")


INDEX_ROWS = load_index()


# --- Every real model ----------------------------------------------------------------------------


def test_index_lists_fourteen_configs_of_every_meta_architecture():
    assert len(INDEX_ROWS) == 14
    assert {row["meta_arch"] for row in INDEX_ROWS} == {"faster_rcnn", "ssd", "center_net"}
    assert all((SIGNATURES / f"{row['config']}.tsv").is_file() for row in INDEX_ROWS)


@pytest.mark.parametrize("row", INDEX_ROWS, ids=[row["config"] for row in INDEX_ROWS])
def test_zoo_signature_is_recognised(row):
    summary = describe_model(signature(row["config"]))
    assert summary is not None
    assert summary.meta_architecture == row["meta_arch"]
    assert summary.feature_extractor == row["feature_extractor"]
    assert summary.num_classes == int(row["num_classes"])


@pytest.mark.parametrize("name, meta_architecture, feature_extractor", [
    (IRV2, "faster_rcnn", "faster_rcnn_inception_resnet_v2_keras"),
    (SSD_MOBILENET, "ssd", "ssd_mobilenet_v2_keras"),
])
def test_real_checkpoint_with_optimizer_slots(name, meta_architecture, feature_extractor):
    shapes = real_checkpoint(name)
    assert any("/.OPTIMIZER_SLOT/" in key for key in shapes)
    assert {"step" + SUFFIX, "save_counter" + SUFFIX, "optimizer/iter" + SUFFIX} <= set(shapes)
    assert describe_model(shapes) == ModelSummary(meta_architecture, feature_extractor, 90, ())


@pytest.mark.parametrize("config, shared", [
    ("faster_rcnn_resnet50_v1_640x640_coco17_tpu-8", True),
    ("faster_rcnn_resnet101_v1_640x640_coco17_tpu-8", True),
    ("faster_rcnn_resnet50_v1_800x1333_coco17_gpu-8", False),
    ("faster_rcnn_resnet50_v1_fpn_640x640_coco17_tpu-8", False),
    ("mask_rcnn_inception_resnet_v2_1024x1024_coco17_gpu-8", False),
])
def test_zoo_shared_box_heads_are_noted(config, shared):
    assert (SHARED_BOX_NOTE in describe_model(signature(config)).notes) is shared


def test_mask_rcnn_is_faster_rcnn_with_a_note():
    summary = describe_model(signature("mask_rcnn_inception_resnet_v2_1024x1024_coco17_gpu-8"))
    assert summary.meta_architecture == "faster_rcnn"
    assert any("Mask R-CNN" in note for note in summary.notes)


def test_efficientdet_notes_missing_background():
    summary = describe_model(signature("ssd_efficientdet_d0_512x512_coco17_tpu-8"))
    assert any("no background" in note for note in summary.notes)


# --- Derived checkpoints -------------------------------------------------------------------------


def test_three_class_faster_rcnn_head_ignores_stale_slots():
    shapes = real_checkpoint(IRV2)
    shapes[FRCNN_CLASS_KERNEL] = (1536, 4)
    shapes[FRCNN_BOX_KERNEL] = (1536, 12)
    slot = FRCNN_CLASS_KERNEL[:-len(SUFFIX)] + "/.OPTIMIZER_SLOT/optimizer/momentum" + SUFFIX
    assert shapes[slot] == (1536, 91)  # the stale slot must not count
    summary = describe_model(shapes)
    assert (summary.feature_extractor, summary.num_classes, summary.notes) == (
        "faster_rcnn_inception_resnet_v2_keras", 3, ())


def test_shared_box_head_gives_a_note():
    shapes = real_checkpoint(IRV2)
    shapes[FRCNN_BOX_KERNEL] = (1536, 4)
    summary = describe_model(shapes)
    assert summary.num_classes == 90
    assert summary.notes == (SHARED_BOX_NOTE,)


def test_box_head_fitting_neither_layout_is_noted():
    shapes = real_checkpoint(IRV2)
    shapes[FRCNN_BOX_KERNEL] = (1536, 20)
    summary = describe_model(shapes)
    assert summary.num_classes == 90
    assert any("20 outputs" in note for note in summary.notes)


def test_resnet_stem_on_inception_resnet_counts_is_not_recognised():
    shapes = real_checkpoint(IRV2)
    shapes[PROPOSAL_STEM] = (7, 7, 3, 64)
    summary = describe_model(shapes)
    assert (summary.meta_architecture, summary.feature_extractor, summary.num_classes) == ("faster_rcnn", None, 90)
    assert summary.notes == ("backbone with 684 entries under _feature_extractor_for_proposal_features "
                             "(first kernel [7, 7, 3, 64]) is not one tfckpt knows",)


def test_inception_resnet_stem_on_resnet50_counts_is_not_recognised():
    shapes = signature("faster_rcnn_resnet50_v1_800x1333_coco17_gpu-8")
    shapes[PROPOSAL_STEM] = (3, 3, 3, 32)
    summary = describe_model(shapes)
    assert (summary.feature_extractor, summary.num_classes) == (None, 90)
    assert "215 entries" in summary.notes[0] and "[3, 3, 3, 32]" in summary.notes[0]


@pytest.mark.parametrize("source, prefix, meta_architecture", [
    (SSD_MOBILENET, "model/_feature_extractor/classification_backbone/", "ssd"),
    (IRV2, "model/_feature_extractor_for_proposal_features/", "faster_rcnn"),
    ("faster_rcnn_resnet50_v1_fpn_640x640_coco17_tpu-8",
     "model/_feature_extractor_for_proposal_features/classification_backbone/", "faster_rcnn"),
    ("ssd_efficientdet_d1_640x640_coco17_tpu-8", "model/_feature_extractor/_efficientnet/", "ssd"),
    ("centernet_hourglass104_512x512_coco17_tpu-8", "model/_feature_extractor/_network/", "center_net"),
])
def test_unknown_backbone_gives_a_note_and_keeps_the_rest(source, prefix, meta_architecture):
    shapes = real_checkpoint(source) if source in (IRV2, SSD_MOBILENET) else signature(source)
    model_keys = [key for key in shapes if key.startswith(prefix) and "/.OPTIMIZER_SLOT/" not in key]
    for key in sorted(model_keys)[-10:]:
        del shapes[key]
    summary = describe_model(shapes)
    assert (summary.meta_architecture, summary.feature_extractor, summary.num_classes) == (
        meta_architecture, None, 90)
    seen = f"backbone with {len(model_keys) - 10} entries under {prefix[len('model/'):-1]}"
    assert summary.notes[0].startswith(seen) and summary.notes[0].endswith("is not one tfckpt knows")


def test_efficientdet_with_unknown_head_width_is_not_recognised():
    shapes = signature("ssd_efficientdet_d0_512x512_coco17_tpu-8")
    key = "model/_box_predictor/_box_prediction_head/_box_encoder_layers/0/pointwise_kernel" + SUFFIX
    shapes[key] = (1, 1, 72, 36)
    summary = describe_model(shapes)
    assert (summary.feature_extractor, summary.num_classes) == (None, 90)


def test_three_class_ssd_conv_heads():
    shapes = real_checkpoint(SSD_MOBILENET)
    for key, shape in list(shapes.items()):
        if "/class_predictions_with_background/" in key and "/.OPTIMIZER_SLOT/" not in key:
            anchors = shape[-1] // 91
            shapes[key] = shape[:-1] + (anchors * 4,)
    assert describe_model(shapes).num_classes == 3


def test_ssd_head_that_does_not_divide_gives_none_and_a_note():
    shapes = real_checkpoint(SSD_MOBILENET)
    heads = "model/_box_predictor/_prediction_heads"
    class_kernel = heads + "/class_predictions_with_background/0/_class_predictor_layers/0/kernel" + SUFFIX
    shapes[class_kernel] = (1, 1, 576, 274)  # 3 anchors (box head 12) x 91 would be 273
    summary = describe_model(shapes)
    assert (summary.feature_extractor, summary.num_classes) == ("ssd_mobilenet_v2_keras", None)
    assert any("not a multiple of 3 anchors" in note for note in summary.notes)


def test_center_net_stacks_that_disagree_give_none_and_a_note():
    shapes = signature("centernet_hourglass104_512x512_coco17_tpu-8")
    shapes["model/_prediction_head_dict/object_center/1/layer_with_weights-1/kernel" + SUFFIX] = (1, 1, 256, 80)
    summary = describe_model(shapes)
    assert (summary.feature_extractor, summary.num_classes) == ("hourglass_104", None)
    assert any("disagree" in note for note in summary.notes)


def test_center_net_keypoint_heads_are_noted():
    shapes = signature("centernet_resnet50_v2_512x512_coco17_tpu-8")
    shapes["model/_prediction_head_dict/human_pose.Skeypoint_heatmap/0/layer_with_weights-1/kernel" + SUFFIX] = (
        1, 1, 256, 17)
    summary = describe_model(shapes)
    assert summary.num_classes == 90
    assert summary.notes == ("CenterNet heads besides detection: human_pose.Skeypoint_heatmap",)


def test_missing_class_head_gives_none_and_a_note():
    shapes = real_checkpoint(IRV2)
    del shapes[FRCNN_CLASS_KERNEL]
    summary = describe_model(shapes)
    assert (summary.feature_extractor, summary.num_classes) == ("faster_rcnn_inception_resnet_v2_keras", None)
    assert summary.notes[0].startswith("no class head found")


# --- Not an OD API model -------------------------------------------------------------------------


def test_step_only_checkpoint_is_not_a_model():
    shapes = {"step" + SUFFIX: (), "save_counter" + SUFFIX: (), "_CHECKPOINTABLE_OBJECT_GRAPH": ()}
    assert describe_model(shapes) is None


def test_plain_keras_model_is_not_a_detection_model():
    shapes = {
        "model/layer_with_weights-0/kernel" + SUFFIX: (4, 3),
        "model/layer_with_weights-0/bias" + SUFFIX: (3,),
        "model/layer_with_weights-0/kernel/.OPTIMIZER_SLOT/optimizer/momentum" + SUFFIX: (4, 3),
        "optimizer/iter" + SUFFIX: (),
        "step" + SUFFIX: (),
        "save_counter" + SUFFIX: (),
        "_CHECKPOINTABLE_OBJECT_GRAPH": (),
    }
    assert describe_model(shapes) is None


def test_slots_alone_do_not_make_a_model():
    shapes = {key: shape for key, shape in real_checkpoint(IRV2).items()
              if not key.startswith("model/") or "/.OPTIMIZER_SLOT/" in key}
    assert describe_model(shapes) is None


def test_empty_checkpoint_is_not_a_model():
    assert describe_model({}) is None


# --- The tables themselves -----------------------------------------------------------------------


def test_every_verified_rule_is_backed_by_a_zoo_signature():
    seen = {row["feature_extractor"] for row in INDEX_ROWS}
    verified = {rule.feature_extractor for rule in FEATURE_EXTRACTOR_RULES if rule.verified}
    assert verified == seen


def test_rules_name_each_feature_extractor_once_and_count_shallow_prefixes():
    names = [rule.feature_extractor for rule in FEATURE_EXTRACTOR_RULES]
    assert len(names) == len(set(names))
    for rule in FEATURE_EXTRACTOR_RULES:
        for prefix in [prefix for prefix, _ in rule.entry_counts] + list(rule.present):
            assert prefix.count("/") <= 1, (rule.feature_extractor, prefix)


def test_summary_is_frozen():
    summary = ModelSummary("ssd", None, 3)
    assert summary.notes == ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        summary.num_classes = 4  # type: ignore[misc]


def test_module_docstring_example_runs():
    assert doctest.testmod(architecture).failed == 0
    assert doctest.testmod(signatures).failed == 0
