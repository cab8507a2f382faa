"""``tfckpt validate``: predict, without TensorFlow, whether a config trains and restores.

Data flows one way: :mod:`~tfckpt.validate.gather` reads the config, the checkpoints, label maps
and input files into a :class:`ValidationInput`; the rules in :mod:`~tfckpt.validate.registry`
(pure functions) turn it into :class:`Finding` objects; the CLI renders them.

Example:
    >>> from tfckpt.validate import validate
    >>> report = validate("pipeline.config", checkpoint="models/frcnn/ckpt-2")  # doctest: +SKIP
    >>> [(f.severity, f.id) for f in report.findings]  # doctest: +SKIP
    [('info', 'heads-start-fresh')]
"""

from tfckpt.validate.api import validate
from tfckpt.validate.findings import ERROR, INFO, SEVERITIES, WARNING, Finding, ValidationReport
from tfckpt.validate.gather import gather
from tfckpt.validate.inputs import CheckpointTarget, InputFiles, LabelMapInput, ModelDir, ValidationInput
from tfckpt.validate.registry import RULES, run_rules

__all__ = ["ERROR", "INFO", "RULES", "SEVERITIES", "WARNING", "CheckpointTarget", "Finding", "InputFiles",
           "LabelMapInput", "ModelDir", "ValidationInput", "ValidationReport", "gather", "run_rules", "validate"]
