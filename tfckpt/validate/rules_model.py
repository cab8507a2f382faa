"""Rules about whether the config describes a model at all. Pure functions of a
:class:`ValidationInput`.

Example:
    >>> [rule.__name__ for rule in RULES]
    ['no_model']
"""

from __future__ import annotations

from typing import List

from tfckpt.pipeline import get_path
from tfckpt.validate.findings import RUN_FAILS, Finding, emits
from tfckpt.validate.inputs import ValidationInput
from tfckpt.validate.wording import at

_ARCHITECTURES = "faster_rcnn, ssd or center_net"  # the members of the model oneof model_main_tf2 builds


@emits({"no-model": RUN_FAILS})
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
    return [at(config, "no-model", RUN_FAILS,
               f"{problem}: model_main_tf2 fails before training, as the Object Detection API cannot build a "
               "model from it (ValueError: Unknown meta architecture: None)",
               "write model { faster_rcnn { ... } } (or ssd, center_net): start from the pipeline.config of a "
               "model-zoo model", written)]


RULES = (no_model,)
