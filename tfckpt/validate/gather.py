"""Read everything the rules need -- the only part of ``validate`` that touches the disk.

Relative paths in the config are resolved from the working directory, as ``model_main_tf2``
resolves them; when one is missing from there but present from the config's folder, that is
recorded so the finding can say so. Paths with a scheme (``gs://``) are not looked at: reading
them needs TensorFlow, which ``validate`` never imports.

Example:
    >>> data = gather("models/frcnn/pipeline.config", model_dir="runs/frcnn")  # doctest: +SKIP
    >>> data.fine_tune.summary.model.num_classes, data.model_dir.state  # doctest: +SKIP
    (90, 'empty')
"""

from __future__ import annotations

import glob
import os
from dataclasses import replace
from typing import Iterable, List, Optional, Tuple, Union

from tfckpt.checkpoint.discover import KERAS_SUFFIXES, discover, strip_checkpoint_suffix
from tfckpt.checkpoint.problems import Problem
from tfckpt.checkpoint.summary import CheckpointSummary, summarize_prefix
from tfckpt.errors import CheckpointNotFoundError, TfckptError
from tfckpt.io.checked import read_regular_file
from tfckpt.io.fs import has_scheme
from tfckpt.odapi.installed_restore import installed_restore
from tfckpt.odapi.restore_rules import generations_differ
from tfckpt.pipeline.parser import MAX_TEXT_BYTES
from tfckpt.pipeline.installed_odapi import installed_accepts, installed_parse_error
from tfckpt.pipeline import ConfigError, Located, PipelineConfig, check_label_map, load_label_map, \
    load_pipeline_config
from tfckpt.validate.inputs import FINE_TUNE, RESUME, CheckpointTarget, InputFiles, LabelMapInput, ModelDir, \
    TrainedWith, ValidationInput

PathLike = Union[str, "os.PathLike[str]"]
NOT_CHECKED = "paths with a scheme are not checked: reading them needs TensorFlow, which validate does not import"
TRAINED_WITH_NAME = "pipeline.config"
ZOO_CHECKPOINTS = "checkpoint"  # the model zoo's sub-folder, named like TensorFlow's state file
_TRAIN_READER = "train_input_reader"


def gather(config: Union[PathLike, PipelineConfig], checkpoint: Optional[PathLike] = None,
           model_dir: Optional[PathLike] = None, config_only: bool = False) -> ValidationInput:
    """Parse the config and read every file it (and the arguments) name.

    Args:
        config: a ``pipeline.config`` path, or an already parsed :class:`PipelineConfig`.
        checkpoint: the checkpoint to check instead of the config's ``fine_tune_checkpoint`` (a
            prefix, or a folder: its latest checkpoint). Defaults to the config's.
        model_dir: a ``model_main_tf2 --model_dir`` whose latest checkpoint a run resumes from.
        config_only: read nothing but the config (no checkpoint, label map or input files).

    Raises:
        ConfigError: the config cannot be read or does not parse (``file:line:column``).
    """
    parsed = config if isinstance(config, PipelineConfig) else _load_config(os.fspath(config))
    installed = _installed_odapi_error(parsed)
    restore = installed_restore() if generations_differ(parsed.meta_architecture.value) else None
    if config_only:
        return ValidationInput(config=parsed, installed_odapi_error=installed, installed_restore=restore,
                               config_only=True)
    return ValidationInput(
        config=parsed,
        installed_odapi_error=installed,
        installed_restore=restore,
        fine_tune=_fine_tune(parsed, None if checkpoint is None else os.fspath(checkpoint)),
        model_dir=None if model_dir is None else _model_dir(os.fspath(model_dir), parsed),
        label_maps=_label_maps(parsed),
        input_files=_input_files(parsed),
    )


def _load_config(path: str) -> PipelineConfig:
    try:
        return load_pipeline_config(path)
    except ConfigError as err:
        # tfckpt's schema lags behind the installed OD API (line 0: the file itself cannot be read)
        if err.line and installed_accepts(_read_text(path)):
            raise ConfigError(err.file, err.line, err.column, err.problem,
                              f"{err.fix}; the installed object_detection accepts it, so tfckpt's schema may be "
                              "older than your Object Detection API: please report it", err.code) from None
        raise
    except FileNotFoundError:
        raise ConfigError(path, 0, 0, "no such file", "pass the pipeline.config first, then the checkpoint",
                          "config-not-found") from None
    except IsADirectoryError:
        raise ConfigError(path, 0, 0, "is a directory, not a pipeline.config file",
                          f"pass the file itself, e.g. {os.path.join(path, TRAINED_WITH_NAME)}",
                          "config-not-found") from None
    except OSError as err:
        raise ConfigError(path, 0, 0, f"cannot be read ({err.strerror or err})", "check the path and its permissions",
                          "config-unreadable") from None


