"""What counts as a difference: meaning, not text; oneofs collapsed; repeated fields paired."""

from __future__ import annotations

import itertools

import pytest

from diff_helpers import DATA, REAL, VALID, by_path, diff_text
from tfckpt.diff import diff_configs

CONFIGS = sorted(REAL.glob("*.config")) + sorted(VALID.glob("*.config"))
FRCNN = "model { faster_rcnn { num_classes: 90 } }\n"


def test_formatting_order_comments_and_defaults_do_not_count():
    diff = diff_configs(REAL / "frcnn_irv2_90cls_momentum.config",
                        DATA / "diff" / "frcnn_irv2_90cls_reformatted.config")
    assert diff.identical and diff.changes == () and diff.exit_code == 0


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_every_config_equals_itself(path):
    assert diff_configs(path, path).identical


@pytest.mark.parametrize("a, b", list(itertools.combinations(CONFIGS, 2)), ids=lambda p: p.stem)
def test_a_to_b_mirrors_b_to_a(a, b):
    forward, backward = by_path(diff_configs(a, b)), by_path(diff_configs(b, a))
    assert forward.keys() == backward.keys()
    mirror = {"added": "removed", "removed": "added", "changed": "changed", "oneof": "oneof"}
    for path, change in forward.items():
        back = backward[path]
        assert (back.kind, back.a, back.b, back.a_line, back.b_line) == \
               (mirror[change.kind], change.b, change.a, change.b_line, change.a_line)


@pytest.mark.parametrize("a, b", [
    ("train_config { batch_size: 32 }", ""),                              # the default, in a block read anyway
    ("train_config { fine_tune_checkpoint_version: V1 }", "train_config { }"),
    ("train_config { gradient_clipping_by_norm: 0.1 }", "train_config { gradient_clipping_by_norm: 0.100000001 }"),
    ("train_config { batch_size: 8 num_steps: 5 }", "train_config {\n num_steps: 5 # five\n batch_size: 8\n}"),
    ("train_input_reader { tf_record_input_reader { input_path: ['a', 'b'] } }",
     'train_input_reader { tf_record_input_reader { input_path: "a" input_path: "b" } }'),
    ("train_config { }\neval_config { }\ntrain_input_reader { }", ""),
])
def test_same_meaning(a, b):
    assert diff_text(a, b).identical


def test_a_value_against_a_default_shows_the_default():
    change, = diff_text("train_config { fine_tune_checkpoint_version: V2 }", "").changes
    assert (change.path, change.kind, change.a, change.b) == ("train_config.fine_tune_checkpoint_version", "removed",
                                                              "V2", "V1")
    assert (change.a_text, change.b_text, change.a_line, change.b_line) == ("V2", "V1 (default)", 1, None)


def test_a_string_without_a_default_is_not_set():
    change, = diff_text("", 'train_config { fine_tune_checkpoint: "m/ckpt-0" }').changes
    assert (change.kind, change.a_text, change.b_text) == ("added", "(not set)", '"m/ckpt-0"')


def test_an_optimizer_switch_is_one_change():
    change, = diff_text(
        "train_config { optimizer { momentum_optimizer { momentum_optimizer_value: 0.9\n"
        "  learning_rate { constant_learning_rate { learning_rate: 0.01 } } } } }",
        "train_config { optimizer {\n adam_optimizer { learning_rate { constant_learning_rate {} } } } }").changes
    assert (change.path, change.kind, change.a, change.b) == ("train_config.optimizer", "oneof",
                                                              "momentum_optimizer", "adam_optimizer")
    assert (change.a_text, change.b_text, change.a_line, change.b_line) == \
           ("momentum_optimizer {2 values}", "adam_optimizer {}", 1, 2)
    assert change.effect == "optimizer-state-dropped"
    assert change.note.startswith("oneof optimizer switches member; another optimizer kind")


def test_a_learning_rate_switch_inside_the_same_optimizer():
    changes = by_path(diff_text(
        "train_config { optimizer { adam_optimizer { learning_rate { constant_learning_rate {} } } } }",
        "train_config { optimizer { adam_optimizer { learning_rate { cosine_decay_learning_rate {} } } } }"))
    change = changes["train_config.optimizer.adam_optimizer.learning_rate"]
    assert (change.kind, change.a, change.b, change.effect) == ("oneof", "constant_learning_rate",
                                                                "cosine_decay_learning_rate", "harmless")
    assert len(changes) == 1


def test_a_meta_architecture_switch_is_one_change():
    diff = diff_configs(REAL / "frcnn_irv2_90cls_momentum.config", REAL / "ssd_mobilenet_v2_90cls.config")
    change, = diff.changes
    assert (change.path, change.kind, change.a, change.b, change.effect) == ("model", "oneof", "faster_rcnn", "ssd",
                                                                             "breaks-restore")
    assert (change.a_text, change.b_text) == ("faster_rcnn {40 values}", "ssd {68 values}")


def test_a_oneof_member_set_on_one_side_only():
    change, = diff_text("", "model { ssd { } }").changes
    assert (change.path, change.kind, change.a, change.b, change.a_text, change.b_text) == \
           ("model", "added", None, "ssd", "(not set)", "ssd {}")


