"""``tfckpt diff``: what differs between two ``pipeline.config`` files, and what it does to a restore.

A semantic diff: fields are compared by path and meaning (comments, formatting, field order and
values written equal to their default do not count). Each change is tagged with its effect on
restoring a checkpoint trained with config A under config B (:mod:`tfckpt.odapi.change_effects`),
and the changes come worst first.

Example:
    >>> from tfckpt.pipeline import parse_pipeline_config
    >>> a = parse_pipeline_config("model { faster_rcnn { num_classes: 90 } }", "a.config")
    >>> b = parse_pipeline_config('''model { faster_rcnn { num_classes: 3 } }
    ... train_config { fine_tune_checkpoint: "m/ckpt-0" fine_tune_checkpoint_type: "full" }''', "b.config")
    >>> diff = diff_configs(a, b)
    >>> [(c.path, c.a, c.b, c.effect) for c in diff.changes][0]
    ('model.faster_rcnn.num_classes', 90, 3, 'breaks-full-restore')
    >>> diff.exit_code, diff_configs(a, a).identical
    (1, True)
"""

from __future__ import annotations

import dataclasses
import os
from typing import Union

from tfckpt.diff.restore import restore_context
from tfckpt.diff.result import Change, ConfigDiff, RestoreContext
from tfckpt.diff.walk import compare_configs
from tfckpt.odapi.change_effects import effect_of, effect_rank, rule_for
from tfckpt.pipeline.typed import PipelineConfig, load_pipeline_config

ConfigLike = Union[str, "os.PathLike[str]", PipelineConfig]

__all__ = ["Change", "ConfigDiff", "RestoreContext", "diff_configs"]


def _load(config: ConfigLike) -> PipelineConfig:
    return config if isinstance(config, PipelineConfig) else load_pipeline_config(os.fspath(config))


def diff_configs(a: ConfigLike, b: ConfigLike) -> ConfigDiff:
    """Compare two ``pipeline.config`` files by meaning.

    Args:
        a: the config a checkpoint was trained with: a path, or a parsed
            :class:`~tfckpt.pipeline.typed.PipelineConfig`.
        b: the config to compare with it (usually the one that will restore that checkpoint).

    Returns:
        A :class:`ConfigDiff`: every change with its effect, worst first, then in the schema's field
        order (the order configs are usually written in, whatever order A and B use).

    Raises:
        ConfigError: a file does not parse (``file:line:column``, the problem and the fix).
        FileNotFoundError, PermissionError, IsADirectoryError: a file cannot be read.
    """
    config_a, config_b = _load(a), _load(b)
    context = restore_context(config_b)
    changes = []
    for order, change in enumerate(compare_configs(config_a.root, config_b.root, config_b.schema)):
        rule = rule_for(change.path)
        note = "; ".join(text for text in (change.note, rule.note) if text)
        changes.append((order, dataclasses.replace(change, effect=effect_of(rule.part, context.restored), note=note)))
    changes.sort(key=lambda item: (effect_rank(item[1].effect), item[0]))
    return ConfigDiff(config_a.file, config_b.file, tuple(change for _, change in changes), context)
