"""Recognising Model Garden checkpoints, on index files and object graphs written by the real library
(tf-models-official 2.15.0: ``tests/data/modelgarden``), in every suite, without the library."""

from __future__ import annotations

import shutil

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mg_data import CASES, DATA, MANIFEST, materialise

from testkit import ODAPI_REAL
from tfckpt.checkpoint.index import read_index
from tfckpt.checkpoint.object_graph import read_object_graph, root_graph
from tfckpt.checkpoint.protos import TrackableObjectGraph
from tfckpt.checkpoint.summary import summarize_prefix
from tfckpt.frameworks import KERAS, MODEL_GARDEN, ODAPI, framework_of
from tfckpt.modelgarden.layouts import CHECKPOINT_ITEMS
from tfckpt.modelgarden.recognise import recognise_model_garden


@pytest.mark.parametrize("case", CASES)
def test_each_real_checkpoint_is_recognised_as_the_manifest_says(case, tmp_path):
    expected = MANIFEST[case]
    summary = summarize_prefix(str(materialise(case, tmp_path)))
    found = recognise_model_garden(summary)
    assert summary.framework == MODEL_GARDEN
    assert summary.model_garden == found
    assert (found.layout, found.architecture, found.backbone, found.model_id, found.decoder, found.num_classes,
            found.optimizer, found.global_step) == (
        expected["layout"], expected["architecture"], expected["backbone"], expected["model_id"],
        expected["decoder"], expected["num_classes"], expected["optimizer"], expected["global_step"])
    assert found.notes == ()


@pytest.mark.parametrize("case", [c for c in CASES if MANIFEST[c]["layout"] == "trainer"])
def test_trainer_checkpoints_alias_every_checkpoint_item_to_model(case, tmp_path):
    found = recognise_model_garden(summarize_prefix(str(materialise(case, tmp_path))))
    items = CHECKPOINT_ITEMS[found.architecture]
    assert dict(found.aliases) == {item: "model" for item in items}
    assert set(found.roots) == {"global_step", "model", "optimizer", "save_counter", *items}


def test_model_only_checkpoint_has_one_model_root_and_no_aliases(tmp_path):
    found = recognise_model_garden(summarize_prefix(str(materialise("retinanet_r50_c91_model_only", tmp_path))))
    assert found.roots == ("model", "save_counter") and dict(found.aliases) == {}


def test_index_alone_still_gives_the_model_but_says_the_aliases_are_unknown(tmp_path):
    source = DATA / MANIFEST["mask_rcnn_r50_c91_trainer"]["prefix"]
    shutil.copy(str(source) + ".index", tmp_path / "ckpt-1000.index")
    found = recognise_model_garden(summarize_prefix(str(tmp_path / "ckpt-1000")))
    assert (found.architecture, found.model_id, found.num_classes) == ("mask_rcnn", 50, 91)
    assert "model" not in found.roots and dict(found.aliases) == {}
    assert any("object graph" in note for note in found.notes)
    assert found.global_step is None  # its bytes are in the missing data file


def test_odapi_checkpoint_is_not_model_garden(odapi_dir):
    summary = summarize_prefix(str(odapi_dir() / "ckpt-2"))
    assert summary.framework == ODAPI
    assert recognise_model_garden(summary) is None and summary.model_garden is None


def test_a_keras_model_checkpoint_is_keras(tf, keras, tmp_path):
    from testkit import build_tiny_model

    prefix = tf.train.Checkpoint(model=build_tiny_model(keras)).save(str(tmp_path / "ckpt"))
    summary = summarize_prefix(prefix)
    assert summary.framework == KERAS and summary.model_garden is None


@pytest.mark.parametrize("roots, keys, expected", [
    (["global_step", "backbone", "decoder", "head", "model", "optimizer"], [], MODEL_GARDEN),
    (["backbone", "decoder", "head", "global_step"], [], MODEL_GARDEN),  # index only: no `model` key
    (["step", "save_counter"], [], ODAPI),
    (["step", "model", "optimizer", "save_counter"], [], ODAPI),
    (["model", "save_counter"], ["model/_backbone/a/kernel", "model/_head/_classifier/kernel"], MODEL_GARDEN),
    (["model", "save_counter"], ["model/backbone/a/kernel", "model/_config_dict/detection_head/b"], MODEL_GARDEN),
    (["model", "save_counter"], ["model/_backbone/a/kernel"], KERAS),  # a backbone alone: any Keras model
    (["model", "optimizer"], ["model/layer_with_weights-0/kernel"], KERAS),
    (["backbone", "head"], [], KERAS),  # no global_step: someone's own Checkpoint
    (["save_counter", "optimizer"], [], None),
])
def test_framework_of(roots, keys, expected):
    assert framework_of(roots, keys) == expected