def _read_text(path: str) -> str:
    return read_regular_file(path, max_bytes=MAX_TEXT_BYTES).decode("utf-8", "replace")


def _installed_odapi_error(config: PipelineConfig) -> Optional[Tuple[int, str]]:
    if config.file.startswith("<") or not os.path.isfile(config.file):
        return None
    return installed_parse_error(_read_text(config.file))


def _config_folder(config: PipelineConfig) -> Optional[str]:
    return None if config.file.startswith("<") else os.path.dirname(config.file) or "."


def _from_config_folder(path: str, config: PipelineConfig, exists) -> Optional[str]:
    """``path`` spelled from the config's folder, when only that spelling exists."""
    folder = _config_folder(config)
    if folder in (None, ".") or os.path.isabs(path) or exists(path):
        return None
    candidate = os.path.join(folder, path)
    return candidate if exists(candidate) else None


# --- checkpoints ---------------------------------------------------------------------------


def _checkpoint_exists(path: str) -> bool:
    return os.path.exists(path) or os.path.exists(strip_checkpoint_suffix(path) + ".index")


def _fine_tune(config: PipelineConfig, checkpoint: Optional[str]) -> Optional[CheckpointTarget]:
    located = config.fine_tune_checkpoint
    given = checkpoint if checkpoint is not None else located.value
    if not given:
        return None
    target = CheckpointTarget(FINE_TUNE, given, located, from_config=checkpoint is None)
    if has_scheme(given):
        return replace(target, not_checked=NOT_CHECKED)
    relative = _from_config_folder(given, config, _checkpoint_exists) if target.from_config else None
    return _examine(replace(target, relative_to_config=relative), config)


def _examine(target: CheckpointTarget, config: PipelineConfig) -> CheckpointTarget:
    """Find the checkpoint ``target.given`` names, read its summary and what is beside it."""
    spelled = (target.relative_to_config or target.given).rstrip("/") or "/"
    if os.path.isdir(spelled):
        latest, problem = _latest_in(spelled)
        if latest is None:
            return replace(target, from_directory=True, problem=problem)
        target = replace(target, from_directory=True, prefix=latest, zoo_folder=_is_zoo_folder(spelled))
    elif spelled.endswith(KERAS_SUFFIXES) and os.path.isfile(spelled):
        return replace(target, problem=Problem(
            "checkpoint-keras-file", spelled, "is a Keras weights file, not a TensorFlow checkpoint: model_main_tf2 "
            "restores only tf.train.Checkpoint saves (PREFIX.index + PREFIX.data-*)",
            "save the model with tf.train.Checkpoint(model=...).save(...) and pass that prefix"))
    else:
        prefix = strip_checkpoint_suffix(spelled)
        target = replace(target, prefix=prefix, names_file=prefix != spelled)
    summary, problem = _summarize(target.prefix)
    if summary is None:
        return replace(target, prefix=None, problem=problem)
    return replace(target, summary=summary, newest_with_model=_newest_with_model(summary),
                   trained_with=_trained_with(summary.path, config))


def _is_zoo_folder(folder: str) -> bool:
    """An unpacked model-zoo folder: a ``checkpoint/`` sub-folder where a state file would be."""
    return os.path.isdir(os.path.join(folder, ZOO_CHECKPOINTS))


def _latest_in(folder: str) -> Tuple[Optional[str], Optional[Problem]]:
    """The latest checkpoint in ``folder`` (or in its model-zoo ``checkpoint/`` subfolder)."""
    try:
        return discover(folder).latest, None
    except CheckpointNotFoundError as err:
        zoo = os.path.join(folder, ZOO_CHECKPOINTS)
        if os.path.isdir(zoo):
            return _latest_in(zoo)
        return None, Problem("checkpoint-not-found", err.path, err.problem, err.fix)
    except TfckptError as err:
        return None, Problem("checkpoint-unreadable", err.path, err.problem, err.fix)


def _summarize(prefix: str) -> Tuple[Optional[CheckpointSummary], Optional[Problem]]:
    try:
        return summarize_prefix(prefix), None
    except CheckpointNotFoundError:
        try:  # for its message: nearby checkpoints, a V1 leftover, or a plain miss
            discover(prefix)
        except TfckptError as err:
            return None, Problem("checkpoint-not-found", err.path, err.problem, err.fix)
        return None, Problem("checkpoint-not-found", prefix, "no checkpoint with this prefix", "check the path")
    except TfckptError as err:
        return None, Problem("checkpoint-unreadable", err.path, err.problem, err.fix)


