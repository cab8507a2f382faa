"""Shared by the COCO tests: code that makes a real interpreter unable to import either evaluator."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BLOCK_COCO_EVALUATORS = (
    "import sys, importlib.abc\n"
    "class Block(importlib.abc.MetaPathFinder):\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name.split('.')[0] in ('faster_coco_eval', 'pycocotools'):\n"
    "            raise ModuleNotFoundError(name)\n"
    "sys.meta_path.insert(0, Block())\n")


def run_without_evaluators(code: str, **kwargs) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter in which neither evaluator can be imported."""
    return subprocess.run([sys.executable, "-c", BLOCK_COCO_EVALUATORS + code], cwd=REPO, capture_output=True,
                          text=True, **kwargs)
