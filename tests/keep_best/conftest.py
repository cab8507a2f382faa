"""One stand-in trainer and one evaluator process for all keep-best tests (each starts
TensorFlow once); every test opens its own MODEL_DIR in them."""

from __future__ import annotations

import pytest
from keep_best_helpers import Run, start_roles


@pytest.fixture(scope="session")
def roles(tf):
    """The two processes are TensorFlow programs: without TensorFlow their tests skip."""
    trainer, evaluator = start_roles()
    yield trainer, evaluator
    trainer.close()
    evaluator.close()


@pytest.fixture
def odapi_run(roles, tmp_path):
    """A fresh model_main_tf2-like run in ``tmp_path/model_dir``."""
    trainer, evaluator = roles
    return Run(trainer, evaluator, tmp_path / "model_dir")
