"""The Model Garden experiments tfckpt knows, as data generated from the real package.

``tfckpt/modelgarden/defaults/`` holds, for each experiment, ``NAME.yaml`` (every field with its
default, the unchosen members of one-of configs included) and a row in ``experiments.tsv`` (the
architecture, the keys of its evaluation logs, its one-of configs). Both are written by
``scripts/generate_modelgarden_experiments.py`` from tf-models-official; nothing here imports it.

Example:
    >>> experiment = load_experiment("retinanet_resnetfpn_coco")
    >>> experiment.architecture, "AP" in experiment.eval_keys, "task.model.backbone" in experiment.oneofs
    ('retinanet', True, True)
    >>> find(experiment.defaults, "task.model.num_classes").value
    91
    >>> load_experiment("retinanet_coco")
    Traceback (most recent call last):
    ...
    tfckpt.pipeline.errors.ConfigError: --experiment retinanet_coco: not an experiment tfckpt knows; \
did you mean 'retinanet_resnetfpn_coco'? (known: fasterrcnn_resnetfpn_coco, maskrcnn_resnetfpn_coco, \
retinanet_resnetfpn_coco)
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass
from typing import Dict, Tuple

from tfckpt.modelgarden.yaml_reader import YamlMap, YamlValue, find, from_plain, load_plain
from tfckpt.pipeline.errors import ConfigError

DATA_PACKAGE = "tfckpt.modelgarden.defaults"
INDEX = "experiments.tsv"
RETINANET, FASTER_RCNN, MASK_RCNN = "retinanet", "faster_rcnn", "mask_rcnn"
ARCHITECTURE_LABELS = {RETINANET: "RetinaNet", FASTER_RCNN: "Faster R-CNN", MASK_RCNN: "Mask R-CNN"}

__all__ = ["Experiment", "find", "known_experiments", "load_experiment", "unwritten", "without_lines"]


@dataclass(frozen=True)
class Experiment:
    """One experiment's defaults and what its task evaluates.

    Attributes:
        name: e.g. ``"retinanet_resnetfpn_coco"``.
        architecture: ``"retinanet"``, ``"faster_rcnn"`` or ``"mask_rcnn"``.
        eval_keys: the keys of the evaluation logs (``"AP"``, ``"AP50"``, ..., ``"validation_loss"``).
        oneofs: dotted paths of the one-of configs (``"task.model.backbone"``).
        defaults: every field with its default (all one-of members), every line 0.
        version: the tf-models-official the data was generated from.
    """

    name: str
    architecture: str
    eval_keys: Tuple[str, ...]
    oneofs: Tuple[str, ...]
    defaults: YamlMap
    version: str = ""


def _index_text() -> str:
    from importlib import resources

    return resources.files(DATA_PACKAGE).joinpath(INDEX).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=None)
def _index() -> Tuple[Dict[str, Tuple[str, Tuple[str, ...]]], Dict[str, Tuple[str, ...]], str]:
    rows, oneofs, version = {}, {}, ""
    for line in _index_text().splitlines():
        if line.startswith("# Model Garden"):
            version = line.split("from ", 1)[-1].rstrip(". Do not edit")
        if not line or line.startswith("#"):
            continue
        cells = line.split("\t")
        if cells[0] == "experiment":
            rows[cells[1]] = (cells[2], tuple(cells[3].split(",")))
        elif cells[0] == "oneof":
            oneofs[cells[1]] = oneofs.get(cells[1], ()) + (cells[2],)
    return rows, oneofs, version


def known_experiments() -> Tuple[str, ...]:
    """The names of the experiments tfckpt holds defaults for, sorted."""
    return tuple(sorted(_index()[0]))


def without_lines(tree: YamlMap) -> YamlMap:
    """``tree`` with every line and column 0: values that are not in the user's file."""
    return YamlMap({key: unwritten(item) for key, item in tree.items.items()}, 0, 0)


def unwritten(item: YamlValue) -> YamlValue:
    """One value with its line and column (and those inside it) set to 0."""
    if isinstance(item.value, YamlMap):
        return YamlValue(without_lines(item.value), 0, 0)
    if isinstance(item.value, list):
        return YamlValue([unwritten(element) for element in item.value], 0, 0)
    return YamlValue(item.value, 0, 0)


@functools.lru_cache(maxsize=None)
def load_experiment(name: str) -> Experiment:
    """The defaults of experiment ``name``, read once per process.

    Raises:
        ConfigError: ``name`` is not an experiment tfckpt knows (the message lists those it does).
    """
    rows, oneofs, version = _index()
    if name not in rows:
        close = difflib.get_close_matches(name, list(rows), n=1, cutoff=0.5)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise ConfigError(f"--experiment {name}", 0, 0, "not an experiment tfckpt knows",
                          f"{hint}(known: {', '.join(known_experiments())})", "unknown-experiment")
    from importlib import resources

    text = resources.files(DATA_PACKAGE).joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    architecture, eval_keys = rows[name]
    return Experiment(name, architecture, eval_keys, oneofs.get(name, ()), from_plain(load_plain(text)), version)


def experiment_for(architecture: str) -> Experiment:
    """The known experiment of ``architecture`` (the reference for a params.yaml of that model)."""
    for name in known_experiments():
        if _index()[0][name][0] == architecture:
            return load_experiment(name)
    raise LookupError(architecture)
