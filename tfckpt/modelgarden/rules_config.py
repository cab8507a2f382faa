"""Model Garden ``validate`` rules on the experiment file alone: what training will do with its values.

Each rule is a pure function ``(ExperimentInput) -> list[Finding]`` that declares (``@emits``) what
each of its findings predicts; the severity follows: the run fails is an error, a silent loss or
what may go wrong a warning, a note info. What each predicts was
checked against the real tf-models-official (``tests/modelgarden/real_outcomes.py``).

Example:
    >>> from tfckpt.modelgarden.config import parse_experiment_config
    >>> from tfckpt.modelgarden.gather import ExperimentInput
    >>> config = parse_experiment_config("task:\\n  init_checkpoint: a/ckpt-1\\n  init_checkpoint_modules: Backbone\\n",
    ...                                  "my.yaml", "retinanet_resnetfpn_coco")
    >>> [(f.id, f.severity, f.line) for f in init_modules(ExperimentInput(config))]
    [('init-modules-load-nothing', 'error', 3)]
"""

from __future__ import annotations

import difflib
from typing import List, Optional

from tfckpt.modelgarden.experiments import ARCHITECTURE_LABELS, RETINANET
from tfckpt.modelgarden.gather import ExperimentInput
from tfckpt.modelgarden.init_modules import ALL, VALID, describe, modules_restored
from tfckpt.pipeline.tree import Located
from tfckpt.validate.findings import (MAY_GO_WRONG, NOTHING_RESTORED, RUN_FAILS, SILENT_LOSS, Finding, emits,
                                      predicting)

METRIC_ALIASES = {"map": "AP", "ap": "AP", "map50": "AP50", "map75": "AP75", "map@0.5": "AP50",
                  "map@.5": "AP50", "mean_average_precision": "AP"}
COMPARISONS = ("higher", "lower")


def at(data: ExperimentInput, finding_id: str, outcome: str, message: str, hint: str,
       located: Optional[Located] = None) -> Finding:
    """A finding about the experiment file predicting ``outcome`` (its severity follows), at
    ``located``'s line when the file writes it."""
    line = located.line if located is not None and located.is_set else None
    return predicting(finding_id, outcome, message, data.config.file, line, hint)


@emits({"init-modules-type": RUN_FAILS, "init-modules-substring": MAY_GO_WRONG,
        "init-modules-load-nothing": NOTHING_RESTORED})
def init_modules(data: ExperimentInput) -> List[Finding]:
    """``init_checkpoint_modules``: only ``all``, ``backbone``, ``decoder`` (or a list of the last two)."""
    config = data.config
    if not config.init_checkpoint.value and data.init is None:
        return []
    values = config.init_checkpoint_modules
    findings: List[Finding] = []
    if not config.modules_is_list:
        value = values[0].value
        if not isinstance(value, str):
            return [at(data, "init-modules-type", RUN_FAILS,
                       f"init_checkpoint_modules: {value!r} is neither a string nor "
                       "a list: task.initialize fails (TypeError on 'backbone' in value)",
                       "write init_checkpoint_modules: backbone (or all, or [backbone, decoder])", values[0])]
        parts = modules_restored(value)
        if value in VALID:
            return []
        if parts:
            return [at(data, "init-modules-substring", MAY_GO_WRONG,
                       f"init_checkpoint_modules: '{value}' is not all, backbone or decoder; it restores "
                       f"{describe(parts)} only because the task tests 'backbone' in value (a substring test)",
                       f"write init_checkpoint_modules: {parts[0] if len(parts) == 1 else '[backbone, decoder]'}",
                       values[0])]
        return [at(data, "init-modules-load-nothing", NOTHING_RESTORED,
                   f"init_checkpoint_modules: '{value}' restores nothing, with no error: the task restores the whole "
                   "model only for 'all', else tests 'backbone' in value and 'decoder' in value (case-sensitive), so "
                   "training starts from random weights", _closest_module(value), values[0])]
    for element in values:
        if element.value == ALL:
            findings.append(at(data, "init-modules-load-nothing", NOTHING_RESTORED,
                               "init_checkpoint_modules: [all] restores nothing, with no error: the whole model is "
                               "restored only for the string 'all', and a list is searched for 'backbone' and "
                               "'decoder'", "write init_checkpoint_modules: all (a string, not a list)", element))
        elif element.value not in VALID:
            findings.append(at(data, "init-modules-load-nothing", NOTHING_RESTORED,
                               f"init_checkpoint_modules element '{element.value}' restores nothing, with no error: "
                               "in a list the task looks for the exact elements 'backbone' and 'decoder'",
                               _closest_module(element.value), element))
    return findings


