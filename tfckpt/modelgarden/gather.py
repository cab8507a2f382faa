"""Read what the Model Garden rules need -- the experiment file, ``init_checkpoint``, ``model_dir``.

The only part of Model Garden ``validate`` that touches the disk. ``gs://`` paths are not looked
at (reading them needs TensorFlow). A folder given as ``init_checkpoint`` stands for its latest
checkpoint, as ``task.initialize`` reads it (``tf.train.latest_checkpoint``).

Example:
    >>> data = gather_experiment("runs/retina/params.yaml")  # doctest: +SKIP
    >>> data.model_dir.path, data.init.model.num_classes  # doctest: +SKIP
    ('runs/retina', 91)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Optional

from tfckpt.checkpoint.discover import discover, strip_checkpoint_suffix
from tfckpt.checkpoint.problems import Problem
from tfckpt.checkpoint.summary import CheckpointSummary, summarize_prefix
from tfckpt.errors import CheckpointNotFoundError, TfckptError
from tfckpt.io.fs import has_scheme
from tfckpt.modelgarden.config import PARAMS_NAME, ExperimentConfig, load_experiment_config
from tfckpt.pipeline.tree import Located

NOT_CHECKED = "a path with a scheme (gs://) cannot be checked offline: reading it needs TensorFlow, which " \
    "validate does not import"


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint a run would restore: ``task.init_checkpoint`` (or CKPT), or ``model_dir``'s latest.

    Attributes:
        given: the path as written (in the file or on the command line).
        located: ``task.init_checkpoint`` and its line; None for CKPT or a model_dir.
        prefix: the checkpoint prefix read; None when none was found.
        from_directory: ``given`` is a folder; ``prefix`` is its latest checkpoint.
        summary: what the checkpoint holds; None when it could not be read.
        model: the Model Garden model recognised in it
            (:class:`~tfckpt.modelgarden.recognise.ModelGardenCheckpoint`); None when not one.
        problem: why there is no summary (not found, unreadable).
        not_checked: why it was not looked at (``gs://``); ``""`` when it was.
    """

    given: str
    located: Optional[Located] = None
    prefix: Optional[str] = None
    from_directory: bool = False
    summary: Optional[CheckpointSummary] = None
    model: object = None
    problem: Optional[Problem] = None
    not_checked: str = ""


@dataclass(frozen=True)
class ModelDir:
    """The run's ``model_dir``: where training writes (and resumes from) its checkpoints.

    Attributes:
        path: the folder.
        reason: ``"--model-dir"``, or ``"params.yaml folder"`` (train.py writes params.yaml there).
        latest: its latest checkpoint; None when it holds none (training starts fresh).
    """

    path: str
    reason: str
    latest: Optional[Checkpoint] = None


@dataclass(frozen=True)
class ExperimentInput:
    """Everything the Model Garden rules look at.

    Attributes:
        config: the experiment file over its experiment's defaults.
        init: ``task.init_checkpoint`` (or the CKPT given instead); None when empty.
        model_dir: the run's folder; None when unknown.
        config_only: no checkpoint was read (``--config-only``).
    """

    config: ExperimentConfig
    init: Optional[Checkpoint] = None
    model_dir: Optional[ModelDir] = None
    config_only: bool = False

    def header_lines(self) -> list:
        """What was checked, for the text report (:mod:`tfckpt.modelgarden.report`)."""
        from tfckpt.modelgarden.report import header_lines

        return header_lines(self)


def gather_experiment(config, checkpoint: Optional[str] = None, model_dir: Optional[str] = None,
                      experiment: Optional[str] = None, config_only: bool = False) -> ExperimentInput:
    """Parse the experiment file and read the checkpoints it (and the arguments) name.

    Args:
        config: the YAML path, or a parsed :class:`ExperimentConfig`.
        checkpoint: a prefix or folder to check instead of ``task.init_checkpoint``.
        model_dir: the run's ``model_dir``. Defaults to the folder of a file named ``params.yaml``
            (``train.py`` writes it there), else none.
        experiment: the experiment an override file overrides (``--experiment``).
        config_only: read nothing but the config.

    Raises:
        ConfigError: the file cannot be read, is not YAML, or has keys the experiment does not.
    """
    parsed = config if isinstance(config, ExperimentConfig) else load_experiment_config(os.fspath(config), experiment)
    if config_only:
        return ExperimentInput(parsed, config_only=True)
    return ExperimentInput(parsed, _init(parsed, checkpoint), _model_dir(parsed, model_dir))


def _init(config: ExperimentConfig, checkpoint: Optional[str]) -> Optional[Checkpoint]:
    located = config.init_checkpoint
    given = os.fspath(checkpoint) if checkpoint is not None else located.value
    if not given or not isinstance(given, str):
        return None
    target = Checkpoint(given, located if checkpoint is None else None)
    if has_scheme(given):
        return replace(target, not_checked=NOT_CHECKED)
    return examine(target)


def examine(target: Checkpoint) -> Checkpoint:
    """Find and read the checkpoint ``target.given`` names (a prefix, a file of it, or a folder)."""
    path = target.given.rstrip("/") or "/"
    if os.path.isdir(path):
        try:
            latest = discover(path).latest
        except CheckpointNotFoundError as err:
            return replace(target, from_directory=True,
                           problem=Problem("checkpoint-not-found", path, err.problem, err.fix))
        except TfckptError as err:
            return replace(target, from_directory=True,
                           problem=Problem("checkpoint-unreadable", path, err.problem, err.fix))
        target = replace(target, from_directory=True, prefix=latest)
    else:
        target = replace(target, prefix=strip_checkpoint_suffix(path))
    if target.prefix is None or not os.path.exists(target.prefix + ".index"):
        return replace(target, prefix=None, problem=Problem(
            "checkpoint-not-found", path, "no checkpoint here (no PREFIX.index)",
            "give the prefix (e.g. ckpt-1000, without .index) or the folder that holds the checkpoints"))
    try:
        summary = summarize_prefix(target.prefix)
    except TfckptError as err:
        return replace(target, problem=Problem("checkpoint-unreadable", target.prefix, err.problem, err.fix))
    return replace(target, summary=summary, model=recognise(summary))


def recognise(summary: CheckpointSummary):
    """The Model Garden model in ``summary`` (None when it holds none)."""
    from tfckpt.modelgarden.recognise import recognise_model_garden

    return recognise_model_garden(summary)


def _model_dir(config: ExperimentConfig, model_dir: Optional[str]) -> Optional[ModelDir]:
    if model_dir is not None:
        path, reason = os.fspath(model_dir), "--model-dir"
    elif os.path.basename(config.file) == PARAMS_NAME:
        path, reason = os.path.dirname(config.file) or ".", "params.yaml folder"
    else:
        return None
    if has_scheme(path) or not os.path.isdir(path):
        return ModelDir(path, reason)
    try:
        latest = discover(path).latest
    except TfckptError:
        return ModelDir(path, reason)
    if latest is None:
        return ModelDir(path, reason)
    return ModelDir(path, reason, examine(Checkpoint(latest)))
