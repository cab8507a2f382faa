"""``pipeline.config`` as typed values: the fields that decide whether training and restores work.

Every value is a :class:`~tfckpt.pipeline.tree.Located`: the value and the line it is written on,
or ``line`` None when the file leaves it to the schema's default (``fine_tune_checkpoint_version``
is then ``"V1"``, which a TF2 run rejects). Values that do not apply to the model (Faster R-CNN's
proposal counts in an SSD config) are None. Anything else is one :meth:`PipelineConfig.get` away.

Example:
    >>> config = parse_pipeline_config('''
    ... model { ssd { num_classes: 3 feature_extractor { type: "ssd_mobilenet_v2_keras" } } }
    ... train_config { batch_size: 8 optimizer { adam_optimizer { } } }
    ... ''', "pipeline.config")
    >>> config.meta_architecture.value, config.num_classes.value, config.num_classes.line
    ('ssd', 3, 2)
    >>> config.fine_tune_checkpoint_version.value, config.fine_tune_checkpoint_version.is_set
    ('V1', False)
    >>> config.optimizer.value, config.learning_rate.value, config.first_stage_max_proposals
    ('adam_optimizer', None, None)
    >>> config.get("train_config.batch_size").value
    8
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Tuple, Union

from tfckpt.pipeline.access import get_path
from tfckpt.pipeline.parser import parse_text, read_text_file
from tfckpt.pipeline.schema import PIPELINE_ROOT, Schema, load_schema
from tfckpt.pipeline.tree import Located, Message

Paths = Tuple[Located, ...]


@dataclass(frozen=True)
class PipelineConfig:
    """A parsed ``pipeline.config`` and its restore-deciding values.

    Attributes:
        file: the file it was read from (``"<string>"`` for text).
        root: the whole parsed tree (:class:`~tfckpt.pipeline.tree.Message`).
        meta_architecture: the ``model`` oneof: ``"faster_rcnn"``, ``"ssd"``, ``"center_net"``,
            ``"experimental_model"``; None when there is no ``model`` block.
        num_classes: ``model.<arch>.num_classes`` (classes without background).
        feature_extractor_type: ``model.<arch>.feature_extractor.type``.
        image_resizer: the ``model.<arch>.image_resizer`` oneof, e.g. ``"keep_aspect_ratio_resizer"``.
        pad_to_max_dimension: ``keep_aspect_ratio_resizer.pad_to_max_dimension``; None with
            another resizer.
        first_stage_max_proposals: Faster R-CNN only.
        second_stage_batch_size: Faster R-CNN only.
        fine_tune_checkpoint: ``train_config.fine_tune_checkpoint`` (a checkpoint prefix).
        fine_tune_checkpoint_type: ``"detection"``, ``"classification"``, ``"full"``, ...
        fine_tune_checkpoint_version: ``"V1"`` (the default) or ``"V2"``.
        run_fine_tune_checkpoint_dummy_computation: default true.
        optimizer: the ``train_config.optimizer`` oneof: ``"momentum_optimizer"``,
            ``"adam_optimizer"`` or ``"rms_prop_optimizer"``.
        learning_rate: the optimizer's ``learning_rate`` oneof, e.g. ``"cosine_decay_learning_rate"``.
        batch_size: ``train_config.batch_size`` (default 32).
        num_steps: ``train_config.num_steps`` (default 0: no limit).
        train_input_paths: ``train_input_reader.tf_record_input_reader.input_path`` (may be globs).
        eval_input_paths: the same for every ``eval_input_reader``.
        label_map_paths: every ``label_map_path`` written, train reader first.
    """

    file: str
    root: Message = field(repr=False)
    meta_architecture: Located
    num_classes: Optional[Located]
    feature_extractor_type: Optional[Located]
    image_resizer: Optional[Located]
    pad_to_max_dimension: Optional[Located]
    first_stage_max_proposals: Optional[Located]
    second_stage_batch_size: Optional[Located]
    fine_tune_checkpoint: Located
    fine_tune_checkpoint_type: Located
    fine_tune_checkpoint_version: Located
    run_fine_tune_checkpoint_dummy_computation: Located
    optimizer: Located
    learning_rate: Located
    batch_size: Located
    num_steps: Located
    train_input_paths: Paths
    eval_input_paths: Paths
    label_map_paths: Paths
    schema: Schema = field(repr=False, compare=False, default_factory=load_schema)

    def get(self, path: str) -> Union[Located, Tuple[Located, ...]]:
        """The value at a dotted field path, e.g. ``"model.faster_rcnn.num_classes"``.

        See :func:`tfckpt.pipeline.access.get_path` (``name[i]`` indexes a repeated field; a
        repeated field without an index gives a tuple).
        """
        return get_path(self.root, path, self.file, self.schema)

    @classmethod
    def from_tree(cls, root: Message, file: str = "<string>", schema: Optional[Schema] = None) -> "PipelineConfig":
        """The typed view of a parsed ``TrainEvalPipelineConfig`` tree."""
        schema = schema or load_schema()

        def get(path: str):
            return get_path(root, path, file, schema)

        arch = _oneof(get("model"), "model", file)
        model = f"model.{arch.value}"
        model_fields = schema.messages[get(model).value.type_name].fields if arch.value else {}
        resizer = _oneof(get(f"{model}.image_resizer"), "image_resizer_oneof", file) \
            if "image_resizer" in model_fields else None
        optimizer = _oneof(get("train_config.optimizer"), "optimizer", file)
        rate = _oneof(get(f"train_config.optimizer.{optimizer.value}.learning_rate"), "learning_rate", file) \
            if optimizer.value else Located(None, "train_config.optimizer.learning_rate", file)
        frcnn = arch.value == "faster_rcnn"
        return cls(
            file=file, root=root, schema=schema, meta_architecture=arch,
            num_classes=get(f"{model}.num_classes") if "num_classes" in model_fields else None,
            feature_extractor_type=get(f"{model}.feature_extractor.type") if "feature_extractor" in model_fields
            else None,
            image_resizer=resizer,
            pad_to_max_dimension=get(f"{model}.image_resizer.keep_aspect_ratio_resizer.pad_to_max_dimension")
            if resizer is not None and resizer.value == "keep_aspect_ratio_resizer" else None,
            first_stage_max_proposals=get(f"{model}.first_stage_max_proposals") if frcnn else None,
            second_stage_batch_size=get(f"{model}.second_stage_batch_size") if frcnn else None,
            fine_tune_checkpoint=get("train_config.fine_tune_checkpoint"),
            fine_tune_checkpoint_type=get("train_config.fine_tune_checkpoint_type"),
            fine_tune_checkpoint_version=get("train_config.fine_tune_checkpoint_version"),
            run_fine_tune_checkpoint_dummy_computation=get("train_config.run_fine_tune_checkpoint_dummy_computation"),
            optimizer=optimizer,
            learning_rate=rate,
            batch_size=get("train_config.batch_size"),
            num_steps=get("train_config.num_steps"),
            train_input_paths=get("train_input_reader.tf_record_input_reader.input_path"),
            eval_input_paths=get("eval_input_reader.tf_record_input_reader.input_path"),
            label_map_paths=_label_maps(get),
        )


def _oneof(message: Located, oneof: str, file: str) -> Located:
    """Which member of ``oneof`` the message at ``message`` sets, located at the member's name."""
    chosen = message.value.which_oneof(oneof)
    if chosen is None:
        return Located(None, message.path, file)
    return Located(chosen.name, f"{message.path}.{chosen.name}", file, chosen.line, chosen.column)


def _label_maps(get) -> Paths:
    written = [get("train_input_reader.label_map_path")] + list(get("eval_input_reader.label_map_path"))
    return tuple(item for item in written if item.is_set)


def parse_pipeline_config(text: str, path: str = "<string>") -> PipelineConfig:
    """Parse ``pipeline.config`` text.

    Args:
        text: the config's contents.
        path: the file name to put in errors and locations. Defaults to ``"<string>"``.

    Raises:
        ConfigError: at the first problem, with ``path:line:column``.
    """
    return PipelineConfig.from_tree(parse_text(text, path, PIPELINE_ROOT), path)


def load_pipeline_config(path: str) -> PipelineConfig:
    """Read and parse the ``pipeline.config`` at ``path``.

    Raises:
        ConfigError: the file does not parse, with ``path:line:column`` and a fix.
        FileNotFoundError, PermissionError: the file cannot be read.
    """
    return parse_pipeline_config(read_text_file(str(path)), str(path))
