"""``keep_best(...)``: the library call behind ``tfckpt keep-best``, for notebooks and scripts.

Example:
    >>> report = keep_best("runs/frcnn", keep=2)  # doctest: +SKIP
    >>> report.best  # doctest: +SKIP
    'runs/frcnn/best/ckpt-7'
"""

from __future__ import annotations

import threading
from typing import Callable, Iterable, Optional

from tfckpt.keep_best.keeper import KeepBest
from tfckpt.keep_best.options import KeepBestOptions
from tfckpt.keep_best.report import KeepBestReport, Notice


def keep_best(model_dir: str, *, metric: Optional[str] = None, mode: str = "max", keep: int = 3,
              into: Optional[str] = None, events: Optional[Iterable[str]] = None, once: bool = True,
              min_poll: float = 1.0, max_poll: float = 30.0,
              on_notice: Optional[Callable[[Notice], None]] = None,
              stop: Optional[threading.Event] = None, framework: Optional[str] = None) -> KeepBestReport:
    """Keep the best ``keep`` checkpoints of an Object Detection API or Model Garden ``model_dir``
    by the evaluator's ``metric``, in ``into`` (default ``model_dir/best``).

    Args:
        model_dir: the folder ``model_main_tf2.py`` (or Model Garden's ``train.py``) trains into.
        metric: the eval scalar to rank by. Defaults to `None`: `"DetectionBoxes_Precision/mAP"`
            for the OD API, `"AP"` for Model Garden.
        mode: `"max"` or `"min"`. Defaults to `"max"`.
        keep: how many to keep. Defaults to `3`.
        into: where to keep them. Defaults to `model_dir/best`.
        events: folders of the evaluator's event files. Defaults to `model_dir/eval*` (Model Garden:
            `model_dir/validation`).
        once: look once and return (call it again later: nothing is lost between calls);
            False polls until ``stop`` is set or Ctrl-C. Defaults to `True`.
        min_poll: seconds between looks while things change. Defaults to `1.0`.
        max_poll: the longest wait while nothing changes. Defaults to `30.0`.
        on_notice: called with each :class:`Notice` (pinned, scored, kept, ...). Defaults to `None`.
        stop: a ``threading.Event`` that ends the polling when set. Defaults to `None`.
        framework: `"odapi"` or `"modelgarden"`. Defaults to `None`: told from ``model_dir``.

    Returns:
        A :class:`KeepBestReport`: ``kept`` (worst first), ``best``, ``pinned``, ``never_scored``, ``notices``.

    Raises:
        CheckpointNotFoundError: ``model_dir`` does not exist.
        TfckptError: ``into`` holds files keep-best did not make, or was made with another metric or mode.
    """
    options = KeepBestOptions(metric=metric, mode=mode, keep=keep, into=into,
                              events=tuple(events) if events is not None else None,
                              min_poll=min_poll, max_poll=max_poll, framework=framework)
    keeper = KeepBest(model_dir, options, on_notice=on_notice)
    if once:
        keeper.poll_once()
        return keeper.report()
    return keeper.run(stop)
