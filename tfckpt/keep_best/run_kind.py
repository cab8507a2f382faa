"""Which trainer writes MODEL_DIR -- the Object Detection API's ``model_main_tf2.py`` or Model Garden's
``official/vision/train.py`` -- and so which metric and event folders keep-best reads by default.

The newest checkpoint's roots decide (:func:`tfckpt.frameworks.framework_of`); before the first
checkpoint, the files each trainer writes first: Model Garden's ``params.yaml`` and ``validation/``,
the OD API's ``eval*/`` and ``pipeline.config``.

Example:
    >>> DEFAULTS["modelgarden"].metric, DEFAULTS["odapi"].metric
    ('AP', 'DetectionBoxes_Precision/mAP')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional

from tfckpt.checkpoint.index import read_index
from tfckpt.errors import TfckptError
from tfckpt.frameworks import MODEL_GARDEN, ODAPI, framework_of
from tfckpt.io.fs import FileSystem, join
from tfckpt.modelgarden.layouts import DEFAULT_KEEP_BEST_METRIC, VALIDATION_SUMMARY_DIR


@dataclass(frozen=True)
class RunDefaults:
    """What keep-best reads for one framework's runs.

    Attributes:
        framework: ``"odapi"`` or ``"modelgarden"``.
        metric: the eval scalar to rank by.
        events: how the evaluator's folder is named: a prefix (``eval`` -> ``eval/``, ``eval_coco/``)
            or, with ``exact``, the one name (``validation``).
        evaluator: how to start the evaluator, for the hint when no results come.
    """

    framework: str
    metric: str
    events: str
    exact: bool
    evaluator: str

    def event_roots(self, model_dir: str, fs: FileSystem) -> List[str]:
        """The evaluator's folders in ``model_dir`` (none when it does not exist)."""
        try:
            names = fs.listdir(model_dir)
        except FileNotFoundError:
            return []
        wanted = [n for n in names if (n == self.events if self.exact else n.startswith(self.events))]
        return [join(model_dir, n) for n in wanted if fs.isdir(join(model_dir, n))]

    def describe_events(self, model_dir: str) -> str:
        return join(model_dir, self.events + ("" if self.exact else "*"))


DEFAULTS = {
    ODAPI: RunDefaults(ODAPI, "DetectionBoxes_Precision/mAP", "eval", False,
                       "model_main_tf2.py --checkpoint_dir=MODEL_DIR"),
    MODEL_GARDEN: RunDefaults(MODEL_GARDEN, DEFAULT_KEEP_BEST_METRIC, VALIDATION_SUMMARY_DIR, True,
                              "official/vision/train.py --mode=train_and_eval or --mode=continuous_eval"),
}
FRAMEWORKS = tuple(DEFAULTS)


def _from_checkpoint(model_dir: str, names: List[str], fs: FileSystem) -> Optional[str]:
    for name in reversed(names):  # the newest readable one
        try:
            entries = read_index(join(model_dir, name), fs).entries
        except (TfckptError, OSError):
            continue
        found = framework_of({key.split("/", 1)[0] for key in entries})
        if found in DEFAULTS:
            return found
    return None


def detect(model_dir: str, fs: FileSystem, checkpoint_names: List[str]) -> Optional[str]:
    """``"odapi"``, ``"modelgarden"``, or None while MODEL_DIR does not tell yet."""
    found = _from_checkpoint(model_dir, checkpoint_names, fs)
    if found is not None:
        return found
    try:
        names = set(fs.listdir(model_dir))
    except FileNotFoundError:
        return None
    if "params.yaml" in names or (VALIDATION_SUMMARY_DIR in names and fs.isdir(join(model_dir, "validation"))):
        return MODEL_GARDEN
    if "pipeline.config" in names or any(n.startswith("eval") and fs.isdir(join(model_dir, n)) for n in names):
        return ODAPI
    return None
