"""``pipeline.config`` and label maps, parsed strictly without the Object Detection API.

The schema (every message, field, oneof, enum and default of the OD API's
``TrainEvalPipelineConfig`` and ``StringIntLabelMap``) ships as data, so this works with any
protobuf and never imports TensorFlow. Every error is a :class:`ConfigError` with
``file:line:column``, what is wrong, and the fix.

Example:
    >>> import tfckpt.pipeline as pipeline
    >>> config = pipeline.parse_pipeline_config("model { faster_rcnn { num_classes: 3 } }", "pipeline.config")
    >>> config.meta_architecture.value, config.num_classes.value, config.num_classes.where
    ('faster_rcnn', 3, 'pipeline.config:1:23')
    >>> pipeline.parse_pipeline_config("model { faster_rcnn { num_clases: 3 } }", "pipeline.config")
    Traceback (most recent call last):
    ...
    tfckpt.pipeline.errors.ConfigError: pipeline.config:1:23: unknown field 'num_clases' in model.faster_rcnn \
(FasterRcnn); did you mean 'num_classes'?
"""

from tfckpt.pipeline.access import get_path
from tfckpt.pipeline.errors import ConfigError, FieldPathError
from tfckpt.pipeline.label_map import (LabelMap, LabelMapItem, check_label_map, check_num_classes, load_label_map,
                                       parse_label_map)
from tfckpt.pipeline.parser import parse_text
from tfckpt.pipeline.schema import Schema, load_schema
from tfckpt.pipeline.tree import Field, Located, Message
from tfckpt.pipeline.typed import PipelineConfig, load_pipeline_config, parse_pipeline_config

__all__ = [
    "ConfigError", "Field", "FieldPathError", "LabelMap", "LabelMapItem", "Located", "Message", "PipelineConfig",
    "Schema", "check_label_map", "check_num_classes", "get_path", "load_label_map", "load_pipeline_config",
    "load_schema", "parse_label_map", "parse_pipeline_config", "parse_text",
]
