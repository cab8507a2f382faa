"""The examples in every tfckpt.pipeline docstring run; importing it does not import TensorFlow; parsing
a real config takes about a millisecond."""

from __future__ import annotations

import doctest
import importlib
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tfckpt.pipeline import load_pipeline_config

REPO = Path(__file__).resolve().parents[2]
MODULES = sorted(path.stem for path in (REPO / "tfckpt" / "pipeline").glob("*.py"))
IRV2 = REPO / "tests" / "data" / "pipeline" / "real" / "frcnn_irv2_90cls_momentum.config"


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module("tfckpt.pipeline" if name == "__init__" else f"tfckpt.pipeline.{name}")
    failed, attempted = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert failed == 0 and attempted > 0


def test_import_does_not_import_tensorflow():
    code = ("import sys, tfckpt.pipeline; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')))")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_parsing_a_real_config_takes_milliseconds():
    load_pipeline_config(IRV2)
    times = []
    for _ in range(20):
        start = time.perf_counter()
        load_pipeline_config(IRV2)
        times.append(time.perf_counter() - start)
    assert statistics.median(times) < 0.02  # about 1 ms; generous for slow CI machines
