"""``COCOMetrics``: COCO box mAP of a Keras detector on validation data, written into ``logs``.

Example:
    >>> coco = tfckpt.COCOMetrics(val_batches, output_adapter=decode)  # doctest: +SKIP
    >>> model.fit(train, epochs=30, callbacks=[
    ...     coco, tfckpt.BestCheckpoint("runs/best", monitor="val_mAP")])  # doctest: +SKIP
    Epoch 3: val_mAP 0.4121 (mAP50 0.8012, mAP75 0.4033) on 200 images in 0.4 s
"""

from __future__ import annotations

import itertools
import sys
import time
from typing import Callable, MutableMapping, Optional

import numpy as np

from tfckpt.callbacks import compat, metric_sources
from tfckpt.coco.accumulate import METRIC_NAMES, COCOAccumulator
from tfckpt.coco.backends import resolve_backend
from tfckpt.coco.detections import read_detections, read_ground_truth
from tfckpt.coco.errors import COCOInputError


def _batches(validation_data, batch_size: int):
    """Yield ``(images, ground_truth)`` batches from arrays or from an iterable of batches."""
    if isinstance(validation_data, tuple) and len(validation_data) == 2 and np.ndim(validation_data[0]) == 4:
        images, truth = validation_data
        for start in range(0, len(images), batch_size):
            part = slice(start, start + batch_size)
            yield images[part], ({k: v[part] for k, v in truth.items()} if isinstance(truth, dict)
                                 else tuple(v[part] for v in truth))
        return
    for batch in validation_data:
        if not isinstance(batch, (tuple, list)) or len(batch) < 2:
            raise COCOInputError("each validation batch must be (images, ground_truth); received "
                                 f"{type(batch).__name__}", "see the COCOMetrics docstring for the layouts")
        yield batch[0], batch[1]


def _repeats_forever(validation_data) -> bool:
    """A ``tf.data.Dataset`` whose cardinality is infinite."""
    cardinality = getattr(validation_data, "cardinality", None)
    return callable(cardinality) and int(cardinality()) == int(compat.tf.data.INFINITE_CARDINALITY)


