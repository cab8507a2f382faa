"""Real configs (the ones that trained the checkpoints in tests/data/odapi) and configs in the style
of every TF2 model-zoo family parse with no error and give the right typed values."""

from __future__ import annotations

from pathlib import Path

import pytest

from tfckpt.pipeline import check_num_classes, load_label_map, load_pipeline_config

DATA = Path(__file__).resolve().parents[1] / "data" / "pipeline"
REAL, VALID = DATA / "real", DATA / "valid"
CONFIGS = sorted(REAL.glob("*.config")) + sorted(VALID.glob("*.config"))
LABEL_MAPS = sorted(REAL.glob("*.pbtxt")) + sorted(VALID.glob("*.pbtxt"))

FRCNN_IRV2 = {
    "meta_architecture": ("faster_rcnn", 2), "num_classes": (90, 3),
    "feature_extractor_type": ("faster_rcnn_inception_resnet_v2_keras", 12),
    "image_resizer": ("keep_aspect_ratio_resizer", 5), "pad_to_max_dimension": (True, 8),
    "first_stage_max_proposals": (32, 29), "second_stage_batch_size": (32, 30),
    "fine_tune_checkpoint": ("", None), "fine_tune_checkpoint_type": ("", None),
    "fine_tune_checkpoint_version": ("V1", None), "run_fine_tune_checkpoint_dummy_computation": (True, None),
    "optimizer": ("momentum_optimizer", 64), "learning_rate": ("cosine_decay_learning_rate", 66),
    "batch_size": (1, 61), "num_steps": (100000, 62),
    "train_input_paths": [("data/train.tfrecord", 85)], "eval_input_paths": [("data/train.tfrecord", 92)],
    "label_map_paths": [("data/label_map_90.pbtxt", 84), ("data/label_map_90.pbtxt", 89)],
}
EXPECTED = {
    "frcnn_irv2_90cls_momentum.config": FRCNN_IRV2,
    "finetune_frcnn_irv2_3cls_momentum.config": {
        **FRCNN_IRV2, "num_classes": (3, 3),
        "fine_tune_checkpoint": ("ckpts/frcnn_irv2_90cls_momentum/ckpt-1", 78),
        "fine_tune_checkpoint_type": ("detection", 79), "fine_tune_checkpoint_version": ("V2", 80),
        "train_input_paths": [("data/train.tfrecord", 88)], "eval_input_paths": [("data/train.tfrecord", 95)],
        "label_map_paths": [("data/label_map_3.pbtxt", 87), ("data/label_map_3.pbtxt", 92)],
    },
    "ssd_mobilenet_v2_90cls.config": {
        "meta_architecture": ("ssd", 2), "num_classes": (90, 3),
        "feature_extractor_type": ("ssd_mobilenet_v2_keras", 6),
        "image_resizer": ("fixed_shape_resizer", 4), "pad_to_max_dimension": None,
        "first_stage_max_proposals": None, "second_stage_batch_size": None,
        "fine_tune_checkpoint_version": ("V1", None), "optimizer": ("momentum_optimizer", 68),
        "learning_rate": ("cosine_decay_learning_rate", 70), "batch_size": (1, 65),
    },
    "ssd_mobilenet_v2_fpnlite_640.config": {
        "meta_architecture": ("ssd", 4), "num_classes": (5, 5),
        "feature_extractor_type": ("ssd_mobilenet_v2_fpn_keras", 13),
        "image_resizer": ("fixed_shape_resizer", 7), "pad_to_max_dimension": None,
        "fine_tune_checkpoint": ("pretrained/ssd_mobilenet_v2_fpnlite_640x640/checkpoint/ckpt-0", 95),
        "fine_tune_checkpoint_type": ("detection", 96), "fine_tune_checkpoint_version": ("V2", 94),
        "optimizer": ("momentum_optimizer", 114), "learning_rate": ("cosine_decay_learning_rate", 116),
        "batch_size": (16, 97), "num_steps": (50000, 101),
        "train_input_paths": [("annotations/train-?????-of-00010.record", 134)],
        "eval_input_paths": [("annotations/val.record", 148)],
        "label_map_paths": [("annotations/label_map.pbtxt", 132), ("annotations/label_map.pbtxt", 144)],
    },
    "ssd_efficientdet_d1_640.config": {
        "meta_architecture": ("ssd", 3), "num_classes": (90, 6),
        "feature_extractor_type": ("ssd_efficientnet-b1_bifpn_keras", 77),
        "image_resizer": ("keep_aspect_ratio_resizer", 41), "pad_to_max_dimension": (True, 44),
        "fine_tune_checkpoint": ("efficientnet_b1/ckpt-0", 134),
        "fine_tune_checkpoint_type": ("classification", 136), "fine_tune_checkpoint_version": ("V2", 135),
        "optimizer": ("momentum_optimizer", 155), "learning_rate": ("cosine_decay_learning_rate", 157),
        "batch_size": (128, 137), "num_steps": (300000, 142),
    },
    "centernet_hourglass104_512.config": {
        "meta_architecture": ("center_net", 3), "num_classes": (90, 4), "feature_extractor_type": ("hourglass_104", 6),
        "image_resizer": ("keep_aspect_ratio_resizer", 12), "pad_to_max_dimension": (True, 15),
        "first_stage_max_proposals": None, "second_stage_batch_size": None,
        "fine_tune_checkpoint": ("hourglass104/extremenet/ckpt-1", 95),
        "fine_tune_checkpoint_type": ("fine_tune", 96), "fine_tune_checkpoint_version": ("V2", 94),
        "optimizer": ("adam_optimizer", 78), "learning_rate": ("cosine_decay_learning_rate", 81),
        "batch_size": (128, 42), "num_steps": (140000, 43),
        "train_input_paths": [("coco/train2017-?????-of-00256.tfrecord", 102)],
        "eval_input_paths": [("coco/val2017-?????-of-00032.tfrecord", 117)],
        "label_map_paths": [("coco/label_map.txt", 100), ("coco/label_map.txt", 113)],
    },
    "centernet_resnet50_keypoints_512.config": {
        "meta_architecture": ("center_net", 4), "num_classes": (1, 5), "feature_extractor_type": ("resnet_v2_50", 7),
        "image_resizer": ("keep_aspect_ratio_resizer", 10), "pad_to_max_dimension": (True, 13),
        "optimizer": ("adam_optimizer", 97), "learning_rate": ("manual_step_learning_rate", 100),
        "fine_tune_checkpoint_type": ("classification", 120), "batch_size": (128, 75), "num_steps": (250000, 76),
    },
    "faster_rcnn_resnet50_v1_640_tpu.config": {
        "meta_architecture": ("faster_rcnn", 4), "num_classes": (12, 5),
        "feature_extractor_type": ("faster_rcnn_resnet50_keras", 13), "image_resizer": ("fixed_shape_resizer", 7),
        "pad_to_max_dimension": None, "first_stage_max_proposals": (300, 39), "second_stage_batch_size": (64, None),
        "optimizer": ("momentum_optimizer", 93), "learning_rate": ("cosine_decay_learning_rate", 95),
        "batch_size": (64, 87), "num_steps": (25000, 91), "fine_tune_checkpoint_type": ("classification", 108),
        "fine_tune_checkpoint_version": ("V2", 106), "run_fine_tune_checkpoint_dummy_computation": (True, None),
    },
    "mask_rcnn_inception_resnet_v2_1024.config": {
        "meta_architecture": ("faster_rcnn", 4), "num_classes": (90, 6),
        "feature_extractor_type": ("faster_rcnn_inception_resnet_v2_keras", 14),
        "first_stage_max_proposals": (300, 31), "second_stage_batch_size": (64, None),
        "fine_tune_checkpoint": ("inception_resnet_v2/ckpt-0", 93), "batch_size": (64, 75),
        "train_input_paths": [("coco/train2017-?????-of-00256.tfrecord", 106)],
        "eval_input_paths": [("coco/val2017-?????-of-00032.tfrecord", 126), ("holdout/a.tfrecord", 138),
                             ("holdout/b-*.tfrecord", 138)],
        "label_map_paths": [("coco/label_map.txt", 104), ("coco/label_map.txt", 122), ("coco/label_map.txt", 134)],
    },
    "ssd_mobilenet_v1_rmsprop_quantized.config": {
        "meta_architecture": ("ssd", 7), "num_classes": (37, 8), "feature_extractor_type": ("ssd_mobilenet_v1", 82),
        "image_resizer": ("fixed_shape_resizer", 43), "pad_to_max_dimension": None,
        "optimizer": ("rms_prop_optimizer", 127), "learning_rate": ("exponential_decay_learning_rate", 129),
        "fine_tune_checkpoint": ("ssd_mobilenet_v1_coco/model.ckpt", 140), "fine_tune_checkpoint_type": ("", None),
        "fine_tune_checkpoint_version": ("V1", None), "batch_size": (24, 125), "num_steps": (200000, 144),
        "train_input_paths": [("pets/pet_faces_train.record-?????-of-00010", 157)],
        "eval_input_paths": [("pets/pet_faces_val.record-?????-of-00010", 169)],
        "label_map_paths": [("pets/pet_label_map.pbtxt", 159), ("pets/pet_label_map.pbtxt", 171)],
    },
}