def _newest_with_model(summary: CheckpointSummary) -> Optional[str]:
    """For a checkpoint that holds no model: the newest whole one beside it that does."""
    if summary.holds_model or summary.kind is None:
        return None
    try:
        prefixes = discover(os.path.dirname(summary.path) or ".").prefixes
    except TfckptError:
        return None
    for prefix in reversed(prefixes):
        if prefix != summary.path:
            other, _ = _summarize(prefix)
            if other is not None and other.holds_model and other.complete:
                return prefix
    return None


def _trained_with(prefix: str, config: PipelineConfig) -> Optional[TrainedWith]:
    """The ``pipeline.config`` in the checkpoint's folder or its parent (model-zoo layout)."""
    folder = os.path.dirname(prefix) or "."
    parent = os.path.dirname(folder) or "."
    for candidate in (os.path.join(folder, TRAINED_WITH_NAME), os.path.join(parent, TRAINED_WITH_NAME)):
        if not os.path.isfile(candidate):
            continue
        if not config.file.startswith("<") and os.path.realpath(candidate) == os.path.realpath(config.file):
            return None  # the config being validated is the checkpoint's own
        try:
            return TrainedWith(candidate, load_pipeline_config(candidate))
        except ConfigError as err:
            return TrainedWith(candidate, error=err)
        except OSError:
            return None
    return None


def _model_dir(path: str, config: PipelineConfig) -> ModelDir:
    """What ``tf.train.latest_checkpoint(model_dir)`` finds: the state file's latest, if it exists."""
    if has_scheme(path):
        return ModelDir(path, "not-checked")
    if not os.path.isdir(path):
        return ModelDir(path, "missing")
    if _is_zoo_folder(path):
        latest, _ = _latest_in(path)
        return ModelDir(path, "zoo-folder", on_disk=latest)
    try:
        found = discover(path)
    except CheckpointNotFoundError:
        return ModelDir(path, "empty")
    except TfckptError as err:
        return ModelDir(path, "unreadable-state", problem=Problem("state-unreadable", err.path, err.problem, err.fix))
    if found.state is None:
        return ModelDir(path, "no-state-file", on_disk=found.latest)
    listed = found.state.latest
    latest = listed if os.path.isabs(listed) else os.path.join(path, listed)
    if not listed or not os.path.exists(latest + ".index"):
        return ModelDir(path, "stale-state", on_disk=found.latest, listed=listed)
    return ModelDir(path, "resume", checkpoint=_examine(CheckpointTarget(RESUME, latest), config))


# --- label maps and input files ------------------------------------------------------------


def _distinct(paths: Iterable[Located]) -> List[Located]:
    """The first occurrence of each path (the train reader's come first)."""
    seen, kept = set(), []
    for located in paths:
        if located.value not in seen:
            seen.add(located.value)
            kept.append(located)
    return kept


def _label_maps(config: PipelineConfig) -> Tuple[LabelMapInput, ...]:
    return tuple(_label_map(located, config) for located in _distinct(config.label_map_paths))


def _label_map(located: Located, config: PipelineConfig) -> LabelMapInput:
    entry = LabelMapInput(located, located.path.startswith(_TRAIN_READER))
    path = located.value
    if has_scheme(path):
        return replace(entry, not_checked=NOT_CHECKED)
    relative = _from_config_folder(path, config, os.path.isfile)
    if not os.path.isfile(relative or path):
        return replace(entry, missing=True)
    try:
        label_map = load_label_map(relative or path, check=False)
    except ConfigError as err:
        return replace(entry, problems=(err,), relative_to_config=relative)
    except OSError as err:
        return replace(entry, problems=(ConfigError(relative or path, 0, 0, f"cannot be read ({err.strerror})",
                                                    "check its permissions", "label-map-unreadable"),))
    return replace(entry, label_map=label_map, problems=check_label_map(label_map), relative_to_config=relative)


def _input_files(config: PipelineConfig) -> Tuple[InputFiles, ...]:
    paths = list(config.train_input_paths) + list(config.eval_input_paths)
    return tuple(_input_file(located, config) for located in _distinct(paths))


def _matches(pattern: str) -> int:
    return sum(1 for path in glob.glob(pattern) if os.path.isfile(path))


def _input_file(located: Located, config: PipelineConfig) -> InputFiles:
    entry = InputFiles(located, located.path.startswith(_TRAIN_READER))
    if has_scheme(located.value):
        return replace(entry, not_checked=NOT_CHECKED)
    matches = _matches(located.value)
    relative = None if matches else _from_config_folder(located.value, config, _matches)
    return replace(entry, matches=matches, relative_to_config=relative)
