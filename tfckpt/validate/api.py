"""``tfckpt.validate``: will this ``pipeline.config`` train, and restore what it points at?

Example:
    >>> import tfckpt
    >>> report = tfckpt.validate("models/frcnn/pipeline.config")  # doctest: +SKIP
    >>> report.ok, [finding.id for finding in report.findings]  # doctest: +SKIP
    (False, ['restores-nothing'])
"""

from __future__ import annotations

from typing import Optional, Union

from tfckpt.pipeline import PipelineConfig
from tfckpt.validate.findings import ValidationReport
from tfckpt.validate.gather import PathLike, gather
from tfckpt.validate.registry import run_rules


def validate(config: Union[PathLike, PipelineConfig], checkpoint: Optional[PathLike] = None,
             model_dir: Optional[PathLike] = None, config_only: bool = False) -> ValidationReport:
    """Check a ``pipeline.config`` and the checkpoints it restores, without TensorFlow.

    Predicts what ``model_main_tf2`` would do with them: whether the fine-tune restore binds the
    checkpoint's model (architecture, feature extractor, class count, ``fine_tune_checkpoint_type``),
    whether every file it names is there and whole, and the field combinations that fail model
    building. Relative paths are resolved from the working directory, as ``model_main_tf2`` does.

    Args:
        config: the ``pipeline.config`` path, or a parsed :class:`~tfckpt.pipeline.PipelineConfig`.
        checkpoint: a checkpoint prefix (or a folder: its latest checkpoint) to check instead of the
            config's ``fine_tune_checkpoint``. Defaults to ``None``: the config's.
        model_dir: the ``--model_dir`` of a run to resume; its latest checkpoint is checked as a
            resume restores it (model, optimizer and step). Defaults to ``None``: no resume.
        config_only: check the config alone (fields and their combinations), reading no other
            file: for templates whose paths are placeholders. Defaults to ``False``.

    Returns:
        A :class:`ValidationReport`: ``ok`` is False when there is an error.

    Raises:
        ConfigError: the config cannot be read or does not parse (``file:line:column``).
    """
    data = gather(config, checkpoint, model_dir, config_only=config_only)
    return ValidationReport(data.config.file, run_rules(data), data)
