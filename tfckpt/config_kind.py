"""Which kind of config file a path is: the one place that tells them apart.

- ``"pipeline"``: an Object Detection API ``pipeline.config`` (protobuf text format).
- ``"experiment"``: a Model Garden experiment YAML (``params.yaml`` or an override file).

Checkpoints are told apart by their roots in :mod:`tfckpt.frameworks`.

Told by the name first (``.yaml``/``.yml``), else by the first line that is not blank or a comment:
YAML starts ``key:`` or ``key: value`` (or ``---``); text format starts ``name {`` or ``name: value``
-- the ambiguous last form is read as YAML only when a later line is indented under it.

Example:
    >>> config_kind("runs/retina/params.yaml"), config_kind("models/ssd/pipeline.config")
    ('experiment', 'pipeline')
    >>> kind_of_text("task:\\n  model:\\n    num_classes: 4\\n"), kind_of_text("model {\\n  ssd {}\\n}\\n")
    ('experiment', 'pipeline')
"""

from __future__ import annotations

import os
import re

from tfckpt.errors import TfckptError
from tfckpt.io.checked import read_regular_file

PIPELINE, EXPERIMENT = "pipeline", "experiment"
YAML_SUFFIXES = (".yaml", ".yml")
_YAML_START = re.compile(r"^(---|[A-Za-z_][A-Za-z0-9_]*:\s*(#.*)?$)")
_SNIFF_BYTES = 4096


def kind_of_text(text: str) -> str:
    """The kind of a config given as text (see the module doc)."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        return PIPELINE
    if _YAML_START.match(lines[0].rstrip()):
        return EXPERIMENT
    return EXPERIMENT if len(lines) > 1 and lines[1][:1] in (" ", "\t") and ":" in lines[0] \
        and "{" not in lines[0] else PIPELINE


def config_kind(path: str) -> str:
    """The kind of the config file at ``path``: by its suffix, else by its first lines."""
    path = os.fspath(path)
    if path.lower().endswith(YAML_SUFFIXES):
        return EXPERIMENT
    try:  # through the checked reader: a named pipe must not hang the sniffing
        head = read_regular_file(path, length=_SNIFF_BYTES).decode("utf-8", "replace")
    except (OSError, TfckptError):
        return PIPELINE  # the pipeline reader reports what is wrong with the path
    return kind_of_text(head)
