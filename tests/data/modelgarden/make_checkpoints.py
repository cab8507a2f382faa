"""Make the Model Garden test checkpoints with the real library (tf-models-official 2.15.0 on TF 2.15.1).

Each case builds a small detector through its task (``exp_factory.get_exp_config(...)`` ->
``task.build_model()``), at 128x128 input, and saves it the way training does -- a
``tf.train.Checkpoint(global_step=..., model=..., optimizer=..., **model.checkpoint_items)`` through a
``CheckpointManager(max_to_keep=5, step_counter=global_step)`` after one optimizer step (so the
optimizer has its slots), named ``ckpt-<global_step>`` -- or as a plain ``tf.train.Checkpoint(model=model)``.

Only what the tests need is kept (a few hundred kB per checkpoint, not the 100+ MB of weights): the
``.index``, the ``checkpoint`` state file, and ``PREFIX.small.json.gz``: the exact bytes of the object
graph and of every scalar, with their offsets, from which a test rebuilds a sparse data file
(``tests/modelgarden/mg_data.py``). ``manifest.json`` says what each case is.

Run from the repository root (about 3 minutes on two cores):
    /work/venvs/tf215mg/bin/python tests/data/modelgarden/make_checkpoints.py
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

HERE = Path(__file__).resolve().parent
INPUT_SIZE = [128, 128, 3]
EXPERIMENTS = {"retinanet": "retinanet_resnetfpn_coco", "faster_rcnn": "fasterrcnn_resnetfpn_coco",
               "mask_rcnn": "maskrcnn_resnetfpn_coco"}
# name -> (architecture, num_classes, ResNet depth, layouts, global_step)
CASES = {
    "retinanet_r50_c91": ("retinanet", 91, 50, ("trainer", "model-only"), 1000),
    "retinanet_r50_c4": ("retinanet", 4, 50, ("trainer",), 200),
    "retinanet_r101_c4": ("retinanet", 4, 101, ("trainer",), 200),
    "faster_rcnn_r50_c91": ("faster_rcnn", 91, 50, ("trainer", "model-only"), 1000),
    "mask_rcnn_r50_c91": ("mask_rcnn", 91, 50, ("trainer", "model-only"), 1000),
}
_SMALL_BYTES = 64


def experiment_config(architecture: str, num_classes: int, model_id: int = 50, input_size=None):
    """The experiment's defaults with a small input, ``num_classes`` and ResNet ``model_id``; no init checkpoint."""
    import official.vision  # noqa: F401  (registers the experiments)
    from official.core import exp_factory

    config = exp_factory.get_exp_config(EXPERIMENTS[architecture])
    config.task.model.num_classes = num_classes
    config.task.model.input_size = list(input_size or INPUT_SIZE)
    config.task.model.backbone.resnet.model_id = model_id
    config.task.init_checkpoint = ""
    return config


def build(config):
    """``(task, model)`` with every variable created (RetinaNet's head is built by one call)."""
    import tensorflow as tf
    from official.core import task_factory

    task = task_factory.get_task(config.task)
    model = task.build_model()
    if not hasattr(model, "rpn_head"):  # Mask/Faster R-CNN build_model already made a warm-up call
        model(tf.zeros([1] + list(config.task.model.input_size)), training=True)
    return task, model


def save_trainer(config, task, model, folder: str, global_step: int) -> str:
    """Save like the trainer: one optimizer step first (slots), then ``ckpt-<global_step>``."""
    import tensorflow as tf

    optimizer = task.create_optimizer(config.trainer.optimizer_config, config.runtime)
    variables = model.trainable_variables
    optimizer.apply_gradients(zip([tf.zeros_like(v) for v in variables], variables))
    step = tf.Variable(global_step, dtype=tf.int64, name="global_step", trainable=False)
    checkpoint = tf.train.Checkpoint(global_step=step, model=model, optimizer=optimizer, **model.checkpoint_items)
    manager = tf.train.CheckpointManager(checkpoint, folder, max_to_keep=5, step_counter=step,
                                         checkpoint_interval=1000)
    return manager.save(checkpoint_number=step)


def save_model_only(model, folder: str) -> str:
    """``tf.train.Checkpoint(model=model).save(folder/ckpt)`` -> ``folder/ckpt-1``."""
    import tensorflow as tf

    return tf.train.Checkpoint(model=model).save(os.path.join(folder, "ckpt"))


def small_pieces(prefix: str) -> dict:
    """The bytes of the object graph and of every small tensor, as stored in the data file."""
    sys.path.insert(0, str(HERE.parent.parent.parent))
    from tfckpt.checkpoint.index import OBJECT_GRAPH_KEY, read_index

    index = read_index(prefix)
    pieces = []
    for entry in index.entries.values():
        if entry.name == OBJECT_GRAPH_KEY or (entry.shape == () and 0 < entry.size <= _SMALL_BYTES):
            with open(index.data_path(entry.shard_id), "rb") as handle:
                handle.seek(entry.offset)
                raw = handle.read(entry.size)
            pieces.append({"name": entry.name, "shard": entry.shard_id, "offset": entry.offset,
                           "bytes": base64.b64encode(raw).decode("ascii")})
    return {"pieces": pieces}


def keep_small_parts(saved_folder: str, prefix: str, out: Path) -> None:
    """Copy the index and state file of ``prefix`` into ``out``, with its small pieces."""
    out.mkdir(parents=True, exist_ok=True)
    name = os.path.basename(prefix)
    shutil.copyfile(prefix + ".index", out / (name + ".index"))
    state = os.path.join(saved_folder, "checkpoint")
    if os.path.exists(state):
        text = Path(state).read_text().replace(saved_folder + "/", "")
        (out / "checkpoint").write_text(text)
    with gzip.GzipFile(out / (name + ".small.json.gz"), "wb", mtime=0) as handle:
        handle.write(json.dumps(small_pieces(prefix)).encode())


def main(names) -> None:
    import official
    import tensorflow as tf

    manifest_path = HERE / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    for name in names:
        architecture, num_classes, model_id, layouts, global_step = CASES[name]
        config = experiment_config(architecture, num_classes, model_id)
        task, model = build(config)
        with tempfile.TemporaryDirectory() as scratch:
            for layout in layouts:
                folder = os.path.join(scratch, layout)
                if layout == "trainer":
                    prefix = save_trainer(config, task, model, folder, global_step)
                else:
                    prefix = save_model_only(model, folder)
                case = f"{name}_{layout.replace('-', '_')}"
                shutil.rmtree(HERE / case, ignore_errors=True)
                keep_small_parts(folder, prefix, HERE / case)
                manifest[case] = {
                    "prefix": f"{case}/{os.path.basename(prefix)}", "experiment": EXPERIMENTS[architecture],
                    "architecture": architecture, "num_classes": num_classes, "backbone": "resnet",
                    "model_id": model_id, "decoder": "fpn", "layout": layout, "input_size": INPUT_SIZE,
                    "optimizer": config.trainer.optimizer_config.optimizer.type if layout == "trainer" else None,
                    "global_step": global_step if layout == "trainer" else None,
                    "made_with": f"tensorflow {tf.__version__}, tf-models-official "
                                 f"{getattr(official, '__version__', '2.15.0')}",
                }
                print(f"{case}: {prefix}", flush=True)
        del task, model
        tf.keras.backend.clear_session()
    manifest_path.write_text(json.dumps(dict(sorted(manifest.items())), indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:] or list(CASES))
