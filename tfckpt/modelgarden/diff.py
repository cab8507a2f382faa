"""``tfckpt diff a.yaml b.yaml``: two Model Garden experiment files compared as pipeline configs are.

Both files are read over their experiment's defaults (a complete ``params.yaml`` picks the
experiment by its architecture; an override file needs ``experiment``), into trees that share one
schema, and walked by the same :func:`tfckpt.diff.walk.compare_configs` as pipeline configs. Each
change gets its effect on restoring a checkpoint trained with A under B, from
:mod:`tfckpt.modelgarden.change_effects` and B's ``init_checkpoint_modules``.

Example:
    >>> from tfckpt.modelgarden.config import parse_experiment_config
    >>> a = parse_experiment_config("task:\\n  model:\\n    num_classes: 91\\n", "a.yaml", "retinanet_resnetfpn_coco")
    >>> b = parse_experiment_config("task:\\n  model:\\n    num_classes: 4\\n  init_checkpoint: m/ckpt-1\\n"
    ...                             "  init_checkpoint_modules: all\\n", "b.yaml", "retinanet_resnetfpn_coco")
    >>> diff = diff_experiments(a, b)
    >>> [(c.path, c.a, c.b, c.effect) for c in diff.changes][0]
    ('task.model.num_classes', 91, 4, 'breaks-full-restore')
"""

from __future__ import annotations

import dataclasses
import os
from typing import Optional, Tuple, Union

from tfckpt.diff.result import ConfigDiff, RestoreContext
from tfckpt.diff.walk import compare_configs
from tfckpt.modelgarden.change_effects import DECODER, effect_of, rule_for
from tfckpt.modelgarden.config import ExperimentConfig, load_experiment_config
from tfckpt.modelgarden.init_modules import ALL, describe, modules_restored
from tfckpt.modelgarden.tree import build_schema, to_message
from tfckpt.odapi.change_effects import BACKBONE, HEADS, OPTIMIZER, effect_rank

ExperimentLike = Union[str, "os.PathLike[str]", ExperimentConfig]


def restore_context(b: ExperimentConfig) -> RestoreContext:
    """How ``b`` would restore a checkpoint trained with A: ``task.initialize`` under B's
    ``init_checkpoint_modules``, or (without ``init_checkpoint``) only by resuming A's model_dir."""
    if not b.init_checkpoint.value:
        return RestoreContext("resume", (BACKBONE, DECODER, HEADS, OPTIMIZER),
                              "B sets no init_checkpoint: a checkpoint trained with A is restored only by resuming "
                              "its model_dir, which restores the model, the optimizer and the step")
    modules = b.init_checkpoint_modules
    value = [item.value for item in modules] if b.modules_is_list else modules[0].value
    parts = modules_restored(value) if isinstance(value, (str, list)) else ()
    written = ", ".join(str(item.value) for item in modules)
    if parts == (ALL,):
        return RestoreContext("all", (BACKBONE, DECODER, HEADS),
                              f"B's init_checkpoint_modules {written} restores the whole model")
    warnings = () if parts else (f"B's init_checkpoint_modules {written} restores nothing, with no error",)
    return RestoreContext(",".join(parts) or "nothing", parts,
                          f"B's init_checkpoint_modules {written} restores {describe(parts)}, not the heads", warnings)


def _load(config: ExperimentLike, experiment: Optional[str]) -> ExperimentConfig:
    return config if isinstance(config, ExperimentConfig) else load_experiment_config(os.fspath(config), experiment)


def _shared_trees(a: ExperimentConfig, b: ExperimentConfig) -> Tuple[object, object, object]:
    schema = build_schema([a.merged, b.merged], a.experiment.defaults)
    return to_message(a.merged, schema), to_message(b.merged, schema), schema


def diff_experiments(a: ExperimentLike, b: ExperimentLike, experiment: Optional[str] = None) -> ConfigDiff:
    """Compare two experiment files by meaning.

    Args:
        a: the file a checkpoint was trained with (a path, or a parsed ExperimentConfig).
        b: the file to compare with it (usually the one that will restore that checkpoint).
        experiment: the experiment override files override. Defaults to None: complete params.yaml files.

    Returns:
        A :class:`~tfckpt.diff.result.ConfigDiff`: every change with its effect, worst first.

    Raises:
        ConfigError: a file cannot be read, is not YAML, or has a key its experiment does not.
    """
    config_a, config_b = _load(a, experiment), _load(b, experiment)
    root_a, root_b, schema = _shared_trees(config_a, config_b)
    context = restore_context(config_b)
    changes = []
    for order, change in enumerate(compare_configs(root_a, root_b, schema)):
        rule = rule_for(change.path)
        note = "; ".join(text for text in (change.note, rule.note) if text)
        changes.append((order, dataclasses.replace(change, effect=effect_of(rule.part, context.restored), note=note)))
    changes.sort(key=lambda item: (effect_rank(item[1].effect), item[0]))
    return ConfigDiff(config_a.file, config_b.file, tuple(change for _, change in changes), context)
