"""Reading experiment files: complete params.yaml, overrides merged onto defaults, unknown keys refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tfckpt.config_kind import EXPERIMENT, PIPELINE, config_kind
from tfckpt.modelgarden.config import load_experiment_config, parse_experiment_config
from tfckpt.modelgarden.experiments import find, known_experiments, load_experiment
from tfckpt.pipeline.errors import ConfigError

DATA = Path(__file__).resolve().parents[1] / "data" / "modelgarden_params"
RETINANET = "retinanet_resnetfpn_coco"


@pytest.mark.parametrize("name, architecture", [("retinanet_resnetfpn_coco", "retinanet"),
                                                ("fasterrcnn_resnetfpn_coco", "faster_rcnn"),
                                                ("maskrcnn_resnetfpn_coco", "mask_rcnn")])
def test_a_real_params_yaml_reads_as_its_experiment(name, architecture):
    config = load_experiment_config(str(DATA / f"{name}.params.yaml"))
    assert config.experiment.name == name and not config.named
    assert config.architecture == architecture
    assert config.num_classes.value == 91 and config.num_classes.is_set
    assert config.backbone_type.value == "resnet" and config.model_id.value == 50


def test_the_defaults_hold_every_field_a_params_yaml_writes():
    """Every key path of train.py's params.yaml is in the generated defaults (the reverse holds for
    the chosen one-of members)."""
    from tfckpt.modelgarden.yaml_reader import read_yaml_file

    for name in known_experiments():
        written = read_yaml_file(str(DATA / f"{name}.params.yaml"))
        defaults = load_experiment(name).defaults
        for path in _paths(written):
            assert find(defaults, path) is not None, (name, path)


def _paths(tree, path=""):
    from tfckpt.modelgarden.yaml_reader import YamlMap

    for key, item in tree.items.items():
        here = f"{path}.{key}" if path else key
        yield here
        if isinstance(item.value, YamlMap):
            yield from _paths(item.value, here)


def test_an_override_merges_onto_the_defaults_with_its_own_lines():
    config = load_experiment_config(str(DATA / "retinanet_finetune_4.override.yaml"), RETINANET)
    assert config.named and config.num_classes.value == 4 and config.num_classes.line == 6
    assert config.get("task.model.min_level").value == 3 and not config.get("task.model.min_level").is_set
    assert [item.value for item in config.init_checkpoint_modules] == ["backbone", "decoder"]


def test_the_override_and_the_params_yaml_train_py_wrote_from_it_agree():
    override = load_experiment_config(str(DATA / "retinanet_finetune_4.override.yaml"), RETINANET)
    params = load_experiment_config(str(DATA / "retinanet_finetune_4.params.yaml"))
    from tfckpt.modelgarden.diff import diff_experiments

    assert diff_experiments(override, params).identical


@pytest.mark.parametrize("text, message", [
    ("task:\n  model:\n    num_class: 4\n",
     r"my.yaml:3:5: the key 'num_class' does not exist in task.model: Model Garden refuses the file \(KeyError\) "
     r"before training; did you mean 'num_classes'\?"),
    ("task:\n  num_classes: 4\n", r"my.yaml:2:3: .*'num_classes' is a key of task.model: move it there"),
    ("task:\n  model: 3\n", r"my.yaml:2:3: task.model is a config with its own keys"),
    ("task:\n  model:\n    num_classes: {a: 1}\n", r"my.yaml:3:5: task.model.num_classes takes a value"),
])
def test_unknown_keys_and_wrong_shapes_are_refused_at_their_line(text, message):
    with pytest.raises(ConfigError, match=message):
        parse_experiment_config(text, "my.yaml", RETINANET)


def test_an_override_without_experiment_asks_for_one():
    with pytest.raises(ConfigError, match=r"my.yaml: not a complete params.yaml.*--experiment NAME"):
        parse_experiment_config("task:\n  init_checkpoint: a\n", "my.yaml")


def test_an_unknown_experiment_suggests_the_nearest():
    with pytest.raises(ConfigError, match=r"did you mean 'maskrcnn_resnetfpn_coco'"):
        parse_experiment_config("task: {}\n", "my.yaml", "maskrcnn_coco")


def test_a_chosen_oneof_member_not_in_the_defaults_is_accepted():
    config = parse_experiment_config("task:\n  model:\n    backbone:\n      type: mobilenet\n      mobilenet:\n"
                                     "        model_id: MobileNetV2\n", "my.yaml", RETINANET)
    assert config.backbone_type.value == "mobilenet" and config.model_id is None


@pytest.mark.parametrize("name, kind", [("params.yaml", EXPERIMENT), ("x.yml", EXPERIMENT),
                                        ("pipeline.config", PIPELINE)])
def test_config_kind_by_name(tmp_path, name, kind):
    path = tmp_path / name
    path.write_text("model {\n  ssd {}\n}\n" if kind == PIPELINE else "task:\n  model: {}\n")
    assert config_kind(str(path)) == kind


def test_config_kind_by_content(tmp_path):
    path = tmp_path / "experiment.txt"
    path.write_text("# mine\ntask:\n  model:\n    num_classes: 4\n")
    assert config_kind(str(path)) == EXPERIMENT
