"""The reference configs in pipeline_configs/: they parse, hold what their names say, obey the
cross-field rules the Object Detection API enforces at build time, and comment their fine-tuning fields."""

from __future__ import annotations

from pathlib import Path

import pytest

from tfckpt.diff import diff_configs
from tfckpt.pipeline import check_num_classes, load_label_map, load_pipeline_config

FOLDER = Path(__file__).resolve().parents[2] / "pipeline_configs"
EXPECTED = {  # file -> meta-architecture, feature extractor, image resizer, input size
    "faster_rcnn_inception_resnet_v2_640x640.config":
        ("faster_rcnn", "faster_rcnn_inception_resnet_v2_keras", "keep_aspect_ratio_resizer", 640),
    "faster_rcnn_inception_resnet_v2_1024x1024.config":
        ("faster_rcnn", "faster_rcnn_inception_resnet_v2_keras", "keep_aspect_ratio_resizer", 1024),
    "faster_rcnn_resnet50_v1_640x640.config":
        ("faster_rcnn", "faster_rcnn_resnet50_keras", "keep_aspect_ratio_resizer", 640),
    "ssd_mobilenet_v2_320x320.config": ("ssd", "ssd_mobilenet_v2_keras", "fixed_shape_resizer", 320),
}
CONFIGS = sorted(EXPECTED)
COMMENTED = ("num_classes:", "batch_size:", "num_steps:", "fine_tune_checkpoint:", "fine_tune_checkpoint_type:",
             "fine_tune_checkpoint_version:", "pad_to_max_dimension:", "first_stage_max_proposals:")


def load(name: str):
    return load_pipeline_config(FOLDER / name)


def test_the_folder_holds_exactly_the_reference_configs():
    assert sorted(path.name for path in FOLDER.glob("*.config")) == CONFIGS


@pytest.mark.parametrize("name", CONFIGS)
def test_what_each_config_is(name):
    config = load(name)
    meta_architecture, feature_extractor, resizer, size = EXPECTED[name]
    assert (config.meta_architecture.value, config.feature_extractor_type.value, config.image_resizer.value) == \
           (meta_architecture, feature_extractor, resizer)
    model = f"model.{meta_architecture}.image_resizer.{resizer}"
    sides = ("min_dimension", "max_dimension") if resizer == "keep_aspect_ratio_resizer" else ("height", "width")
    assert [config.get(f"{model}.{side}").value for side in sides] == [size, size]
    assert config.num_classes.value == 3


@pytest.mark.parametrize("name", CONFIGS)
def test_fine_tuning_setup(name):
    config = load(name)
    assert config.fine_tune_checkpoint.value == "PATH_TO/checkpoint/ckpt-0"    # a prefix, not a folder
    assert config.fine_tune_checkpoint_type.value == "detection"
    assert config.fine_tune_checkpoint_version.value == "V2"
    assert config.run_fine_tune_checkpoint_dummy_computation.value is True
    assert config.optimizer.value == "momentum_optimizer"
    paths = [item.value for item in config.train_input_paths + config.eval_input_paths + config.label_map_paths]
    assert paths and all(path.startswith("PATH_TO/") for path in paths)


@pytest.mark.parametrize("name", CONFIGS)
def test_label_map_example_fits(name):
    labels = load_label_map(FOLDER / "label_map_example.pbtxt")
    assert len(labels.items) == 3
    assert check_num_classes(labels, load(name).num_classes) is None


@pytest.mark.parametrize("name", CONFIGS)
def test_cross_field_rules(name):
    config = load(name)
    if config.meta_architecture.value == "faster_rcnn":
        # else the model build fails: "second_stage_batch_size should be no greater than first_stage_max_proposals."
        assert config.second_stage_batch_size.value <= config.first_stage_max_proposals.value
    if config.image_resizer.value == "keep_aspect_ratio_resizer" and config.batch_size.value > 1:
        assert config.pad_to_max_dimension.value is True   # else batching images of different shapes fails
    schedule = config.get("train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate")
    rate = {field.name: field.value for field in schedule.value.fields}
    assert rate["warmup_learning_rate"] <= rate["learning_rate_base"]
    assert rate["warmup_steps"] < rate["total_steps"] == config.num_steps.value


