"""``tfckpt validate`` for Model Garden experiments: predict ``task.initialize`` and training, offline.

Example:
    >>> report = validate_experiment("runs/retina/params.yaml", "pretrained/retinanet/ckpt-1")  # doctest: +SKIP
    >>> [(f.severity, f.id) for f in report.findings]  # doctest: +SKIP
    [('error', 'num-classes-mismatch')]
"""

from __future__ import annotations

from typing import Optional

from tfckpt.modelgarden import rules_config, rules_restore
from tfckpt.modelgarden.gather import gather_experiment
from tfckpt.validate.findings import ValidationReport
from tfckpt.validate.registry import run_rules

RULES = (*rules_config.RULES, *rules_restore.RULES)


def validate_experiment(config, checkpoint: Optional[str] = None, model_dir: Optional[str] = None,
                        experiment: Optional[str] = None, config_only: bool = False) -> ValidationReport:
    """Check a Model Garden experiment file and the checkpoints it restores, without TensorFlow.

    Predicts what ``official/vision/train.py`` would do: whether ``task.initialize`` restores
    ``init_checkpoint`` (layout, architecture, backbone, class count, ``init_checkpoint_modules``),
    whether ``model_dir`` already holds checkpoints (then init is skipped), whether the best-checkpoint
    exporter will work, and values ``params.validate()`` lets through.

    Args:
        config: the YAML path (a ``params.yaml`` from ``model_dir``, or an override file with
            ``experiment``), or a parsed :class:`~tfckpt.modelgarden.config.ExperimentConfig`.
        checkpoint: a prefix or folder to check instead of ``task.init_checkpoint``. Defaults to None.
        model_dir: the run's ``model_dir``. Defaults to the folder of a file named ``params.yaml``.
        experiment: the experiment an override file overrides, e.g. ``"retinanet_resnetfpn_coco"``.
            Defaults to None: the file is a complete ``params.yaml``.
        config_only: check the file alone, reading no checkpoint. Defaults to False.

    Returns:
        A :class:`~tfckpt.validate.findings.ValidationReport`; ``ok`` is False when there is an error.

    Raises:
        ConfigError: the file cannot be read, is not YAML, or has a key the experiment does not.
    """
    data = gather_experiment(config, checkpoint, model_dir, experiment, config_only)
    return ValidationReport(data.config.file, run_rules(data, RULES), data)