def _closest_module(value: object) -> str:
    close = difflib.get_close_matches(str(value).lower(), list(VALID), n=1, cutoff=0.5)
    return f"did you mean '{close[0]}'?" if close else "write all, backbone, decoder or [backbone, decoder]"


@emits({"best-checkpoint-half-set": SILENT_LOSS, "best-metric-comp": RUN_FAILS,
        "best-metric-unknown": RUN_FAILS})
def best_checkpoint(data: ExperimentInput) -> List[Finding]:
    """``best_checkpoint_export_subdir``/``_eval_metric``/``_metric_comp``, as BestCheckpointExporter uses them."""
    config = data.config
    subdir = config.get("trainer.best_checkpoint_export_subdir")
    metric = config.get("trainer.best_checkpoint_eval_metric")
    comp = config.get("trainer.best_checkpoint_metric_comp")
    if bool(subdir.value) != bool(metric.value):
        have, missing = (subdir, "best_checkpoint_eval_metric") if subdir.value else \
            (metric, "best_checkpoint_export_subdir")
        return [at(data, "best-checkpoint-half-set", SILENT_LOSS,
                   f"{have.path.split('.')[-1]} is set but {missing} is not: BestCheckpointExporter runs only when "
                   "both are, so no best checkpoint is kept (and training keeps only its last 5 checkpoints)",
                   f"set trainer.{missing} too (e.g. best_checkpoint_eval_metric: AP, "
                   "best_checkpoint_export_subdir: best_ckpt)", have)]
    if not subdir.value:
        return []
    findings = []
    if comp.value not in COMPARISONS:
        findings.append(at(data, "best-metric-comp", RUN_FAILS,
                           f"best_checkpoint_metric_comp: {comp.value!r} is not higher or lower: building the trainer "
                           "fails (ValueError in BestCheckpointExporter) before the first step",
                           "write best_checkpoint_metric_comp: higher (for AP) or lower (for a loss)", comp))
    keys = config.experiment.eval_keys
    if metric.value not in keys:
        findings.append(at(data, "best-metric-unknown", RUN_FAILS,
                           f"best_checkpoint_eval_metric: {metric.value!r} is not a key of the "
                           f"{ARCHITECTURE_LABELS[config.architecture]} evaluation logs: the first evaluation keeps "
                           "its checkpoint without reading it, and the second fails (KeyError: Path not exist while "
                           "traversing the dictionary)", _closest_metric(metric.value, keys),
                           metric))
    return findings


def _closest_metric(name: object, keys) -> str:
    text = str(name)
    alias = METRIC_ALIASES.get(text.lower())
    if alias in keys:
        return f"did you mean '{alias}'? (COCO mAP@[.5:.95] is 'AP' in Model Garden's logs)"
    folded = {key.lower(): key for key in keys}
    close = difflib.get_close_matches(text.lower(), list(folded), n=1, cutoff=0.6)
    if close:
        return f"did you mean '{folded[close[0]]}'?"
    return f"use one of {', '.join(keys[:8])}, ..."


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@emits({"num-classes-type": RUN_FAILS, "num-classes-range": RUN_FAILS})
def num_classes(data: ExperimentInput) -> List[Finding]:
    """``task.model.num_classes``: params.validate() accepts any value; the model build does not."""
    located = data.config.num_classes
    value = located.value
    if not isinstance(value, int) or isinstance(value, bool):
        return [at(data, "num-classes-type", RUN_FAILS,
                   f"num_classes: {value!r} is not a whole number: params.validate() lets it through and building "
                   "the model fails", "write num_classes as a number that counts the background (COCO: 91)",
                   located)]
    if value < 1:
        return [at(data, "num-classes-range", RUN_FAILS,
                   f"num_classes: {value} is not a class count: params.validate() lets it through and building the "
                   "model fails", "write the number of classes plus one for the background (e.g. 4 for 3 classes)",
                   located)]
    return []


_COUNT_SUFFIXES = ("_size", "_steps", "_interval", "_proposals", "_filters", "_convs", "_fcs")
# Fields of task.model that building the model (and its first call) reads: text there fails the build
# (min_level: three -> TypeError: 'str' object cannot be interpreted as an integer, on the real library),
# as does a negative *_filters (ValueError: filters must be strictly positive); a negative *_convs builds
# no such layers, with no error.
_BUILD_FIELDS = ("min_level", "max_level", "num_filters", "num_convs", "num_fcs", "model_id", "num_scales")
_LAYER_COUNTS = ("_convs", "_fcs")