@pytest.mark.parametrize("name", CONFIGS)
def test_fine_tuning_fields_are_commented(name):
    lines = [line.strip() for line in (FOLDER / name).read_text(encoding="utf-8").splitlines()]
    for field in COMMENTED:  # its first occurrence: the model's or train_config's, not eval_config's
        number = next((i for i, line in enumerate(lines) if line.startswith(field)), None)
        if number is not None:
            assert lines[number - 1].startswith("#"), f"{name}:{number + 1}: {lines[number]} has no comment above"


def test_readme_describes_every_config():
    readme = (FOLDER / "README.md").read_text(encoding="utf-8")
    for name in CONFIGS + ["label_map_example.pbtxt"]:
        assert f"`{name}`" in readme, name
    assert "tfckpt validate" in readme


def test_diff_irv2_against_resnet50():
    diff = diff_configs(FOLDER / "faster_rcnn_inception_resnet_v2_640x640.config",
                        FOLDER / "faster_rcnn_resnet50_v1_640x640.config")
    assert diff.restore.kind == "detection"
    assert [(c.path, c.a, c.b) for c in diff.changes if c.effect != "harmless"] == [
        ("model.faster_rcnn.feature_extractor.type", "faster_rcnn_inception_resnet_v2_keras",
         "faster_rcnn_resnet50_keras")]
    assert diff.changes[0].effect == "breaks-restore"
    assert {c.path for c in diff.changes if c.effect == "harmless"} == {
        "model.faster_rcnn.initial_crop_size", "model.faster_rcnn.maxpool_kernel_size",
        "model.faster_rcnn.maxpool_stride", "train_config.batch_size",
        "train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.learning_rate_base",
        "train_config.optimizer.momentum_optimizer.learning_rate.cosine_decay_learning_rate.warmup_learning_rate",
        "train_config.data_augmentation_options[random_adjust_brightness]",
        "train_config.data_augmentation_options[random_adjust_contrast]",
    }


def test_diff_640_against_1024_is_harmless():
    diff = diff_configs(FOLDER / "faster_rcnn_inception_resnet_v2_640x640.config",
                        FOLDER / "faster_rcnn_inception_resnet_v2_1024x1024.config")
    assert {c.effect for c in diff.changes} == {"harmless"}
    resizer = "model.faster_rcnn.image_resizer.keep_aspect_ratio_resizer"
    assert [(c.path, c.a, c.b) for c in diff.changes][:3] == [
        (f"{resizer}.min_dimension", 640, 1024), (f"{resizer}.max_dimension", 640, 1024),
        ("train_config.batch_size", 2, 1)]


@pytest.mark.parametrize("name", CONFIGS)
def test_validates_clean_config_only(name, capsys):
    """The templates' paths are placeholders, so only the config itself is checked."""
    import tfckpt
    from tfckpt.cli.main import main

    path = FOLDER / name
    report = tfckpt.validate(path, config_only=True)
    assert (report.ok, list(report.findings)) == (True, [])
    assert main(["validate", str(path), "--config-only"]) == 0
    capsys.readouterr()


def test_config_only_still_finds_config_errors(tmp_path, capsys):
    import tfckpt
    from tfckpt.cli.main import main

    source = FOLDER / "faster_rcnn_resnet50_v1_640x640.config"
    text = source.read_text()
    assert "fine_tune_checkpoint_version: V2" in text
    broken = tmp_path / "pipeline.config"
    broken.write_text(text.replace("fine_tune_checkpoint_version: V2", "fine_tune_checkpoint_version: V1"))
    report = tfckpt.validate(broken, config_only=True)
    assert not report.ok and [f.id for f in report.findings if f.severity == "error"]
    assert main(["validate", str(broken), "ckpt/ckpt-0", "--config-only"]) == 2
    assert "--config-only reads no checkpoint" in capsys.readouterr().err
