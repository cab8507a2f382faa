"""A stand-in for model_main_tf2.py, as two long-lived processes driven line by line over
stdin, so that a test can interleave training, evaluation and keep-best exactly.

``python odapi_roles.py trainer``, like model_lib_v2's train loop: ``open MODEL_DIR`` starts a
run, a ``tf.train.Checkpoint(step=...)`` saved by a ``CheckpointManager(max_to_keep=2)``; its
first save holds only ``step`` (the model is attached after it, as in the OD API).
``save STEP`` sets the step and every weight to STEP / 1000, saves, and answers
``saved ckpt-N STEP``.

``python odapi_roles.py evaluator``, like eval_continuously: ``open MODEL_DIR`` opens a summary
writer on MODEL_DIR/eval. ``eval MAP`` restores the step of the newest checkpoint only and writes
the OD API's scalar tags at that step, answering ``evaluated STEP``; ``partial MAP`` writes only
the loss, as when the mAP is not flushed yet.

Each process answers ``ready`` once TensorFlow is imported, ``opened`` to ``open``, and stops at
``quit`` or the end of its input.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402

STEP_KEY = "step/.ATTRIBUTES/VARIABLE_VALUE"


class TinyDetector(tf.Module):
    """Two variables standing in for a detector's weights."""

    def __init__(self):
        super().__init__()
        self.kernel = tf.Variable(tf.zeros([3, 2]), name="kernel")
        self.bias = tf.Variable(tf.zeros([2]), name="bias")


class Trainer:
    def open(self, model_dir: str) -> str:
        self.step = tf.Variable(0, dtype=tf.int64)
        self.checkpoint = tf.train.Checkpoint(step=self.step)
        self.manager = tf.train.CheckpointManager(self.checkpoint, model_dir, max_to_keep=2)
        self.model = None
        return "opened"

    def save(self, value: str) -> str:
        self.step.assign(int(value))
        if self.model is not None:
            for variable in self.model.trainable_variables:
                variable.assign(tf.fill(variable.shape, int(value) / 1000))
        path = self.manager.save()
        if self.model is None:
            self.model = TinyDetector()
            self.checkpoint.model = self.model
        return f"saved {os.path.basename(path)} {int(value)}"


def write_scalar(tag: str, value: float, step: int) -> None:
    """``tf.summary.scalar`` (TensorBoard's); where TensorBoard is not installed (TF 2.21 without
    it), the record it would write: a float32 scalar tensor with the "scalars" plugin metadata."""
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        metadata = tf.compat.v1.SummaryMetadata()
        metadata.plugin_data.plugin_name = "scalars"
        tf.summary.write(tag, tf.constant(value, tf.float32), step=step, metadata=metadata)
    else:
        tf.summary.scalar(tag, value, step=step)


class Evaluator:
    def open(self, model_dir: str) -> str:
        self.model_dir = model_dir
        self.writer = tf.summary.create_file_writer(os.path.join(model_dir, "eval"))
        return "opened"

    def _write(self, value: str, complete: bool) -> int:
        step = int(tf.train.load_variable(tf.train.latest_checkpoint(self.model_dir), STEP_KEY))
        score = float(value)
        with self.writer.as_default():
            write_scalar("Loss/total_loss", 2.0 - score, step)
            if complete:
                write_scalar("DetectionBoxes_Precision/mAP", score, step)
                write_scalar("DetectionBoxes_Precision/mAP@.50IOU", min(1.0, score + 0.2), step)
                write_scalar("DetectionBoxes_Recall/AR@100", score / 2, step)
        self.writer.flush()
        return step

    def eval(self, value: str) -> str:
        return f"evaluated {self._write(value, complete=True)}"

    def partial(self, value: str) -> str:
        return f"partial {self._write(value, complete=False)}"


def main(role: str) -> None:
    actor = {"trainer": Trainer, "evaluator": Evaluator}[role]()
    _answer("ready")
    for line in sys.stdin:
        command, _, argument = line.strip().partition(" ")
        if command == "quit":
            return
        if command:
            _answer(getattr(actor, command)(argument))


def _answer(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1])
