"""The examples in the docstrings of tfckpt diff's modules run."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["tfckpt.diff", "tfckpt.diff.pairing", "tfckpt.diff.restore", "tfckpt.diff.result", "tfckpt.diff.values",
           "tfckpt.diff.walk", "tfckpt.odapi.change_effects"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    failed, attempted = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert failed == 0 and attempted > 0


def test_readme_example_is_the_real_output():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    block = (root / "tests" / "data" / "golden" / "diff_frcnn_finetune.txt").read_text()
    command = "$ tfckpt diff frcnn_irv2_90cls_momentum.config finetune_frcnn_irv2_3cls_momentum.config\n"
    assert command + block in (root / "README.md").read_text()
