"""The TensorFlow-free index reader agrees with tf.train.list_variables on every checkpoint."""

from __future__ import annotations

import numpy as np
import pytest

from tfckpt.checkpoint.index import read_index
from tfckpt.errors import CheckpointNotFoundError

from testkit import ODAPI_NAMES, ODAPI_REAL, build_tiny_model, keras_major_version


def assert_matches_tensorflow(tf, prefix) -> None:
    expected = {name: tuple(shape) for name, shape in tf.train.list_variables(str(prefix))}
    index = read_index(str(prefix))
    assert {name: entry.shape for name, entry in index.entries.items()} == expected
    reader = tf.train.load_checkpoint(str(prefix))
    dtypes = reader.get_variable_to_dtype_map()
    assert {name: entry.dtype_name for name, entry in index.entries.items()} == {n: d.name for n, d in dtypes.items()}


def test_tiny_keras_model_checkpoint(tf, tiny_checkpoint):
    assert_matches_tensorflow(tf, tiny_checkpoint)
    assert read_index(str(tiny_checkpoint)).is_object_based


def test_keras_save_weights_tf_format(tf, keras, tmp_path):
    """Keras 2's ``save_weights(prefix)`` writes a TF checkpoint; Keras 3 only writes .weights.h5."""
    if keras_major_version(keras) >= 3:
        pytest.skip("Keras 3 saves weights only as .weights.h5")
    build_tiny_model(keras).save_weights(str(tmp_path / "weights"))
    assert_matches_tensorflow(tf, tmp_path / "weights")


def test_every_dtype_and_shape(tf, tmp_path):
    values = {
        "f32": tf.Variable(np.arange(6, dtype="float32").reshape(2, 3)),
        "f64": tf.Variable(np.zeros((1, 1, 2), "float64")),
        "f16": tf.Variable(np.ones(3, "float16")),
        "bf16": tf.Variable(tf.ones([2], tf.bfloat16)),
        "i8": tf.Variable(np.ones(4, "int8")),
        "i32": tf.Variable(5),
        "i64": tf.Variable(np.int64(-3)),
        "u8": tf.Variable(np.ones((2, 2), "uint8")),
        "flag": tf.Variable(True),
        "text": tf.Variable(["a", "bcd", ""]),
        "empty": tf.Variable(np.zeros((0, 3), "float32")),
    }
    prefix = tf.train.Checkpoint(**values).write(str(tmp_path / "all"))
    assert_matches_tensorflow(tf, prefix)


def test_multi_shard_checkpoint(tf, tmp_path):
    """MergeV2Checkpoints of two single-shard saves gives one prefix with two data shards."""
    parts = []
    for shard in range(2):
        part = str(tmp_path / f"part{shard}")
        tf.raw_ops.SaveV2(prefix=part, tensor_names=[f"v{shard}"], shape_and_slices=[""],
                          tensors=[tf.fill([3 + shard], float(shard))])
        parts.append(part)
    merged = str(tmp_path / "merged")
    tf.raw_ops.MergeV2Checkpoints(checkpoint_prefixes=parts, destination_prefix=merged)
    index = read_index(merged)
    assert index.num_shards == 2
    assert sorted(e.shard_id for e in index.entries.values()) == [0, 1]
    assert_matches_tensorflow(tf, merged)


@pytest.mark.parametrize("name", ODAPI_NAMES)
@pytest.mark.parametrize("step", ["ckpt-1", "ckpt-2"])
def test_real_object_detection_api_index(tf, name, step):
    """list_variables reads only the index, so the real index files need no data files here."""
    assert_matches_tensorflow_names_only(tf, ODAPI_REAL / name / step)


def assert_matches_tensorflow_names_only(tf, prefix) -> None:
    expected = {name: tuple(shape) for name, shape in tf.train.list_variables(str(prefix))}
    assert {name: e.shape for name, e in read_index(str(prefix)).entries.items()} == expected


def test_real_frcnn_index_has_the_documented_size():
    index = read_index(str(ODAPI_REAL / "frcnn_irv2_90cls_momentum" / "ckpt-2"))
    assert len(index.entries) == 1410
    assert index.num_shards == 1


def test_missing_index_names_the_file(tmp_path):
    with pytest.raises(CheckpointNotFoundError) as caught:
        read_index(str(tmp_path / "ckpt-9"))
    assert str(caught.value) == (
        f"{tmp_path}/ckpt-9.index: no such file; pass an existing checkpoint prefix or its folder")