@emits({"value-type": (RUN_FAILS, MAY_GO_WRONG), "negative-count": (RUN_FAILS, MAY_GO_WRONG)})
def value_types(data: ExperimentInput) -> List[Finding]:
    """Values of another type than the experiment's default, or negative counts, that the file writes:
    an error where building the model reads them, else a warning (the first use fails, or misbehaves)."""
    findings = []
    for path, default, located in _written_scalars(data):
        value = located.value
        name = path.rsplit(".", 1)[-1]
        if name == "num_classes":
            continue
        built = _read_by_build(data, path)
        if _is_number(default) and isinstance(value, str):
            outcome, effect = (RUN_FAILS, "params.validate() lets it through and building the model fails") \
                if built else (MAY_GO_WRONG, "Model Garden does not check types, and the first use of it fails")
            findings.append(at(data, "value-type", outcome, f"{path}: {value!r} is text where the experiment has "
                               f"a number ({default!r}): {effect}", f"write a number, e.g. {name}: {default!r}",
                               located))
        elif isinstance(default, int) and not isinstance(default, bool) and default > 0 and _is_number(value) \
                and value < 0 and (name.startswith("num_") or name.endswith(_COUNT_SUFFIXES)):
            findings.append(_negative(data, path, name, value, default, built, located))
    return findings


def _negative(data: ExperimentInput, path: str, name: str, value, default: int, built: bool,
              located: Located) -> Finding:
    hint = f"write a positive number (the experiment's default is {default})"
    if built and name.endswith("_filters"):
        return at(data, "negative-count", RUN_FAILS,
                  f"{path}: {value} is a negative count: params.validate() lets it through and building the model "
                  f"fails (ValueError: Invalid value for argument `filters`. Expected a strictly positive value)",
                  hint, located)
    if built and name.endswith(_LAYER_COUNTS):
        return at(data, "negative-count", MAY_GO_WRONG,
                  f"{path}: {value} is a negative count: params.validate() lets it through and the model is built "
                  f"with none of these layers (range({value}) is empty), with no error", hint, located)
    return at(data, "negative-count", MAY_GO_WRONG, f"{path}: {value} is a negative count: params.validate() lets "
              "it through", hint, located)


def _read_by_build(data: ExperimentInput, path: str) -> bool:
    """Whether building the model reads ``path``: a structure field of ``task.model`` outside the
    backbone and decoder choices the config does not make (``backbone.mobilenet.*`` under ResNet)."""
    parts = path.split(".")
    if parts[:2] != ["task", "model"] or parts[-1] not in _BUILD_FIELDS:
        return False
    for index, part in enumerate(parts[2:-1], start=2):
        chosen = {"backbone": data.config.backbone_type, "decoder": data.config.decoder_type}.get(part)
        if chosen is not None and index + 1 < len(parts) - 1 and parts[index + 1] != chosen.value:
            return False
    return True


def identity_decoder_fails(config) -> bool:
    """Whether a RetinaNet config's ``decoder type: identity`` fails the model build: the ResNet's
    feature maps go straight to the head, whose convolutions are shared across levels, and ResNet levels
    differ in channels (512, 1024, 2048 for 3-5) and stop at 5. Only one level at most 5 builds."""
    if config.architecture != RETINANET or config.decoder_type.value != "identity" \
            or config.backbone_type.value != "resnet":
        return False
    low, high = config.value("task.model.min_level"), config.value("task.model.max_level")
    if not all(isinstance(level, int) and not isinstance(level, bool) for level in (low, high)):
        return False  # value-type reports it
    return high > low or high > 5


@emits({"decoder-identity": RUN_FAILS})
def identity_decoder(data: ExperimentInput) -> List[Finding]:
    """RetinaNet over ResNet with ``decoder type: identity``: building the model fails, whatever the checkpoint."""
    if not identity_decoder_fails(data.config):
        return []
    return [at(data, "decoder-identity", RUN_FAILS,
               "decoder type: identity passes the ResNet's feature maps straight to the RetinaNet head, whose "
               "convolutions are shared across levels; ResNet's levels differ in channels (512, 1024, 2048) and "
               "stop at 5, so building the model fails (ValueError: Input 0 of layer \"classnet-conv_0\" is "
               "incompatible with the layer: expected axis -1 of input shape to have value 512, but received "
               "... 1024)", "use decoder type: fpn (the experiment's), which gives every level the same channels",
               data.config.decoder_type)]


def _written_scalars(data: ExperimentInput):
    from tfckpt.modelgarden.yaml_reader import YamlMap, find

    def walk(tree, path):
        for key, item in tree.items.items():
            here = f"{path}.{key}" if path else key
            if isinstance(item.value, YamlMap):
                yield from walk(item.value, here)
            elif not isinstance(item.value, list):
                default = find(data.config.experiment.defaults, here)
                if default is not None and not isinstance(default.value, (YamlMap, list)):
                    yield here, default.value, data.config.get(here)

    return walk(data.config.written, "")


RULES = (init_modules, best_checkpoint, num_classes, value_types, identity_decoder)
