"""Checkpoint file names from templates such as ``ckpt-{epoch:03d}-{val_mAP:.3f}``.

The template is checked when training begins, against the names that will exist (``epoch``,
``step`` and the metrics), so a typo fails at once rather than as a ``KeyError`` at epoch 7.
Metric names with ``/`` (the Object Detection API's ``DetectionBoxes_Precision/mAP``) work as
fields, and a rendered name never contains a path separator.

Example:
    >>> template = FilenameTemplate("best-{epoch:03d}-{val_mAP:.3f}")
    >>> template.check(["val_mAP", "loss"])
    >>> template.render(epoch=7, step=700, logs={"val_mAP": 0.4312})
    'best-007-0.431'
"""

from __future__ import annotations

import difflib
import re
import string
from typing import Any, Iterable, List, Mapping, Optional

from tfckpt.callbacks.errors import CallbackConfigError

BUILT_IN_FIELDS = ("epoch", "step")
_UNSAFE = re.compile(r"[/\\:*?\"<>|\s]+")


def _flattened(value: Any) -> Iterable[Any]:
    if isinstance(value, Mapping):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        for item in value:
            yield from _flattened(item)
    elif value is not None:
        yield value


def compiled_metric_names(model: Any) -> List[str]:
    """The ``logs`` keys of the metrics ``model.compile(metrics=...)`` asked for (``"accuracy"``,
    an ``AUC(name="auc")``'s ``"auc"``), each also with its ``val_`` form; ``[]`` before compile.

    Example:
        >>> class Compiled:  # what Keras keeps of compile()'s arguments
        ...     class _compile_config:
        ...         config = {"metrics": ["accuracy"], "weighted_metrics": None}
        >>> compiled_metric_names(Compiled())
        ['accuracy', 'val_accuracy']
    """
    config = getattr(getattr(model, "_compile_config", None), "config", None)
    if not isinstance(config, Mapping):
        return []
    names: List[str] = []
    for metric in _flattened([config.get("metrics"), config.get("weighted_metrics")]):
        name = metric if isinstance(metric, str) else getattr(metric, "name", None) or getattr(metric, "__name__", None)
        if isinstance(name, str) and name not in names:
            names.append(name)
    return names + [f"val_{name}" for name in names]


class _WholeNameFormatter(string.Formatter):
    """Looks fields up by their whole name, so ``{DetectionBoxes_Precision/mAP@.50IOU}`` is one
    key, not an attribute access."""

    def get_field(self, field_name, args, kwargs):
        return kwargs[field_name], field_name


_FORMATTER = _WholeNameFormatter()


class FilenameTemplate:
    """A ``str.format`` template for checkpoint names, validated before use."""

    def __init__(self, template: str) -> None:
        if not isinstance(template, str) or not template.strip():
            raise CallbackConfigError(f"filename must be a non-empty template. Received: filename={template!r}")
        try:
            parsed = list(_FORMATTER.parse(template))
        except ValueError as err:
            raise CallbackConfigError(f"filename template {template!r} is malformed ({err})",
                                      "write fields as {epoch:04d} or {val_loss:.3f}") from None
        self.template = template
        self.fields = tuple(dict.fromkeys(name for _, name, _, _ in parsed if name is not None))
        if "" in self.fields or any(name.isdigit() for name in self.fields):
            raise CallbackConfigError(f"filename template {template!r} has an unnamed field",
                                      "name every field, as in {epoch:04d}")
        self._specs = {name: spec for _, name, spec, _ in parsed if name}

    def check(self, metric_names: Iterable[str], allow_unknown: bool = False,
              suspects: Optional[Iterable[str]] = None) -> None:
        """Raise if a field is neither ``epoch``/``step`` nor one of ``metric_names``, or if its
        format spec does not fit its kind (``{epoch:.3f}`` is fine, ``{epoch:s}`` is not).

        With ``allow_unknown`` (at train begin, when metrics added by other callbacks are not
        known yet) only near-misses of known names (typos) raise; with ``suspects`` too (before
        the model is known), only near-misses of those names.
        """
        known = list(dict.fromkeys([*BUILT_IN_FIELDS, *metric_names]))  # in order, each name once
        for name in self.fields:
            if name not in known:
                close = difflib.get_close_matches(name, known, n=1)
                if allow_unknown and (not close or (suspects is not None and close[0] not in suspects)):
                    continue
                hint = f"did you mean {{{close[0]}}}? " if close else ""
                raise CallbackConfigError(
                    f"filename template {self.template!r} uses {{{name}}}, which will not exist",
                    f"{hint}fields available: {', '.join(known)}")
            self._check_spec(name)

    def _check_spec(self, name: str) -> None:
        sample = 1 if name in BUILT_IN_FIELDS else 0.5
        try:
            format(sample, self._specs.get(name, ""))
        except ValueError as err:
            raise CallbackConfigError(
                f"filename template {self.template!r}: format {{{name}:{self._specs[name]}}} does not fit "
                f"a {'whole number' if sample == 1 else 'number'} ({err})") from None

    def render(self, epoch: int, step: int, logs: Mapping[str, float]) -> str:
        """The file name (no folder) for this save; unsafe characters become ``_``."""
        values = {**logs, "epoch": epoch, "step": step}
        name = _FORMATTER.vformat(self.template, (), values)
        return _UNSAFE.sub("_", name).strip("._") or "checkpoint"
