"""What the rules are given: everything read from disk, gathered before any rule runs.

The rules are pure functions of a :class:`ValidationInput`; :mod:`tfckpt.validate.gather` is the
only code that reads files for them. Paths keep the spelling the user wrote (relative paths stay
relative), so findings quote them as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from tfckpt.checkpoint.problems import Problem
from tfckpt.checkpoint.summary import CheckpointSummary
from tfckpt.odapi.installed_restore import InstalledRestore
from tfckpt.odapi.restore_rules import CURRENT
from tfckpt.pipeline import ConfigError, LabelMap, Located, PipelineConfig

FINE_TUNE, RESUME = "fine-tune", "resume"


@dataclass(frozen=True)
class TrainedWith:
    """The ``pipeline.config`` found beside a checkpoint (the model-zoo layout keeps one).

    Attributes:
        path: where it was found.
        config: the parsed file; None when it does not parse.
        error: why it does not parse.
    """

    path: str
    config: Optional[PipelineConfig] = None
    error: Optional[ConfigError] = None


@dataclass(frozen=True)
class CheckpointTarget:
    """A checkpoint a run would restore: the config's ``fine_tune_checkpoint`` (or the CKPT given
    instead), or the latest checkpoint of ``--model-dir``.

    Attributes:
        role: ``"fine-tune"`` or ``"resume"``.
        given: the path as written in the config or on the command line.
        located: the config's ``fine_tune_checkpoint`` (its line); None for a resume.
        from_config: True when ``given`` is the config's ``fine_tune_checkpoint``.
        prefix: the checkpoint prefix examined, spelled like ``given``; None when none was found.
        from_directory: ``given`` is a directory; ``prefix`` is its latest checkpoint.
        zoo_folder: ``given`` is an unpacked model-zoo folder: ``prefix`` is in its ``checkpoint/``
            sub-folder, and ``given`` itself holds no checkpoint state file.
        names_file: ``given`` names the ``.index`` or a ``.data`` file instead of the prefix.
        relative_to_config: ``given`` does not exist from the working directory, but does from
            the config's folder: this is that spelling.
        summary: what the checkpoint holds; None when there is no readable checkpoint.
        problem: why there is no summary (not found, unreadable index).
        not_checked: why the path was not looked at (``gs://`` needs TensorFlow); ``""`` if it was.
        newest_with_model: when ``prefix`` holds no model, the newest checkpoint beside it that does.
        trained_with: the ``pipeline.config`` beside the checkpoint, if any.
    """

    role: str
    given: str
    located: Optional[Located] = None
    from_config: bool = False
    prefix: Optional[str] = None
    from_directory: bool = False
    zoo_folder: bool = False
    names_file: bool = False
    relative_to_config: Optional[str] = None
    summary: Optional[CheckpointSummary] = None
    problem: Optional[Problem] = None
    not_checked: str = ""
    newest_with_model: Optional[str] = None
    trained_with: Optional[TrainedWith] = None

    @property
    def usable(self) -> bool:
        """A readable TF checkpoint was found (it may still be incomplete)."""
        return self.summary is not None and self.summary.kind is not None


@dataclass(frozen=True)
class ModelDir:
    """``--model-dir``: what ``model_main_tf2 --model_dir`` would resume from.

    Attributes:
        path: as given.
        state: ``"resume"`` (a latest checkpoint is found the way ``tf.train.latest_checkpoint``
            finds it), ``"missing"`` (no such folder), ``"empty"`` (no checkpoint),
            ``"no-state-file"`` (checkpoints but no ``checkpoint`` file), ``"stale-state"``
            (the state file names a checkpoint that is not there), ``"unreadable-state"`` (the
            state file does not parse), ``"zoo-folder"`` (an unpacked model-zoo folder: a
            ``checkpoint/`` sub-folder stands where the state file is written) or ``"not-checked"``
            (a ``gs://`` path).
        checkpoint: the latest checkpoint when ``state`` is ``"resume"``.
        on_disk: the newest checkpoint on disk, when the state file does not lead to it (for a
            model-zoo folder: the checkpoint in its ``checkpoint/`` sub-folder).
        listed: what the state file names as latest, when that is not there.
        problem: why the state file cannot be read.
    """

    path: str
    state: str
    checkpoint: Optional[CheckpointTarget] = None
    on_disk: Optional[str] = None
    listed: str = ""
    problem: Optional[Problem] = None


@dataclass(frozen=True)
class LabelMapInput:
    """One ``label_map_path`` of the config.

    Attributes:
        located: the path and where the config writes it.
        used_for_training: written in ``train_input_reader`` (else only in an eval reader).
        label_map: the parsed label map (not checked); None when missing or unparsable.
        problems: what is wrong inside it (ids, names), each with its own ``file:line``.
        missing: True when the file does not exist.
        relative_to_config: as in :class:`CheckpointTarget`.
        not_checked: as in :class:`CheckpointTarget`.
    """

    located: Located
    used_for_training: bool
    label_map: Optional[LabelMap] = None
    problems: Tuple[ConfigError, ...] = ()
    missing: bool = False
    relative_to_config: Optional[str] = None
    not_checked: str = ""


@dataclass(frozen=True)
class InputFiles:
    """One ``tf_record_input_reader.input_path`` (a file or a glob).

    Attributes:
        located: the pattern and where the config writes it.
        used_for_training: in ``train_input_reader`` (else in an eval reader).
        matches: how many files the pattern matches from the working directory.
        relative_to_config: the pattern that matches from the config's folder, when only that does.
        not_checked: as in :class:`CheckpointTarget`.
    """

    located: Located
    used_for_training: bool
    matches: int = 0
    relative_to_config: Optional[str] = None
    not_checked: str = ""


@dataclass(frozen=True)
class ValidationInput:
    """Everything the rules look at.

    Attributes:
        config: the parsed ``pipeline.config``.
        fine_tune: the checkpoint a fine-tune restores; None when there is none.
        model_dir: the ``--model-dir`` resume; None when not asked for.
        label_maps: each distinct label map path (train reader first).
        input_files: each input path, train reader first.
        installed_odapi_error: where and why the installed ``object_detection`` rejects the config
            that tfckpt's schema accepted; None when it agrees or is not installed.
        config_only: only the config was read (``--config-only``).
        installed_restore: what the installed ``object_detection``'s CenterNet restore does (read
            for CenterNet configs only); None when none is installed.
    """

    config: PipelineConfig
    fine_tune: Optional[CheckpointTarget] = None
    model_dir: Optional[ModelDir] = None
    label_maps: Tuple[LabelMapInput, ...] = ()
    input_files: Tuple[InputFiles, ...] = ()
    installed_odapi_error: Optional[Tuple[int, str]] = None  # (line, message) when the installed OD API rejects
    installed_restore: Optional[InstalledRestore] = None
    config_only: bool = False

    @property
    def generation(self) -> str:
        """The OD API generation whose restores apply: the installed copy's, else today's."""
        installed = self.installed_restore
        return installed.generation if installed is not None and installed.generation else CURRENT

    @property
    def fine_tunes(self) -> bool:
        """A fine-tune restore happens: a checkpoint was given or the config names one (true in
        config-only checks too, where no checkpoint is read)."""
        return self.fine_tune is not None or bool(self.config.fine_tune_checkpoint.value)

    @property
    def restores(self) -> Tuple[CheckpointTarget, ...]:
        """The checkpoints a run restores that could be read: the fine-tune one, then the resume one."""
        found = [self.fine_tune, self.model_dir.checkpoint if self.model_dir else None]
        return tuple(target for target in found if target is not None and target.usable)
