"""The schema data file: what it holds, that it matches the OD API fact table, and that it loads fast."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from schema_facts import DATA_FILE, FACTS, convert

from tfckpt.pipeline.schema import LABEL_MAP_ROOT, PIPELINE_ROOT, FieldSpec, load_schema, parse_schema

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def schema():
    return load_schema()


@pytest.mark.skipif(not FACTS.exists(), reason="the OD API fact table (shared/odapi/schema.tsv) is not beside the repo")
def test_data_file_is_the_fact_table_converted():
    assert DATA_FILE.read_text(encoding="utf-8") == convert(FACTS.read_text(encoding="utf-8"))


def test_counts(schema):
    fields = [spec for message in schema.messages.values() for spec in message.fields.values()]
    empty = [name for name, message in schema.messages.items() if not message.fields]
    assert (len(schema.messages), len(empty), len(fields), len(schema.enums)) == (165, 11, 851, 21)


def test_every_referenced_type_exists(schema):
    for message in schema.messages.values():
        for spec in message.fields.values():
            if spec.type == "message":
                assert spec.type_name in schema.messages, spec
            elif spec.type == "enum":
                assert spec.type_name in schema.enums, spec


def test_every_message_is_reachable_from_a_root(schema):
    reachable = {PIPELINE_ROOT, LABEL_MAP_ROOT}
    todo = list(reachable)
    while todo:
        for spec in schema.messages[todo.pop()].fields.values():
            if spec.is_message and spec.type_name not in reachable:
                reachable.add(spec.type_name)
                todo.append(spec.type_name)
    assert reachable == set(schema.messages)


def test_no_message_contains_itself(schema):
    """The schema is acyclic, so a config's nesting (and the parser's recursion) is bounded."""
    depth: dict = {}

    def deepest(name: str, path: tuple) -> int:
        assert name not in path, path + (name,)
        if name not in depth:
            children = [spec.type_name for spec in schema.messages[name].fields.values() if spec.is_message]
            depth[name] = 1 + max((deepest(child, path + (name,)) for child in children), default=0)
        return depth[name]

    assert deepest(PIPELINE_ROOT, ()) < 15


@pytest.mark.parametrize("message, field, expected", [
    ("TrainConfig", "fine_tune_checkpoint_version", FieldSpec("fine_tune_checkpoint_version", 28, False, "enum",
                                                              "CheckpointVersion", "", "V1")),
    ("TrainConfig", "run_fine_tune_checkpoint_dummy_computation",
     FieldSpec("run_fine_tune_checkpoint_dummy_computation", 30, False, "bool", "", "", True)),
    ("TrainConfig", "batch_size", FieldSpec("batch_size", 1, False, "uint32", "", "", 32)),
    ("TrainConfig", "fine_tune_checkpoint", FieldSpec("fine_tune_checkpoint", 7, False, "string", "", "", "")),
    ("FasterRcnn", "num_classes", FieldSpec("num_classes", 3, False, "int32", "", "", 0)),
    ("FasterRcnn", "first_stage_nms_iou_threshold",
     FieldSpec("first_stage_nms_iou_threshold", 14, False, "float", "", "", 0.7)),
    ("Optimizer", "adam_optimizer", FieldSpec("adam_optimizer", 3, False, "message", "AdamOptimizer", "optimizer")),
    ("TFRecordInputReader", "input_path", FieldSpec("input_path", 1, True, "string")),
    ("BidirectionalFeaturePyramidNetworks", "combine_method",
     FieldSpec("combine_method", 5, False, "string", "", "", "fast_attention")),
    ("StringIntLabelMapItem", "frequency",
     FieldSpec("frequency", 7, False, "enum", "LVISFrequency", "", "UNSPECIFIED")),
    ("CenterNet.ObjectCenterParams", "heatmap_bias_init",
     FieldSpec("heatmap_bias_init", 3, False, "float", "", "", -2.19)),
])
def test_field_specs(schema, message, field, expected):
    assert schema.messages[message].fields[field] == expected


def test_oneofs(schema):
    assert schema.messages["DetectionModel"].oneofs == {
        "model": ("faster_rcnn", "ssd", "experimental_model", "center_net")}
    assert schema.messages["LearningRate"].oneofs["learning_rate"] == (
        "constant_learning_rate", "exponential_decay_learning_rate", "manual_step_learning_rate",
        "cosine_decay_learning_rate")


def test_find_field_below(schema):
    assert schema.find_field_below("FasterRcnn", "type") == (("feature_extractor", "type"),)
    assert schema.find_field_below(PIPELINE_ROOT, "num_classes") == (
        ("model", "faster_rcnn", "num_classes"), ("model", "ssd", "num_classes"),
        ("model", "center_net", "num_classes"))
    assert schema.find_field_below("L2Regularizer", "num_classes") == ()
    assert "pad_to_max_dimension" in schema.field_names_below("Ssd")


def test_parse_schema_reads_its_own_format():
    schema = parse_schema("# comment\n@enum\tColor\tRED,GREEN\n@empty\tNothing\n"
                          "Box\tcolor\t1\to\tenum\tColor\t\t\nBox\tnone\t2\to\tmessage\tNothing\tkind\t\n"
                          "Box\tsizes\t3\tr\tfloat\t\t\t\n")
    box = schema.messages["Box"]
    assert box.fields["color"].default == "RED"
    assert box.fields["sizes"].repeated and box.fields["sizes"].default is None
    assert box.oneofs == {"kind": ("none",)}
    assert schema.messages["Nothing"].fields == {}


def test_loads_in_a_few_milliseconds_without_tensorflow():
    code = ("import sys, time; import tfckpt.pipeline as p; t = time.perf_counter(); p.load_schema(); "
            "print(time.perf_counter() - t, 'tensorflow' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    seconds, tensorflow = result.stdout.split()
    assert tensorflow == "False"
    assert float(seconds) < 0.1  # about 3 ms; generous for slow CI machines
