"""Helpers for the diff tests: parse configs from text, diff them, and look changes up by path."""

from __future__ import annotations

from pathlib import Path

from tfckpt.diff import diff_configs
from tfckpt.pipeline import parse_pipeline_config

DATA = Path(__file__).resolve().parents[1] / "data"
REAL = DATA / "pipeline" / "real"
VALID = DATA / "pipeline" / "valid"
GOLDEN = DATA / "golden"


def diff_text(a: str, b: str):
    """The diff of two configs given as text."""
    return diff_configs(parse_pipeline_config(a, "a.config"), parse_pipeline_config(b, "b.config"))


def by_path(diff) -> dict:
    """The changes of a diff by path."""
    changes = {change.path: change for change in diff.changes}
    assert len(changes) == len(diff.changes), "a path is reported twice"
    return changes
