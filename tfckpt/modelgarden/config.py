"""A Model Garden experiment file as typed values with their lines: what decides a restore.

Two kinds of file are read: the complete ``params.yaml`` that ``official/vision/train.py`` writes
into ``model_dir`` (its architecture tells which experiment's keys it must have), and a user's
override file, merged onto an experiment's defaults (``--experiment NAME``) the way
``train.py --experiment NAME --config_file FILE`` merges it. Values the file does not write are
the experiment's defaults, with ``line`` None.

Example:
    >>> config = parse_experiment_config("task:\\n  model:\\n    num_classes: 4\\n", "my.yaml",
    ...                                  experiment="retinanet_resnetfpn_coco")
    >>> config.architecture, config.num_classes.value, config.num_classes.line
    ('retinanet', 4, 3)
    >>> config.backbone_type.value, config.model_id.value, config.model_id.is_set
    ('resnet', 50, False)
    >>> config.get("task.init_checkpoint_modules").value
    'backbone'
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Optional, Tuple

from tfckpt.modelgarden.experiments import FASTER_RCNN, MASK_RCNN, RETINANET, Experiment, experiment_for, \
    load_experiment
from tfckpt.modelgarden.override import merge
from tfckpt.modelgarden.tree import build_schema, to_message
from tfckpt.modelgarden.yaml_reader import YamlMap, find, read_yaml, read_yaml_file
from tfckpt.pipeline.access import get_path
from tfckpt.pipeline.errors import ConfigError
from tfckpt.pipeline.schema import Schema
from tfckpt.pipeline.tree import Located, Message

PARAMS_NAME = "params.yaml"


@dataclass(frozen=True)
class ExperimentConfig:
    """A parsed experiment file over its experiment's defaults.

    Attributes:
        file: the file as given.
        root: the merged tree (:class:`~tfckpt.pipeline.tree.Message`); values the file does not
            write have line 0.
        schema: the schema of ``root`` (messages named by their paths).
        experiment: the experiment whose defaults fill in what the file leaves out.
        named: True when the experiment was named (``--experiment``); False when the file was read
            as a complete ``params.yaml`` and the experiment chosen by its architecture.
        written: the file as written (before the merge).
        merged: the file over the defaults, as YAML values (line 0 for the defaults).
    """

    file: str
    root: Message
    schema: Schema
    experiment: Experiment
    named: bool
    written: YamlMap = field(repr=False, compare=False)
    merged: YamlMap = field(repr=False, compare=False)

    def get(self, path: str) -> Located:
        """The value at a dotted path, e.g. ``"task.model.num_classes"``, with its line.

        Raises:
            FieldPathError: the experiment has no such field.
        """
        return get_path(self.root, path, self.file, self.schema)

    def value(self, path: str, default: object = None) -> object:
        """The value at ``path``, or ``default`` when the merged config has no such field."""
        node = find_in(self.root, path)
        return default if node is None else node

    @property
    def architecture(self) -> str:
        """``"retinanet"``, ``"faster_rcnn"`` or ``"mask_rcnn"`` (Mask R-CNN: ``include_mask: true``)."""
        if self.experiment.architecture == RETINANET:
            return RETINANET
        return MASK_RCNN if self.value("task.model.include_mask") is True else FASTER_RCNN

    @property
    def num_classes(self) -> Located:
        """``task.model.num_classes``: Model Garden counts the background (COCO: 91)."""
        return self.get("task.model.num_classes")

    @property
    def backbone_type(self) -> Located:
        """``task.model.backbone.type``: ``"resnet"``, ``"mobilenet"``, ..."""
        return self.get("task.model.backbone.type")

    @property
    def model_id(self) -> Optional[Located]:
        """``task.model.backbone.resnet.model_id`` (ResNet depth: 50, 101, ...); None for another backbone."""
        if self.backbone_type.value != "resnet" or find_in(self.root, "task.model.backbone.resnet") is None:
            return None
        return self.get("task.model.backbone.resnet.model_id")

    @property
    def decoder_type(self) -> Located:
        """``task.model.decoder.type``: ``"fpn"``, ``"identity"``, ..."""
        return self.get("task.model.decoder.type")

    @property
    def init_checkpoint(self) -> Located:
        """``task.init_checkpoint``: a prefix, a folder (its latest checkpoint), or empty."""
        return self.get("task.init_checkpoint")

    @property
    def init_checkpoint_modules(self) -> Tuple[Located, ...]:
        """``task.init_checkpoint_modules``: one :class:`Located` for a string, one per element for a list."""
        found = self.get("task.init_checkpoint_modules")
        return found if isinstance(found, tuple) else (found,)

    @property
    def modules_is_list(self) -> bool:
        """True when ``init_checkpoint_modules`` is written as a list."""
        node = find(self.merged, "task.init_checkpoint_modules")
        return node is not None and isinstance(node.value, list)


def find_in(root: Message, path: str) -> object:
    """The value at ``path`` in a tree (a Message for a mapping), or None; never raises."""
    current: object = root
    for name in path.split("."):
        if not isinstance(current, Message):
            return None
        item = current.get(name)
        if item is None:
            return None
        current = item.value
    return current


def architecture_of(tree: YamlMap) -> Optional[str]:
    """The architecture a complete ``params.yaml`` configures; None when it says none."""
    model = find(tree, "task.model")
    if model is None or not isinstance(model.value, YamlMap):
        return None
    keys = model.value.items
    if "rpn_head" in keys or "detection_head" in keys:
        return MASK_RCNN if keys.get("include_mask") is not None and keys["include_mask"].value is True \
            else FASTER_RCNN
    if "head" in keys and "anchor" in keys:
        return RETINANET
    return None


def _reference(tree: YamlMap, file: str, experiment: Optional[str]) -> Tuple[Experiment, bool]:
    if experiment:
        return load_experiment(experiment), True
    architecture = architecture_of(tree)
    if architecture is None:
        from tfckpt.modelgarden.experiments import known_experiments

        raise ConfigError(file, 0, 0, "not a complete params.yaml: it configures no RetinaNet, Faster R-CNN or "
                          "Mask R-CNN model (task.model with its head)",
                          "for an override file, name the experiment it overrides: --experiment NAME (one of "
                          f"{', '.join(known_experiments())})", "not-params-yaml")
    return experiment_for(architecture), False


def experiment_config_from_tree(tree: YamlMap, file: str, experiment: Optional[str] = None) -> ExperimentConfig:
    """An :class:`ExperimentConfig` from a parsed YAML tree (see :func:`parse_experiment_config`)."""
    reference, named = _reference(tree, file, experiment)
    merged = merge(reference, tree, file)
    schema = build_schema([merged], reference.defaults)
    return ExperimentConfig(file, to_message(merged, schema), schema, reference, named, tree, merged)


def parse_experiment_config(text: str, file: str = "<string>", experiment: Optional[str] = None) -> ExperimentConfig:
    """Parse an experiment YAML given as text.

    Args:
        text: the YAML.
        file: the name for findings and errors. Defaults to ``"<string>"``.
        experiment: the experiment the file overrides (``retinanet_resnetfpn_coco``, ...). Defaults
            to None: the file is a complete ``params.yaml``, and its architecture picks the
            experiment whose keys it must have.

    Raises:
        ConfigError: the YAML is not readable (see :mod:`~tfckpt.modelgarden.yaml_reader`), has a
            key the experiment does not, names no known experiment, or (without ``experiment``)
            configures no known model.
    """
    return experiment_config_from_tree(read_yaml(text, file), file, experiment)


def load_experiment_config(path: str, experiment: Optional[str] = None) -> ExperimentConfig:
    """Read an experiment YAML file (see :func:`parse_experiment_config`)."""
    return experiment_config_from_tree(read_yaml_file(os.fspath(path)), os.fspath(path), experiment)
