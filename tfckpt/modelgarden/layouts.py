"""What TensorFlow Model Garden (``official.vision``, tf-models-official 2.15) detection checkpoints
hold, as data: the checkpoint items of each model, what ``task.initialize`` binds for each
``init_checkpoint_modules``, ResNet depths by block layout, and optimizer names.

Measured with the real package (see ``tests/data/modelgarden/make_checkpoints.py``):

- The trainer saves ``tf.train.Checkpoint(global_step=..., model=model, optimizer=...,
  **model.checkpoint_items)``: each variable is keyed once, under the shortest path
  (``backbone/...``, ``head/...``), and ``model`` holds no keys of its own.
- A ``tf.train.Checkpoint(model=model)`` keys RetinaNet under ``model/_backbone``, ``model/_decoder``,
  ``model/_head``; R-CNN under ``model/backbone``, ``model/decoder``, ``model/rpn_head``,
  ``model/mask_head`` and ``model/_config_dict/detection_head``.

Example:
    >>> RESNET_DEPTHS[("bottleneck", (3, 4, 23, 3))]
    101
    >>> ALL_BINDS["retinanet"]
    'checkpoint_items'
"""

from __future__ import annotations

from typing import List, Optional, Tuple

RETINANET, FASTER_RCNN, MASK_RCNN = "retinanet", "faster_rcnn", "mask_rcnn"
ARCHITECTURE_LABELS = {RETINANET: "RetinaNet", FASTER_RCNN: "Faster R-CNN", MASK_RCNN: "Mask R-CNN"}

# `model.checkpoint_items` of each model: extra roots the trainer saves beside `model`
CHECKPOINT_ITEMS = {
    RETINANET: ("backbone", "decoder", "head"),
    FASTER_RCNN: ("backbone", "decoder", "rpn_head", "detection_head"),
    MASK_RCNN: ("backbone", "decoder", "rpn_head", "detection_head", "mask_head"),
}
# what `init_checkpoint_modules: all` restores: RetinaNet reads the checkpoint items as roots
# (a model-only checkpoint has none: "objects not bound"); the R-CNN tasks read `model`
ALL_BINDS = {RETINANET: "checkpoint_items", FASTER_RCNN: "model", MASK_RCNN: "model"}
# the modules `init_checkpoint_modules` can name besides `all`; each binds the root of that name
MODULE_ROOTS = ("backbone", "decoder")

# every root a Model Garden vision model's `checkpoint_items` can add
MODEL_GARDEN_ITEMS = frozenset({"backbone", "decoder", "head", "rpn_head", "detection_head", "mask_head",
                                "segmentation_head", "mask_sampler"})
HEAD_ITEMS = frozenset({"head", "rpn_head", "detection_head", "mask_head", "segmentation_head"})
# how a model-only checkpoint names a module under `model/` (its attribute, or its config dict)
MODEL_ATTRIBUTE_PREFIXES = ("_config_dict/", "_")


def module_of(key: str) -> Optional[Tuple[str, List[str]]]:
    """The model module a key belongs to, and its path inside it; None outside the known modules.

    >>> module_of("head/_classifier/kernel"), module_of("model/_head/_classifier/kernel")
    (('head', ['_classifier', 'kernel']), ('head', ['_classifier', 'kernel']))
    >>> module_of("model/_config_dict/detection_head/_classifier/kernel")
    ('detection_head', ['_classifier', 'kernel'])
    """
    parts = key.split("/")
    if parts[0] in MODEL_GARDEN_ITEMS:
        return (parts[0], parts[1:]) if len(parts) > 1 else None
    if parts[0] != "model" or len(parts) < 3:
        return None
    rest = "/".join(parts[1:])
    for prefix in MODEL_ATTRIBUTE_PREFIXES:
        if rest.startswith(prefix):
            rest = rest[len(prefix):]
            break
    name, _, inner = rest.partition("/")
    return (name, inner.split("/")) if name in MODEL_GARDEN_ITEMS and inner else None


# official/vision/modeling/backbones/resnet.py's specs: (block type, blocks per stage) -> model_id
RESNET_DEPTHS = {
    ("residual", (1, 1, 1, 1)): 10,
    ("residual", (2, 2, 2, 2)): 18,
    ("residual", (3, 3, 3, 3)): 26,
    ("residual", (3, 4, 6, 3)): 34,
    ("bottleneck", (3, 4, 6, 3)): 50,
    ("bottleneck", (3, 4, 23, 3)): 101,
    ("bottleneck", (3, 8, 36, 3)): 152,
    ("bottleneck", (3, 24, 36, 3)): 200,
    ("bottleneck", (4, 29, 53, 4)): 270,
    ("bottleneck", (4, 36, 72, 4)): 350,
    ("bottleneck", (4, 44, 87, 4)): 420,
}
RESNET_STAGE_FILTERS = (64, 128, 256, 512)

# tfckpt's optimizer kinds (from slot names) -> Model Garden's `optimizer.type`. Model Garden's
# `sgd` keeps `momentum` slots; LARS keeps them too and reads as `sgd` here.
OPTIMIZER_TYPES = {"momentum": "sgd", "sgd": "sgd", "adam": "adam", "adamw": "adamw", "rmsprop": "rmsprop",
                   "adagrad": "adagrad", "ftrl": "ftrl", "lamb": "lamb"}

# COCO metric names in `model_dir/validation/` event files (the eval logs `BestCheckpointExporter` reads)
COCO_METRICS = ("AP", "AP50", "AP75", "APs", "APm", "APl", "ARmax1", "ARmax10", "ARmax100", "ARs", "ARm", "ARl")
VALIDATION_SUMMARY_DIR = "validation"
DEFAULT_KEEP_BEST_METRIC = "AP"