def test_repeated_scalars_compare_as_lists():
    a = "model { faster_rcnn { first_stage_anchor_generator { grid_anchor_generator { scales: [0.25, 0.5, 1.0] } } } }"
    change, = diff_text(a, a.replace("[0.25, 0.5, 1.0]", "[0.5, 0.25, 1.0]")).changes
    assert change.path == "model.faster_rcnn.first_stage_anchor_generator.grid_anchor_generator.scales"
    assert (change.kind, change.a, change.b) == ("changed", [0.25, 0.5, 1.0], [0.5, 0.25, 1.0])
    assert (change.a_text, change.b_text, change.effect) == ("[0.25, 0.5, 1.0]", "[0.5, 0.25, 1.0]",
                                                             "breaks-full-restore")
    added, = diff_text(a.replace("scales: [0.25, 0.5, 1.0]", ""), a).changes
    assert (added.kind, added.a, added.a_text) == ("added", [], "(not set)")


def _steps(*steps: str) -> str:
    return "train_config {\n" + "".join(f"  data_augmentation_options {{ {step} }}\n" for step in steps) + "}\n"


def test_augmentation_steps_pair_by_kind_not_position():
    changes = diff_text(_steps("random_horizontal_flip {}", "random_image_scale { max_scale_ratio: 2.0 }"),
                        _steps("ssd_random_crop {}", "random_horizontal_flip {}",
                               "random_image_scale { max_scale_ratio: 1.5 }")).changes
    assert [(c.path, c.kind, c.a_text, c.b_text, c.a_line, c.b_line) for c in changes] == [
        ("train_config.data_augmentation_options[ssd_random_crop]", "added", "(not set)", "{}", None, 2),
        ("train_config.data_augmentation_options[random_image_scale].max_scale_ratio", "changed", "2.0", "1.5", 3, 4),
    ]
    assert changes[0].b == {"ssd_random_crop": {}}


def test_augmentation_steps_in_another_order_are_one_change():
    change, = diff_text(_steps("random_horizontal_flip {}", "ssd_random_crop {}"),
                        _steps("ssd_random_crop {}", "random_horizontal_flip {}")).changes
    assert (change.path, change.kind, change.a, change.b) == ("train_config.data_augmentation_options", "changed",
                                                              ["random_horizontal_flip", "ssd_random_crop"],
                                                              ["ssd_random_crop", "random_horizontal_flip"])
    assert change.note.startswith("the same steps in another order")


def test_a_step_written_twice_pairs_by_occurrence():
    changes = diff_text(_steps("random_horizontal_flip {}"),
                        _steps("random_horizontal_flip {}", "random_horizontal_flip { probability: 0.2 }")).changes
    assert [(c.path, c.kind, c.b_text) for c in changes] == [
        ("train_config.data_augmentation_options[random_horizontal_flip#2]", "added", "{1 value}")]


def test_eval_readers_pair_by_position():
    reader = 'eval_input_reader {{ label_map_path: "{}" }}\n'
    changes = diff_text(reader.format("a.pbtxt"), reader.format("b.pbtxt") + reader.format("c.pbtxt")).changes
    assert [(c.path, c.kind, c.a, c.b) for c in changes] == [
        ("eval_input_reader[0].label_map_path", "changed", "a.pbtxt", "b.pbtxt"),
        ("eval_input_reader[1]", "added", None, {"label_map_path": "c.pbtxt"}),
    ]
    assert changes[1].b_text == "{1 value}" and changes[1].effect == "harmless"


def test_keypoint_tasks_pair_by_name():
    task = 'keypoint_estimation_task {{ task_name: "{}" task_loss_weight: {} }}'
    a = "model { center_net { " + task.format("human_pose", 1.0) + " " + task.format("hands", 1.0) + " } }"
    b = "model { center_net { " + task.format("hands", 0.5) + " " + task.format("human_pose", 1.0) + " } }"
    change, = diff_text(a, b).changes
    assert change.path == "model.center_net.keypoint_estimation_task[hands].task_loss_weight"


def test_an_empty_block_that_switches_a_feature_on_is_a_change():
    change, = diff_text(FRCNN, "model { faster_rcnn { num_classes: 90 hard_example_miner {} } }").changes
    assert (change.path, change.kind, change.a, change.b, change.b_text) == (
        "model.faster_rcnn.hard_example_miner", "added", None, {}, "{}")


def test_a_block_only_one_side_writes_counts_even_with_default_values():
    change, = diff_text(FRCNN, "model { faster_rcnn { num_classes: 90 hard_example_miner { num_hard_examples: 64 } } }"
                        ).changes
    assert (change.path, change.kind, change.b, change.b_text) == (
        "model.faster_rcnn.hard_example_miner", "added", {"num_hard_examples": 64}, "{1 value}")


def test_fields_inside_a_block_only_one_side_writes_are_listed():
    changes = diff_text(FRCNN, "model { faster_rcnn { num_classes: 90 hard_example_miner { num_hard_examples: 8 } } }")
    change, = changes.changes
    assert (change.path, change.kind, change.a_text, change.b_text) == (
        "model.faster_rcnn.hard_example_miner.num_hard_examples", "added", "64 (default)", "8")