class COCOMetrics(compat.Callback):
    """At the end of every ``every_epochs``-th epoch, run the model on ``validation_data``, score
    its detections with COCO box mAP and write ``val_mAP``, ``val_mAP50``, ``val_mAP75``,
    ``val_mAP_small|medium|large``, ``val_AR1|10|100`` and ``val_AR_small|medium|large`` into the
    epoch's ``logs``. tfckpt's checkpoint and early-stopping callbacks get these values whatever
    their place in ``callbacks=[...]``; Keras's own callbacks must come after this one (one that
    monitors these metrics from an earlier place is refused at train begin).

    Args:
        validation_data: ``(images, {"boxes": ..., "classes": ...})`` arrays, or a re-iterable
            of such batches (a ``tf.data.Dataset``, a list). Boxes ``[ymin, xmin, ymax, xmax]``
            normalised to [0, 1] by default; class -1 marks padding; ragged tensors work too.
        every_epochs: evaluate every N epochs. Defaults to ``1``.
        output_adapter: ``fn(model_outputs) -> detections`` when the model does not output the
            Object Detection API's dict (``detection_boxes``, ``detection_scores``,
            ``detection_classes``, optional ``num_detections``) or a tuple
            ``(boxes, scores, classes[, num_detections])``. Defaults to ``None``.
        box_format, normalized: the boxes' layout, ``"yxyx"``, ``"xyxy"`` or ``"xywh"``, in
            [0, 1] or in pixels. Defaults to ``"yxyx"``, ``True``.
        metrics: which of the 12 figures to write (names without the prefix, from
            ``tfckpt.coco.METRIC_NAMES``). Defaults to all of them.
        prefix: put before each name in ``logs``. Defaults to ``"val_"``.
        backend: ``"auto"`` (faster-coco-eval, else pycocotools), or either by name.
        batch_size: for ``validation_data`` given as arrays. Defaults to ``32``.
        steps: evaluate at most this many batches; needed for a dataset that repeats forever.
            Defaults to ``None`` (all of it).
        verbose: 1 prints one line per evaluation. Defaults to ``1``.

    Attributes:
        history: one dict per evaluation: ``epoch``, ``seconds`` and every metric.
    """

    def __init__(self, validation_data, every_epochs: int = 1, output_adapter: Optional[Callable] = None,
                 box_format: str = "yxyx", normalized: bool = True, metrics=METRIC_NAMES, prefix: str = "val_",
                 backend: str = "auto", batch_size: int = 32, steps: Optional[int] = None, verbose: int = 1) -> None:
        super().__init__()
        for name, value in (("every_epochs", every_epochs), ("batch_size", batch_size),
                            ("steps", 1 if steps is None else steps)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise COCOInputError(f"{name} must be a whole number >= 1; received {name}={value!r}")
        if output_adapter is not None and not callable(output_adapter):
            raise COCOInputError(f"output_adapter must be a function; received {output_adapter!r}")
        if iter(validation_data) is validation_data:
            raise COCOInputError("validation_data is an iterator, which would be used up by the first evaluation",
                                 "pass a list of batches, a tf.data.Dataset or (images, ground_truth) arrays")
        if steps is None and _repeats_forever(validation_data):
            raise COCOInputError("validation_data repeats forever (a tf.data.Dataset with .repeat()), so an "
                                 "evaluation would never end", "pass steps=N (batches per evaluation), or the "
                                 "dataset without .repeat()")
        self.backend = resolve_backend(backend)  # a missing evaluator fails here, not after an epoch
        COCOAccumulator(box_format, normalized)  # checks box_format now
        self.validation_data, self.every_epochs, self.output_adapter = validation_data, every_epochs, output_adapter
        self.box_format, self.normalized, self.prefix = box_format, normalized, prefix
        self.batch_size, self.steps, self.verbose = batch_size, steps, int(verbose)
        unknown = [name for name in metrics if name not in METRIC_NAMES]
        if isinstance(metrics, str) or unknown or not metrics:
            raise COCOInputError(f"metrics must be a list of names from {', '.join(METRIC_NAMES)}; received "
                                 f"{metrics!r}", "for example metrics=('mAP', 'mAP50', 'AR100')")
        self.metric_names = tuple(prefix + name for name in metrics)
        self.history: list[dict] = []
        self._last: Optional[tuple[int, dict]] = None
        self._warned = False

    def on_train_begin(self, logs=None) -> None:
        self._last = None
        self._check_order(sys._getframe(1))
        metric_sources.register(self.model, self)

    def on_train_end(self, logs=None) -> None:
        metric_sources.unregister(self.model, self)

    def _check_order(self, frame) -> None:
        """A Keras callback that monitors one of these metrics but runs before this one would
        never see it: stop before training. The callback list is found in the caller's frame
        (Keras's ``CallbackList.on_train_begin``); where it is not, nothing is checked."""
        for _ in range(3):
            if frame is None:
                return
            listed = getattr(frame.f_locals.get("self"), "callbacks", None)
            if isinstance(listed, list) and any(c is self for c in listed):
                break
            frame = frame.f_back
        else:
            return
        for callback in listed[:next(i for i, c in enumerate(listed) if c is self)]:
            monitor = getattr(callback, "monitor", None)
            if isinstance(monitor, str) and monitor in self.metric_names:
                raise COCOInputError(
                    f"{type(callback).__name__}(monitor={monitor!r}) comes before COCOMetrics in callbacks=[...], "
                    f"so it would never see {monitor}", "put COCOMetrics first in callbacks=[...]")

    def on_epoch_end(self, epoch, logs=None) -> None:
        self.produce(epoch, {} if logs is None else logs)

    def produce(self, epoch: int, logs: MutableMapping) -> bool:
        """Write this epoch's metrics into ``logs``, evaluating at most once per epoch; False when
        the epoch is not one to evaluate."""
        if (epoch + 1) % self.every_epochs:
            return False
        if self._last is None or self._last[0] != epoch:
            started = time.perf_counter()
            scores, images = self._evaluate()
            seconds = time.perf_counter() - started
            self._last = (epoch, {self.prefix + name: value for name, value in scores.items()
                                  if self.prefix + name in self.metric_names})
            self.history.append({"epoch": epoch + 1, "seconds": seconds, **self._last[1]})
            if self.verbose > 0:
                print(f"Epoch {epoch + 1}: {self.prefix}mAP {scores['mAP']:.4f} (mAP50 {scores['mAP50']:.4f}, "
                      f"mAP75 {scores['mAP75']:.4f}) on {images} images in {seconds:.1f} s")
        logs.update(self._last[1])
        return True

    def evaluate(self) -> dict[str, float]:
        """Score the model now (outside ``fit`` too); names without the prefix."""
        return self._evaluate()[0]

    def _evaluate(self) -> tuple[dict[str, float], int]:
        scores = COCOAccumulator(self.box_format, self.normalized)
        for images, truth in itertools.islice(_batches(self.validation_data, self.batch_size), self.steps):
            outputs = self.model.predict_on_batch(images)
            detections = read_detections(self.output_adapter(outputs) if self.output_adapter else outputs)
            gt_boxes, gt_classes = read_ground_truth(truth)
            height, width = (int(v) for v in np.shape(images)[1:3])
            if len(gt_classes) != len(detections["scores"]):
                raise COCOInputError(f"a batch of {len(gt_classes)} ground-truth entries gave detections for "
                                     f"{len(detections['scores'])} images", "give one ground-truth entry per image")
            scores.add_batch((height, width), gt_boxes, gt_classes, detections["boxes"], detections["scores"],
                             detections["classes"], detections["num_detections"])
        if scores.num_images == 0:
            raise COCOInputError("validation_data gave no batches", "pass at least one batch of images")
        warning = scores.class_id_warning()
        if warning and not self._warned:
            print(f"COCOMetrics: warning: {warning}", file=sys.stderr)
            self._warned = True
        return scores.evaluate(self.backend), scores.num_images