def test_every_config_has_expectations():
    assert sorted(path.name for path in CONFIGS) == sorted(EXPECTED)


@pytest.mark.parametrize("path", CONFIGS, ids=lambda path: path.name)
def test_config_parses_to_expected_values(path):
    config = load_pipeline_config(path)
    assert config.file == str(path)
    for name, expected in EXPECTED[path.name].items():
        value = getattr(config, name)
        if expected is None:
            assert value is None, name
        elif isinstance(expected, list):
            assert [(item.value, item.line) for item in value] == expected, name
        else:
            assert (value.value, value.line) == expected, name
            assert value.is_set == (expected[1] is not None), name


@pytest.mark.parametrize("path", LABEL_MAPS, ids=lambda path: path.name)
def test_label_maps_parse(path):
    label_map = load_label_map(path)
    assert label_map.items and all(item.id >= 1 or item.name == "background" for item in label_map.items)


def test_finetune_config_and_its_label_map_agree():
    config = load_pipeline_config(REAL / "finetune_frcnn_irv2_3cls_momentum.config")
    label_map = load_label_map(REAL / config.label_map_paths[0].value.replace("data/", ""))
    assert check_num_classes(label_map, config.num_classes) is None
    assert [(item.id, item.name, item.line) for item in label_map.items] == [
        (1, "class_1", 1), (2, "class_2", 5), (3, "class_3", 9)]


def test_90_class_label_map_against_3_class_config():
    config = load_pipeline_config(REAL / "finetune_frcnn_irv2_3cls_momentum.config")
    problem = check_num_classes(load_label_map(REAL / "label_map_90.pbtxt"), config.num_classes)
    assert (problem.code, problem.severity) == ("label-map-exceeds-num-classes", "error")
    assert problem.message == (
        f"the label map's ids go up to 90, but num_classes is 3 ({config.file}:3:5): 87 classes above 3 will "
        "not be learned")
    assert problem.fix == "set num_classes: 90"
