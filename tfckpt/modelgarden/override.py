"""Merge a user's experiment YAML onto an experiment's defaults, refusing unknown keys as Model Garden does.

``official/vision/train.py --experiment NAME --config_file FILE`` overrides the experiment's
defaults with ``FILE`` strictly: a key the config does not have fails the run before training
("KeyError: The key 'num_class' does not exist in ..."). A mapping merges into the config it
overrides; any other value (a list, a number) replaces the default whole.

Example:
    >>> from tfckpt.modelgarden.experiments import find, load_experiment
    >>> from tfckpt.modelgarden.yaml_reader import read_yaml
    >>> experiment = load_experiment("retinanet_resnetfpn_coco")
    >>> merged = merge(experiment, read_yaml("task:\\n  model:\\n    num_classes: 4\\n", "my.yaml"), "my.yaml")
    >>> find(merged, "task.model.num_classes"), find(merged, "task.model.min_level").line
    (YamlValue(value=4, line=3, column=5), 0)
    >>> merge(experiment, read_yaml("task:\\n  model:\\n    num_class: 4\\n", "my.yaml"), "my.yaml")
    Traceback (most recent call last):
    ...
    tfckpt.pipeline.errors.ConfigError: my.yaml:3:5: the key 'num_class' does not exist in task.model: \
Model Garden refuses the file (KeyError) before training; did you mean 'num_classes'?
"""

from __future__ import annotations

import difflib
from typing import Dict, List, Tuple

from tfckpt.modelgarden.experiments import Experiment
from tfckpt.modelgarden.yaml_reader import YamlMap, YamlValue
from tfckpt.pipeline.errors import ConfigError

_SAY_AT_MOST = 3


def merge(experiment: Experiment, written: YamlMap, file: str) -> YamlMap:
    """``written`` over ``experiment``'s defaults; the defaults keep line 0.

    Unchosen members of one-of configs (``task.model.backbone.mobilenet`` when ``type`` is
    ``resnet``) are left out unless written, as ``params.yaml`` leaves them out.

    Raises:
        ConfigError: a key the experiment's config does not have, or a mapping where the config
            holds a value (or the reverse); at the key's line, with the nearest valid key.
    """
    merged = _merge(experiment.defaults, written, "", file, experiment.defaults)
    return _drop_unchosen(merged, "", set(experiment.oneofs))


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _merge(defaults: YamlMap, written: YamlMap, path: str, file: str, top: YamlMap) -> YamlMap:
    items: Dict[str, YamlValue] = dict(defaults.items)
    for key, item in written.items.items():
        here = _join(path, key)
        if key not in defaults.items:
            raise ConfigError(file, item.line, item.column,
                              f"the key '{key}' does not exist in {path or 'the top level'}: Model Garden refuses the "
                              "file (KeyError) before training",
                              _suggest(key, defaults, top), "unknown-key")
        default = defaults.items[key].value
        if isinstance(default, YamlMap) and isinstance(item.value, YamlMap):
            items[key] = YamlValue(_merge(default, item.value, here, file, top), item.line, item.column)
        elif isinstance(default, YamlMap) and item.value is not None:
            raise ConfigError(file, item.line, item.column, f"{here} is a config with its own keys "
                              f"({', '.join(list(default.items)[:4])}, ...), not a value",
                              f"write its keys below it, e.g. {here}: {{{next(iter(default.items), 'type')}: ...}}",
                              "not-a-mapping")
        elif isinstance(item.value, YamlMap) and default is not None:
            raise ConfigError(file, item.line, item.column, f"{here} takes a value (default {_text(default)}), "
                              "not a mapping of keys", f"write {key}: VALUE", "not-a-value")
        else:
            items[key] = item
    return YamlMap(items, written.line, written.column)


def _text(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(str(item.value) for item in value) + "]"
    return repr(value)


def _suggest(key: str, here: YamlMap, top: YamlMap) -> str:
    close = difflib.get_close_matches(key, list(here.items), n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    places = [path for path in _paths_of(top, "") if path.rsplit(".", 1)[-1] == key]
    if places:
        parents = sorted({path.rsplit(".", 1)[0] for path in places}, key=len)[:_SAY_AT_MOST]
        return f"'{key}' is a key of {' or '.join(parents)}: move it there"
    return f"the keys here: {', '.join(sorted(here.items)[:12])}" + (", ..." if len(here.items) > 12 else "")


def _paths_of(tree: YamlMap, path: str) -> List[str]:
    found = []
    for key, item in tree.items.items():
        here = _join(path, key)
        found.append(here)
        if isinstance(item.value, YamlMap):
            found += _paths_of(item.value, here)
    return found


def _drop_unchosen(tree: YamlMap, path: str, oneofs: set) -> YamlMap:
    items = {}
    chosen = _chosen(tree) if path in oneofs else None
    for key, item in tree.items.items():
        if chosen is not None and key not in ("type", chosen) and not item.line:
            continue
        value = _drop_unchosen(item.value, _join(path, key), oneofs) if isinstance(item.value, YamlMap) else item.value
        items[key] = YamlValue(value, item.line, item.column)
    return YamlMap(items, tree.line, tree.column)


def _chosen(tree: YamlMap) -> str:
    chosen = tree.items.get("type")
    return chosen.value if chosen is not None and isinstance(chosen.value, str) else ""


def oneof_choice(tree: YamlMap, path: str) -> Tuple[str, bool]:
    """The member a one-of config at ``path`` chooses, and whether that member is configured."""
    from tfckpt.modelgarden.yaml_reader import find

    node = find(tree, path)
    if node is None or not isinstance(node.value, YamlMap):
        return "", False
    chosen = _chosen(node.value)
    return chosen, chosen in node.value.items
