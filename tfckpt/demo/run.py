"""The built-in end-to-end run: a tiny detector learns to find squares, discs and triangles in
synthetic images (made here; nothing is downloaded), scored each epoch by :class:`COCOMetrics`.
:class:`BestCheckpoint` keeps the two best by ``val_mAP``, :class:`PeriodicCheckpoint` the last two
of every other epoch, and :class:`EarlyStoppingRestore` stops on a plateau and puts the best
weights back from disk. About two minutes on a laptop CPU.

Example:
    >>> result = run_demo("tfckpt-demo", epochs=20)  # doctest: +SKIP
    >>> result.best_epoch, round(result.best_map, 2)  # doctest: +SKIP
    (14, 0.81)
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

from tfckpt.checkpoint.inspect import InspectionReport, inspect_path


@dataclass
class DemoResult:
    """What the demo did: the mAP of every evaluated epoch, the best, what was kept and pruned."""

    map_by_epoch: dict[int, float]
    best_epoch: int
    best_map: float
    restored_map: float
    stopped_epoch: int | None
    events: list[dict] = field(default_factory=list)
    reports: list[InspectionReport] = field(default_factory=list)


def _data(train_images: int, val_images: int, seed: int):
    from tfckpt.demo.shapes import make_shapes

    train = make_shapes(train_images, seed=seed + 1)
    validation = make_shapes(val_images, seed=seed + 2)
    return train, validation


def prepare_out_dir(out_dir: str) -> bool:
    """Make room for a run in ``out_dir``: an earlier demo run there (``best/`` and ``last/``
    written by tfckpt) is removed; anything else is refused. True if an earlier run was removed."""
    import shutil

    from tfckpt.callbacks.folder import INDEX_NAME
    from tfckpt.errors import OutputFolderError

    if not os.path.isdir(out_dir):
        return False
    names = sorted(os.listdir(out_dir))
    ours = [n for n in names if n in ("best", "last") and os.path.isfile(os.path.join(out_dir, n, INDEX_NAME))]
    others = [n for n in names if n not in ours]
    if others:
        listed = ", ".join(others[:3])
        raise OutputFolderError(out_dir, f"holds files that are not an earlier demo run ({listed})",
                                "pass --out with a new or empty folder")
    for name in ours:
        shutil.rmtree(os.path.join(out_dir, name))
    return bool(ours)


def run_demo(out_dir: str, epochs: int = 20, seed: int = 0, train_images: int = 1500, val_images: int = 200,
             patience: int = 4, verbose: int | None = None) -> DemoResult:
    """Train with all of tfckpt's callbacks in ``out_dir/best`` and ``out_dir/last``; inspect both."""
    from tfckpt.tensorflow_import import import_tensorflow

    tf = import_tensorflow("tfckpt demo")

    from tfckpt.callbacks.best import BestCheckpoint
    from tfckpt.callbacks.early_stopping import EarlyStoppingRestore
    from tfckpt.callbacks.periodic import PeriodicCheckpoint
    from tfckpt.coco.callback import COCOMetrics
    from tfckpt.demo.detector import build_detector, decode_detections, detection_loss, encode_targets

    keras = tf.keras
    if prepare_out_dir(out_dir):
        print(f"-- Removed the earlier demo run in {out_dir}")
    print(f"-- Making {train_images} training and {val_images} validation images (64x64, 1-3 shapes each)")
    (images, boxes, classes), (val_x, val_boxes, val_classes) = _data(train_images, val_images, seed)
    model = build_detector(keras, seed=seed)
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss=detection_loss)

    best_dir, last_dir = os.path.join(out_dir, "best"), os.path.join(out_dir, "last")
    coco = COCOMetrics((val_x, {"boxes": val_boxes, "classes": val_classes}), output_adapter=decode_detections,
                       metrics=("mAP", "mAP50", "mAP75", "AR100"), batch_size=100)
    best = BestCheckpoint(best_dir, monitor="val_mAP", keep_best=2, filename="best-{epoch:03d}-{val_mAP:.3f}")
    last = PeriodicCheckpoint(last_dir, every_epochs=2, keep_last=2)
    stopper = EarlyStoppingRestore(checkpoint=best, patience=patience)
    if verbose is None:
        verbose = 1 if sys.stdout.isatty() else 2
    print(f"-- Training for up to {epochs} epochs: COCOMetrics -> BestCheckpoint(val_mAP, keep_best=2), "
          f"PeriodicCheckpoint(every 2 epochs, keep_last=2), EarlyStoppingRestore(patience={patience})")
    with stopper:
        model.fit(images, encode_targets(boxes, classes), batch_size=32, epochs=epochs, verbose=verbose,
                  callbacks=[coco, best, last, stopper])
    restored = coco.evaluate()["mAP"]
    map_by_epoch = {row["epoch"]: row["val_mAP"] for row in coco.history}
    best_epoch = max(map_by_epoch, key=map_by_epoch.get)
    return DemoResult(map_by_epoch=map_by_epoch, best_epoch=best_epoch, best_map=map_by_epoch[best_epoch],
                      restored_map=restored, stopped_epoch=stopper.stopped_epoch,
                      events=[dict(e, folder="best") for e in best.events] + [dict(e, folder="last")
                                                                              for e in last.events],
                      reports=[inspect_path(best_dir), inspect_path(last_dir)])


def summary_lines(result: DemoResult) -> list[str]:
    """The closing summary: the mAP curve, the best epoch, what was kept and what was pruned."""
    curve = " ".join(f"{result.map_by_epoch[e]:.2f}" for e in sorted(result.map_by_epoch))
    first = result.map_by_epoch[min(result.map_by_epoch)]
    lines = [f"val mAP@[.5:.95] by epoch: {curve}",
             f"best: epoch {result.best_epoch}, val_mAP {result.best_map:.4f} (epoch 1: {first:.4f})",
             ("stopped early at epoch " + str(result.stopped_epoch)) if result.stopped_epoch else "ran every epoch",
             f"the model now holds the best weights again: val_mAP {result.restored_map:.4f}"]
    for folder in ("best", "last"):
        saved = [e for e in result.events if e["folder"] == folder and e["action"] == "saved"]
        pruned = [e["name"] for e in result.events if e["folder"] == folder and e["action"] == "pruned"]
        kept = [e["name"] for e in saved if e["name"] not in pruned]
        lines.append(f"{folder}/: {len(saved)} saved, kept {', '.join(kept) or 'none'}; "
                     f"pruned {', '.join(pruned) or 'none'}")
    return lines
