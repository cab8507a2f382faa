"""Rules about whether the config describes a model at all. Pure functions of a
:class:`ValidationInput`.

Example:
    >>> [rule.__name__ for rule in RULES]
    ['no_model']
"""

from __future__ import annotations

from typing import List

from tfckpt.pipeline import get_path
from tfckpt.validate.findings import ERROR, Finding
from tfckpt.validate.inputs import ValidationInput
from tfckpt.validate.wording import at

_ARCHITECTURES = "faster_rcnn, ssd or center_net"


def no_model(data: ValidationInput) -> List[Finding]:
    """An empty config, or one without a ``model { <architecture> { ... } }`` block: the OD API's
    model builder stops at once ("Unknown meta architecture: None")."""
    config = data.config
    if config.meta_architecture.value is not None:
        return []
    written = get_path(config.root, "model", config.file, config.schema)
    if written.is_set:
        problem = f"the model block names no architecture ({_ARCHITECTURES})"
    elif not config.root.fields:
        problem = "the config is empty"
    else:
        problem = "the config has no model { ... } block"
    return [at(config, "no-model", ERROR,
               f"{problem}: model_main_tf2 cannot build a model from it (ValueError: Unknown meta architecture: "
               "None)", f"write model {{ {_ARCHITECTURES.split(',')[0]} {{ ... }} }}: start from the pipeline.config "
               "of a model-zoo model", written)]


RULES = (no_model,)
