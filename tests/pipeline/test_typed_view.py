"""The typed view (PipelineConfig) and field-path access: values, lines, and defaults told apart."""

from __future__ import annotations

import pytest

from tfckpt.pipeline import FieldPathError, Located, Message, parse_pipeline_config

CONFIG = """model {
  faster_rcnn {
    num_classes: 3
    image_resizer { keep_aspect_ratio_resizer { min_dimension: 600 } }
    feature_extractor { type: "faster_rcnn_resnet50_keras" }
  }
}
train_config {
  optimizer { adam_optimizer { } }
  run_fine_tune_checkpoint_dummy_computation: false
}
eval_input_reader { label_map_path: "a.pbtxt" tf_record_input_reader { input_path: ["a-1", "a-2"] } }
eval_input_reader { tf_record_input_reader { input_path: "b" } }
"""


@pytest.fixture
def config():
    return parse_pipeline_config(CONFIG, "pipeline.config")


def test_written_values_carry_their_position(config):
    assert config.num_classes == Located(3, "model.faster_rcnn.num_classes", "pipeline.config", 3, 5)
    assert config.meta_architecture == Located("faster_rcnn", "model.faster_rcnn", "pipeline.config", 2, 3)
    assert config.optimizer == Located("adam_optimizer", "train_config.optimizer.adam_optimizer", "pipeline.config",
                                       9, 15)
    assert config.run_fine_tune_checkpoint_dummy_computation.value is False
    assert config.num_classes.where == "pipeline.config:3:5"


def test_defaults_are_told_apart(config):
    assert config.pad_to_max_dimension == Located(
        False, "model.faster_rcnn.image_resizer.keep_aspect_ratio_resizer.pad_to_max_dimension", "pipeline.config")
    assert not config.pad_to_max_dimension.is_set
    assert (config.first_stage_max_proposals.value, config.second_stage_batch_size.value) == (300, 64)
    assert (config.batch_size.value, config.batch_size.is_set) == (32, False)
    assert (config.fine_tune_checkpoint_version.value, config.fine_tune_checkpoint_version.where) == (
        "V1", "pipeline.config (train_config.fine_tune_checkpoint_version not set: default 'V1')")
    assert config.learning_rate == Located(None, "train_config.optimizer.adam_optimizer.learning_rate",
                                           "pipeline.config")


def test_repeated_readers(config):
    assert [(p.value, p.line, p.path) for p in config.eval_input_paths] == [
        ("a-1", 12, "eval_input_reader[0].tf_record_input_reader.input_path[0]"),
        ("a-2", 12, "eval_input_reader[0].tf_record_input_reader.input_path[1]"),
        ("b", 13, "eval_input_reader[1].tf_record_input_reader.input_path[0]")]
    assert config.train_input_paths == ()
    assert [(p.value, p.path) for p in config.label_map_paths] == [("a.pbtxt", "eval_input_reader[0].label_map_path")]


@pytest.mark.parametrize("path, value, line", [
    ("model.faster_rcnn.num_classes", 3, 3),
    ("model.faster_rcnn.feature_extractor.type", "faster_rcnn_resnet50_keras", 5),
    ("model.faster_rcnn.image_resizer.keep_aspect_ratio_resizer.max_dimension", 1024, None),
    ("model.ssd.num_classes", 0, None),
    ("eval_input_reader[1].tf_record_input_reader.input_path[0]", "b", 13),
    ("eval_input_reader[0].label_map_path", "a.pbtxt", 12),
    ("eval_input_reader[1].label_map_path", "", None),
    ("train_config.optimizer.adam_optimizer.epsilon", 1e-08, None),
])
def test_get_single_values(config, path, value, line):
    found = config.get(path)
    assert (found.value, found.line) == (value, line)


def test_get_message_and_fan_out(config):
    resizer = config.get("model.faster_rcnn.image_resizer")
    assert isinstance(resizer.value, Message) and resizer.line == 4
    absent = config.get("graph_rewriter.quantization")
    assert (absent.value, absent.is_set) == (Message("Quantization", "graph_rewriter.quantization"), False)
    assert [p.value for p in config.get("eval_input_reader.tf_record_input_reader.input_path")] == ["a-1", "a-2", "b"]
    assert config.get("train_config.data_augmentation_options") == ()


@pytest.mark.parametrize("path, message", [
    ("model.faster_rcnn.num_clases", "model.faster_rcnn.num_clases: FasterRcnn has no field 'num_clases'; did you "
     "mean 'num_classes'?"),
    ("model.faster_rcnn.num_classes.x", "model.faster_rcnn.num_classes.x: 'num_classes' is a int32 field, not a "
     "message; end the path there"),
    ("model[0]", "model[0]: 'model' is not repeated: it takes no [index]; write model"),
    ("eval_input_reader[2].shuffle", "eval_input_reader[2].shuffle: the top level has 2 'eval_input_reader'; use an "
     "index below 2"),
    ("", "the field path is empty; name a field, e.g. model.faster_rcnn.num_classes"),
    ("model.", "model.: DetectionModel has no field ''; its fields: faster_rcnn, ssd, experimental_model, center_net"),
])
def test_get_errors(config, path, message):
    with pytest.raises(FieldPathError) as caught:
        config.get(path)
    assert str(caught.value) == message
    assert isinstance(caught.value, LookupError)


def test_empty_config():
    config = parse_pipeline_config("")
    assert config.meta_architecture == Located(None, "model", "<string>")
    assert (config.num_classes, config.feature_extractor_type, config.image_resizer) == (None, None, None)
    assert (config.optimizer.value, config.learning_rate.value) == (None, None)
    assert config.label_map_paths == ()


def test_experimental_model_has_no_class_count():
    config = parse_pipeline_config("model { experimental_model { name: 'mine' } }")
    assert config.meta_architecture.value == "experimental_model"
    assert (config.num_classes, config.image_resizer, config.first_stage_max_proposals) == (None, None, None)


def test_ssd_with_unset_resizer():
    config = parse_pipeline_config("model { ssd { num_classes: 2 } }")
    assert config.image_resizer == Located(None, "model.ssd.image_resizer", "<string>")
    assert (config.pad_to_max_dimension, config.second_stage_batch_size) == (None, None)
