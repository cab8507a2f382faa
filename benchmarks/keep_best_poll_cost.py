"""What does ``tfckpt keep-best`` cost while it waits? CPU time per poll, and over a minute of
watching an idle run with the default backoff (1 s after a change, doubling to 30 s).

The run is built first by a TensorFlow subprocess, like a long ``model_main_tf2.py`` run: seven
checkpoints (``CheckpointManager(max_to_keep=7)``, a 120-variable model with ``step``), and an
``eval/`` event file with 100 evaluations of 12 OD API scalar tags (1,201 records). This process
never imports TensorFlow, so its CPU time is keep-best's alone.

Measured (``time.process_time``, user + system, this process):

1. the first poll: it reads the whole event file, and pins and scores every checkpoint;
2. idle polls: ``--polls`` calls of ``poll_once`` with nothing new (list MODEL_DIR, list
   ``eval*/``, one ``stat`` per event file: nothing is read);
3. watching: ``KeepBest.run`` with the default backoff for ``--seconds`` (default 60), idle.

Run from the repository root with an interpreter that has TensorFlow (for the build only)::

    python benchmarks/keep_best_poll_cost.py            # about 70 s
    python benchmarks/keep_best_poll_cost.py --seconds 10

The table goes to stdout; the figures to ``benchmarks/results/keep_best_poll_cost.json`` (``--out``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tfckpt.keep_best import KeepBest, KeepBestOptions  # noqa: E402

BUILD = r'''
import os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import tensorflow as tf
model_dir = sys.argv[1]
step = tf.Variable(0, dtype=tf.int64)
model = tf.Module()
model.layers = [tf.Variable(tf.zeros([64, 64]), name=f"w{i}") for i in range(120)]
manager = tf.train.CheckpointManager(tf.train.Checkpoint(step=step, model=model), model_dir, max_to_keep=7)
metadata = tf.compat.v1.SummaryMetadata()
metadata.plugin_data.plugin_name = "scalars"
tags = ["DetectionBoxes_Precision/mAP", "DetectionBoxes_Precision/mAP@.50IOU", "DetectionBoxes_Precision/mAP@.75IOU",
        "DetectionBoxes_Precision/mAP (small)", "DetectionBoxes_Precision/mAP (medium)",
        "DetectionBoxes_Precision/mAP (large)", "DetectionBoxes_Recall/AR@1", "DetectionBoxes_Recall/AR@10",
        "DetectionBoxes_Recall/AR@100", "Loss/localization_loss", "Loss/classification_loss", "Loss/total_loss"]
writer = tf.summary.create_file_writer(os.path.join(model_dir, "eval"))
with writer.as_default():
    for i in range(1, 101):
        for n, tag in enumerate(tags):
            tf.summary.write(tag, tf.constant(i / 200 + n / 1000, tf.float32), step=i * 1000, metadata=metadata)
writer.close()
for i in range(94, 101):
    step.assign(i * 1000)
    manager.save()
'''


def cpu() -> float:
    return time.process_time()


def measure(model_dir: str, polls: int, seconds: float) -> dict:
    keeper = KeepBest(model_dir, KeepBestOptions(keep=3, into=os.path.join(model_dir, "best")))
    start = cpu()
    wall = time.perf_counter()
    first = keeper.poll_once()
    first_cpu, first_wall = cpu() - start, time.perf_counter() - wall
    start = cpu()
    for _ in range(polls):
        assert keeper.poll_once() == [], "an idle poll found something"
    idle_cpu = (cpu() - start) / polls

    count = [0]
    original = keeper.poll_once

    def counted():
        count[0] += 1
        return original()

    keeper.poll_once = counted
    stop = threading.Event()
    threading.Timer(seconds, stop.set).start()
    start, wall = cpu(), time.perf_counter()
    keeper.run(stop)
    watch_cpu, watch_wall = cpu() - start, time.perf_counter() - wall
    return {"first_poll_cpu_s": first_cpu, "first_poll_wall_s": first_wall, "first_poll_notices": len(first),
            "idle_poll_cpu_ms": idle_cpu * 1000, "idle_polls": polls, "watch_seconds": watch_wall,
            "watch_polls": count[0], "watch_cpu_s": watch_cpu,
            "watch_cpu_percent_of_one_core": 100 * watch_cpu / watch_wall,
            "kept": [k["name"] for k in keeper.report().kept]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polls", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "keep_best_poll_cost.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        model_dir = os.path.join(folder, "model_dir")
        subprocess.run([sys.executable, "-c", BUILD, model_dir], check=True)
        figures = measure(model_dir, args.polls, args.seconds)
    figures.update(python=platform.python_version(), machine=platform.machine(), cpus=os.cpu_count(),
                   date=time.strftime("%Y-%m-%d"))
    print("| what | figure |\n|---|---|")
    print(f"| first poll (1,201 event records, 7 checkpoints pinned and scored) | "
          f"{figures['first_poll_cpu_s'] * 1000:.0f} ms CPU, {figures['first_poll_wall_s'] * 1000:.0f} ms wall |")
    print(f"| one idle poll (nothing new) | {figures['idle_poll_cpu_ms']:.2f} ms CPU |")
    print(f"| watching an idle run for {figures['watch_seconds']:.0f} s (default backoff) | "
          f"{figures['watch_polls']} polls, {figures['watch_cpu_s'] * 1000:.1f} ms CPU "
          f"({figures['watch_cpu_percent_of_one_core']:.4f} % of one core) |")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(figures, indent=1) + "\n")


if __name__ == "__main__":
    main()