def test_resnet_depth_is_never_guessed_from_an_unknown_block_layout(tmp_path):
    from tfckpt.modelgarden import recognise

    summary = summarize_prefix(str(materialise("retinanet_r50_c4_trainer", tmp_path)))
    # drop one bottleneck block of the third stage: [3, 4, 5, 3] is no ResNet
    block = "backbone/layer_with_weights-12/"
    summary.tensors = [t for t in summary.tensors if not t[0].startswith(block)]
    found = recognise.recognise_model_garden(summary)
    assert (found.backbone, found.model_id) == (None, None)
    assert "the backbone is not a ResNet tfckpt knows" in found.notes


def _graph_bytes(case: str, tmp_path) -> bytes:
    from tfckpt.checkpoint.index import OBJECT_GRAPH_KEY
    from tfckpt.checkpoint.shards import read_string_scalar

    prefix = materialise(case, tmp_path)
    return read_string_scalar(read_index(str(prefix)), OBJECT_GRAPH_KEY)


@pytest.fixture(scope="module")
def real_graph(tmp_path_factory):
    return _graph_bytes("faster_rcnn_r50_c91_trainer", tmp_path_factory.mktemp("graph"))


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(cut=st.integers(min_value=0, max_value=10_000), flips=st.lists(st.integers(0, 10_000), max_size=5))
def test_damaged_object_graph_reads_as_a_graph_or_an_error_never_a_crash(real_graph, cut, flips):
    data = bytearray(real_graph[: max(len(real_graph) - cut, 0)])
    for position in flips:
        if data:
            data[position % len(data)] ^= 0x5A
    try:
        nodes = TrackableObjectGraph.FromString(bytes(data)).nodes
    except Exception:
        return  # read_object_graph turns this into None
    graph = root_graph(nodes)
    assert set(graph.aliases) <= set(graph.roots)


def test_read_object_graph_is_none_without_the_data_file(tmp_path):
    source = DATA / MANIFEST["retinanet_r50_c4_trainer"]["prefix"]
    shutil.copy(str(source) + ".index", tmp_path / "ckpt-200.index")
    assert read_object_graph(read_index(str(tmp_path / "ckpt-200"))) is None


def test_odapi_real_index_still_reads_without_framework_confusion():
    summary = summarize_prefix(str(ODAPI_REAL / "ssd_mobilenet_v2_90cls" / "ckpt-2"))
    assert summary.framework == ODAPI


_COMPONENTS = st.sampled_from(["model", "_backbone", "backbone", "head", "_head", "decoder", "rpn_head",
                               "detection_head", "mask_head", "_config_dict", "0", "1", "layer_with_weights-3",
                               "_conv1", "_conv2", "_conv3", "_classifier", "_box_regressor", "_mask_regressor",
                               "kernel", "pointwise_kernel", "global_step", "optimizer"])
_KEYS = st.lists(_COMPONENTS, min_size=1, max_size=6).map(lambda parts: "/".join(parts) + "/.ATTRIBUTES/VARIABLE_VALUE")
_SHAPES = st.lists(st.integers(min_value=0, max_value=2048), max_size=4).map(tuple)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.lists(st.tuples(_KEYS, _SHAPES), max_size=40), st.sampled_from([None, "momentum", "adam", "weird"]))
def test_any_keys_and_shapes_give_an_answer_or_none_never_an_exception(tensors, optimizer):
    from tfckpt.checkpoint.summary import CheckpointSummary

    summary = CheckpointSummary(path="x/ckpt-1", kind="tf2-object-based", optimizer=optimizer, step=7,
                                roots={name.split("/", 1)[0]: 1 for name, _ in tensors},
                                tensors=[(name, shape, "float") for name, shape in tensors])
    found = recognise_model_garden(summary)
    if found is not None:
        assert found.architecture in ("retinanet", "faster_rcnn", "mask_rcnn")
        assert found.num_classes is None or found.num_classes >= 0
        assert isinstance(found.describe(3), list)


@pytest.mark.parametrize("module", ["tfckpt.frameworks", "tfckpt.modelgarden.layouts", "tfckpt.modelgarden.recognise",
                                    "tfckpt.checkpoint.object_graph", "tfckpt.keep_best.run_kind"])
def test_docstring_examples_run(module):
    import doctest
    import importlib

    failed, _ = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert failed == 0
