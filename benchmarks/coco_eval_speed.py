"""How long does the COCO evaluation step of ``tfckpt.COCOMetrics`` take, with faster-coco-eval
(what tfckpt uses) against pycocotools (the reference), on identical inputs?

The input is a synthetic validation set made here: ``--images`` images (default 500) of 640 x 480,
5 to 15 ground-truth boxes each over 10 classes, and exactly 100 detections per image (50,000 in
all): the ground truth shifted by noise, some boxes missed, the rest false positives, with random
scores. It is fed once through :class:`tfckpt.coco.COCOAccumulator`, then the same COCO
dataset dict and the same ``[N, 7]`` detection array go to both evaluators.

Timed: :func:`tfckpt.coco.backends.run_bbox_eval` (build the ground-truth index, load the
detections, evaluate, accumulate, summarise), each backend ``--runs`` times, interleaved
(A, B, A, B, ...) after a discarded warm-up each, in this process. Reported: median / min / max
seconds, the ratio pycocotools / faster-coco-eval of the medians, and the largest difference
over the 12 COCO figures, which must be below 1e-9. Also timed: the conversion to COCO form.

Figures go to stdout and to ``benchmarks/results/coco_eval_speed.json``.

Example:
    cd /work/main && PYTHONPATH=. /work/venvs/tf221/bin/python benchmarks/coco_eval_speed.py --runs 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from inspect_speed import REPO, git_revision, run_and_report  # noqa: E402

from tfckpt.coco import METRIC_NAMES, COCOAccumulator  # noqa: E402
from tfckpt.coco.backends import available_backends, run_bbox_eval  # noqa: E402

RESULTS_PATH = REPO / "benchmarks" / "results" / "coco_eval_speed.json"
DETECTIONS_PER_IMAGE = 100
HEIGHT, WIDTH = 480, 640
TOLERANCE = 1e-9


def synthetic_validation_set(images: int, seed: int = 0) -> COCOAccumulator:
    """Ground truth and ``DETECTIONS_PER_IMAGE`` detections per image, in pixels, xyxy."""
    rng = np.random.default_rng(seed)
    scores = COCOAccumulator("xyxy", normalized=False)
    for _ in range(images):
        count = int(rng.integers(5, 16))
        xy = rng.uniform(0, [WIDTH - 200, HEIGHT - 200], size=(count, 2))
        truth = np.concatenate([xy, xy + rng.uniform(10, 200, size=(count, 2))], axis=1)
        classes = rng.integers(1, 11, size=count)
        found = rng.random(count) > 0.15
        hits = truth[found] + rng.normal(0, 6, size=(int(found.sum()), 4))
        extra = DETECTIONS_PER_IMAGE - len(hits)
        exy = rng.uniform(0, [WIDTH - 120, HEIGHT - 120], size=(extra, 2))
        boxes = np.concatenate([hits, np.concatenate([exy, exy + rng.uniform(8, 120, size=(extra, 2))], 1)])
        detected = np.concatenate([classes[found], rng.integers(1, 11, size=extra)])
        confidence = np.concatenate([rng.uniform(0.3, 1.0, len(hits)), rng.uniform(0.0, 0.7, extra)])
        scores.add((HEIGHT, WIDTH), truth, classes, boxes, confidence, detected)
    return scores


def seconds(samples: list[float]) -> dict:
    return {"median_s": statistics.median(samples), "min_s": min(samples), "max_s": max(samples),
            "samples_s": samples}


def measure(images: int, runs: int) -> dict:
    missing = {"faster_coco_eval", "pycocotools"} - set(available_backends())
    if missing:
        raise RuntimeError(f"needs {' and '.join(sorted(missing))}: pip install faster-coco-eval pycocotools")
    started = time.perf_counter()
    accumulator = synthetic_validation_set(images)
    dataset = accumulator.coco_dataset()
    detections = accumulator.detections_array()
    conversion_s = time.perf_counter() - started
    backends = ("faster_coco_eval", "pycocotools")
    stats = {name: run_bbox_eval(dataset, detections, name) for name in backends}  # warm-up, and the figures
    samples: dict[str, list[float]] = {name: [] for name in backends}
    for run in range(runs):
        for name in backends if run % 2 == 0 else backends[::-1]:
            started = time.perf_counter()
            run_bbox_eval(dataset, detections, name)
            samples[name].append(time.perf_counter() - started)
    difference = float(np.max(np.abs(stats["faster_coco_eval"] - stats["pycocotools"])))
    results = {name: seconds(values) for name, values in samples.items()}
    return {
        "git": git_revision(), "images": images, "ground_truth_boxes": len(dataset["annotations"]),
        "detections": int(len(detections)), "runs": runs, "conversion_s": conversion_s,
        "results": results,
        "speedup": results["pycocotools"]["median_s"] / results["faster_coco_eval"]["median_s"],
        "figures": {name: dict(zip(METRIC_NAMES, map(float, values))) for name, values in stats.items()},
        "max_abs_difference": difference, "same_to_1e-9": difference < TOLERANCE,
    }


def print_table(report: dict) -> None:
    print(f"{report['images']} images, {report['ground_truth_boxes']} ground-truth boxes, "
          f"{report['detections']:,} detections; {report['runs']} interleaved runs each after a warm-up "
          f"(git {report['git']})")
    print(f"conversion to COCO form (COCOAccumulator.add, once): {report['conversion_s']:.2f} s\n")
    print(f"{'evaluator':<18} {'median s':>9} {'min s':>7} {'max s':>7}")
    for name, figures in report["results"].items():
        print(f"{name:<18} {figures['median_s']:>9.3f} {figures['min_s']:>7.3f} {figures['max_s']:>7.3f}")
    fast = report["figures"]["faster_coco_eval"]
    print(f"\npycocotools / faster-coco-eval: {report['speedup']:.1f}x")
    print(f"mAP {fast['mAP']:.6f}, mAP50 {fast['mAP50']:.6f}, AR100 {fast['AR100']:.6f}; largest difference "
          f"over the 12 figures {report['max_abs_difference']:.2e} "
          f"({'same' if report['same_to_1e-9'] else 'NOT the same'} to 1e-9)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=500, help="validation images (default: %(default)s)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per evaluator (default: %(default)s)")
    args = parser.parse_args(argv)
    reports: list[dict] = []

    def measure_once() -> dict:
        reports.append(measure(args.images, args.runs))
        return reports[-1]

    code = run_and_report("coco_eval_speed", measure_once, print_table, RESULTS_PATH)
    return code or (0 if reports[-1]["same_to_1e-9"] else 1)


if __name__ == "__main__":
    sys.exit(main())
