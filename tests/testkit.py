"""Helpers shared by the tests: paths of the test data, the Keras version, a tiny fitted model,
sparse data files for the real OD API index files. A module of its own, not conftest.py: conftest
files outside packages share one module name, so ``from conftest import`` depends on which
conftest pytest loaded last.

Example:
    >>> from testkit import ODAPI_REAL, keras_major_version  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).parent / "data"
ODAPI_REAL = DATA / "odapi" / "real"
ODAPI_NAMES = ("frcnn_irv2_90cls_momentum", "ssd_mobilenet_v2_90cls")


def keras_major_version(keras) -> int:
    """3 for Keras 3; 2 for Keras 2.15's tf.keras and for tf_keras."""
    import importlib

    version = keras.version() if hasattr(keras, "version") else \
        importlib.import_module(keras.__name__.split(".")[0]).__version__
    return int(version.split(".")[0])


def build_tiny_model(keras, seed: int = 0):
    """A two-layer model with batch norm, compiled and fitted for one step so the optimizer has state."""
    import numpy as np

    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((4,)),
        keras.layers.Dense(3),
        keras.layers.BatchNormalization(),
        keras.layers.Dense(2),
    ])
    model.compile(optimizer=keras.optimizers.SGD(0.01, momentum=0.9), loss="mse")
    model.fit(np.ones((8, 4), "float32"), np.zeros((8, 2), "float32"), epochs=1, verbose=0)
    return model


def sparse_data_files(prefix: Path) -> None:
    """Create the data shards an index promises as sparse files of exactly the needed size.

    The real int64 scalars (``step``, ``save_counter``, ``optimizer/iter``) are put back: the
    index holds each one's CRC-32C, and exactly one small integer matches it.
    """
    import struct

    from tfckpt.checkpoint.crc import crc32c, unmask
    from tfckpt.checkpoint.index import read_index
    from tfckpt.checkpoint.shards import required_shard_sizes

    index = read_index(str(prefix))
    for shard, size in required_shard_sizes(index).items():
        with open(index.data_path(shard), "wb") as handle:
            handle.truncate(size)
    for entry in index.entries.values():
        if entry.shape == () and entry.dtype == 9:  # int64 scalar
            value = next(v for v in range(100_000) if crc32c(struct.pack("<q", v)) == unmask(entry.crc32c))
            with open(index.data_path(entry.shard_id), "r+b") as handle:
                handle.seek(entry.offset)
                handle.write(struct.pack("<q", value))


# .ci/run sets this in its TensorFlow suites, where a test skipped for want of TensorFlow would
# hide a broken install; elsewhere (the suite without TensorFlow) such tests skip
REQUIRE_TF = "TFCKPT_TESTS_REQUIRE_TF"


def tensorflow_or_skip(module_level: bool = False):
    """The ``tensorflow`` module; without it, skip the test (or the whole module, when called at
    its top), or fail where ``REQUIRE_TF`` is set."""
    import os

    import pytest

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        import tensorflow
    except ModuleNotFoundError as err:
        if err.name != "tensorflow":
            raise
        if os.environ.get(REQUIRE_TF):
            pytest.fail(f"TensorFlow is not installed, and {REQUIRE_TF} says this suite must have it")
        pytest.skip("needs TensorFlow, which is not installed here", allow_module_level=module_level)
    return tensorflow
