"""Keras weight files (.weights.h5, legacy .h5, .keras) read without Keras."""

from __future__ import annotations

import pytest

from tfckpt.checkpoint.inspect import inspect_path
from tfckpt.errors import CorruptCheckpointError

from testkit import build_tiny_model, keras_major_version


def h5_datasets(path) -> dict:
    import h5py

    found = {}
    with h5py.File(path, "r") as h5:
        h5.visititems(lambda name, obj: found.__setitem__(name, obj.shape) if isinstance(obj, h5py.Dataset) else None)
    return found


def test_weights_h5(keras, tmp_path):
    model = build_tiny_model(keras)
    path = tmp_path / "best.weights.h5"
    model.save_weights(str(path))
    [summary] = inspect_path(str(path)).checkpoints
    assert summary.kind == "keras-h5" and summary.complete
    assert {name: shape for name, shape, _ in summary.tensors} == h5_datasets(path)
    assert summary.step == 1


def test_keras_archive(keras, tmp_path):
    model = build_tiny_model(keras)
    path = tmp_path / "model.keras"
    model.save(str(path))
    [summary] = inspect_path(str(path), deep=True).checkpoints
    assert summary.kind == "keras-archive" and summary.complete
    assert summary.optimizer in ("momentum", "sgd")  # Keras 2.15's .keras keeps only the optimizer name
    assert summary.step == 1
    assert len(summary.tensors) >= len(model.weights)


def test_legacy_h5_full_model(keras, tmp_path):
    if keras_major_version(keras) >= 3:
        pytest.skip("Keras 3 writes legacy .h5 only through the deprecated path")
    model = build_tiny_model(keras)
    path = tmp_path / "model.h5"
    with pytest.warns(UserWarning):
        model.save(str(path))
    [summary] = inspect_path(str(path)).checkpoints
    assert summary.optimizer == "momentum"
    assert summary.step == 1


@pytest.mark.parametrize("name", ["cut.keras", "cut.weights.h5"])
def test_cut_short_keras_file_is_named(keras, tmp_path, name):
    model = build_tiny_model(keras)
    whole = tmp_path / ("whole" + name[3:])
    model.save(str(whole)) if name.endswith(".keras") else model.save_weights(str(whole))
    cut = tmp_path / name
    cut.write_bytes(whole.read_bytes()[:2000])
    with pytest.raises(CorruptCheckpointError) as caught:
        inspect_path(str(cut))
    assert str(caught.value).startswith(f"{cut}: not a readable Keras ")
    assert str(caught.value).endswith("; the file is damaged or cut short; save it again, "
                                      "or copy it again from where it was saved")


def test_folder_with_keras_files_and_a_tf_checkpoint(keras, tmp_path, tiny_checkpoint):
    build_tiny_model(keras).save_weights(str(tiny_checkpoint.parent / "best.weights.h5"))
    report = inspect_path(str(tiny_checkpoint.parent))
    assert [c.kind for c in report.checkpoints] == ["tf2-object-based", "keras-h5"]
    assert report.latest == str(tiny_checkpoint)
