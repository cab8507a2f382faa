"""COCOAccumulator against hand-computed COCO figures and against both evaluators."""

from __future__ import annotations

import numpy as np
import pytest

from coco_helpers import run_without_evaluators

from tfckpt.coco import METRIC_NAMES, COCOAccumulator, available_backends
from tfckpt.coco.errors import COCOInputError

BACKENDS = available_backends()
needs_both = pytest.mark.skipif(len(BACKENDS) < 2, reason="needs faster-coco-eval and pycocotools")


def random_scene(rng, images=40, size=(120, 160)):
    """Ground truth and noisy detections (shifted boxes, false positives, misses) in pixels, xyxy."""
    height, width = size
    truth, found = [], []
    for _ in range(images):
        count = int(rng.integers(0, 6))
        xy = rng.uniform(0, [width - 60, height - 60], size=(count, 2))
        wh = rng.uniform(8, 60, size=(count, 2))
        boxes, classes = np.concatenate([xy, xy + wh], 1), rng.integers(1, 4, size=count)
        keep = rng.random(count) > 0.2
        shifted = boxes[keep] + rng.normal(0, 4, size=(int(keep.sum()), 4))
        extra = int(rng.integers(0, 3))
        exy = rng.uniform(0, [width - 40, height - 40], size=(extra, 2))
        det_boxes = np.concatenate([shifted, np.concatenate([exy, exy + 30], 1)])
        det_classes = np.concatenate([classes[keep], rng.integers(1, 4, size=extra)])
        truth.append((boxes, classes))
        found.append((det_boxes, rng.random(len(det_boxes)), det_classes))
    return truth, found


def scores_of(truth, found, backend, box_format="xyxy", normalized=False, size=(120, 160)):
    accumulator = COCOAccumulator(box_format, normalized)
    for (gt_boxes, gt_classes), (boxes, scores, classes) in zip(truth, found):
        accumulator.add(size, gt_boxes, gt_classes, boxes, scores, classes)
    return accumulator.evaluate(backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_one_box_at_iou_0_58_scores_two_of_ten_thresholds(backend):
    accumulator = COCOAccumulator("xywh", normalized=False)
    # ground truth 0..10 x 0..10, detection 0..10 x 0..5.8: IoU 0.58, matched at IoU .50 and .55 only
    accumulator.add((100, 100), [[0, 0, 10, 10]], [1], [[0, 0, 10, 5.8]], [0.9], [1])
    scores = accumulator.evaluate(backend)
    assert scores["mAP50"] == pytest.approx(1.0)
    assert scores["mAP75"] == pytest.approx(0.0)
    assert scores["mAP"] == pytest.approx(0.2)
    assert scores["mAP_small"] == pytest.approx(0.2)
    assert scores["mAP_medium"] == -1.0 and scores["mAP_large"] == -1.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_perfect_detections_score_one_and_padding_is_ignored(backend):
    rng = np.random.default_rng(3)
    truth, _ = random_scene(rng)
    accumulator = COCOAccumulator("xyxy", normalized=False)
    for boxes, classes in truth:
        padded_boxes = np.concatenate([boxes, np.zeros((2, 4))])
        padded_classes = np.concatenate([classes, [-1, -1]])
        accumulator.add((120, 160), padded_boxes, padded_classes, padded_boxes, np.ones(len(padded_boxes)),
                        padded_classes)
    scores = accumulator.evaluate(backend)
    assert scores["mAP"] == pytest.approx(1.0)
    assert scores["AR100"] == pytest.approx(1.0)


@needs_both
def test_faster_coco_eval_and_pycocotools_agree_to_1e_9():
    truth, found = random_scene(np.random.default_rng(7), images=80)
    fast, reference = scores_of(truth, found, "faster_coco_eval"), scores_of(truth, found, "pycocotools")
    assert 0.05 < reference["mAP"] < 0.95  # a scene that exercises the curve, not a trivial one
    for name in METRIC_NAMES:
        assert fast[name] == pytest.approx(reference[name], abs=1e-9), name


def test_box_layouts_give_the_same_scores():
    truth, found = random_scene(np.random.default_rng(11))
    reference = scores_of(truth, found, "auto")

    def yxyx_normalized(boxes):
        return boxes[:, [1, 0, 3, 2]] / np.array([120, 160, 120, 160])

    def xywh(boxes):
        return np.concatenate([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]], 1)

    for layout, convert, normalized in (("yxyx", yxyx_normalized, True), ("xywh", xywh, False)):
        moved_truth = [(convert(b), c) for b, c in truth]
        moved_found = [(convert(b), s, c) for b, s, c in found]
        scores = scores_of(moved_truth, moved_found, "auto", layout, normalized)
        for name in METRIC_NAMES:
            assert scores[name] == pytest.approx(reference[name], abs=1e-9), (layout, name)


def test_batches_respect_num_detections():
    boxes = np.array([[[0.1, 0.1, 0.4, 0.4], [0.5, 0.5, 0.9, 0.9]]] * 2)
    whole, cut = COCOAccumulator(), COCOAccumulator()
    whole.add_batch((64, 64), boxes, [[1, 2], [1, 2]], boxes, np.ones((2, 2)), [[1, 2], [1, 2]])
    cut.add_batch((64, 64), boxes, [[1, 2], [1, 2]], boxes, np.ones((2, 2)), [[1, 2], [1, 2]], num_detections=[1, 1])
    assert whole.evaluate()["mAP"] == pytest.approx(1.0)
    assert cut.evaluate()["AR100"] == pytest.approx(0.5)


def test_no_detections_score_zero_where_there_is_ground_truth():
    accumulator = COCOAccumulator("xywh", normalized=False)
    accumulator.add((200, 200), [[0, 0, 10, 10], [0, 0, 50, 50]], [1, 1], np.zeros((0, 4)), [], [])
    scores = accumulator.evaluate()
    assert scores["mAP"] == 0.0 and scores["mAP_small"] == 0.0 and scores["mAP_medium"] == 0.0
    assert scores["mAP_large"] == -1.0 and scores["AR_large"] == -1.0


@pytest.mark.parametrize("call, message", [
    (lambda: COCOAccumulator("cxcywh"), "box_format must be one of yxyx, xyxy, xywh; received 'cxcywh'"),
    (lambda: COCOAccumulator().add((8, 8), [[0, 0, 1]], [1], [], [], []), "gt_boxes must have shape [n, 4]"),
    (lambda: COCOAccumulator().add((8, 8), [[0, 0, 1, 1]], [1, 2], [], [], []),
     "image 1: 1 ground-truth boxes for 2 classes"),
    (lambda: COCOAccumulator().evaluate(), "no images to evaluate; add() ground truth and detections first"),
    (lambda: COCOAccumulator().evaluate("detectron"), "no images to evaluate"),
])
def test_bad_input_is_one_clear_line(call, message):
    with pytest.raises(COCOInputError) as error:
        call()
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_without_an_evaluator_the_error_says_what_to_install():
    code = ("from tfckpt.coco import COCOAccumulator, available_backends\n"
            "print(available_backends())\n"
            "scores = COCOAccumulator()\n"
            "scores.add((8, 8), [[0, 0, 1, 1]], [1], [[0, 0, 1, 1]], [1.0], [1])\n"
            "try:\n    scores.evaluate()\nexcept ImportError as error:\n    print(error)\n")
    result = run_without_evaluators(code, check=True)
    assert result.stdout.splitlines() == [
        "[]", "COCO mAP needs faster-coco-eval or pycocotools, which is not installed; "
              "pip install 'tfckpt[coco]' (it installs faster-coco-eval)"]


def test_the_demo_without_an_evaluator_says_what_to_install(tmp_path):
    result = run_without_evaluators(
        f"from tfckpt.cli.main import main\nsys.exit(main(['demo', '--out', {str(tmp_path)!r}]))\n", timeout=120)
    assert result.returncode == 3
    assert result.stderr.strip() == ("tfckpt: error: COCO mAP needs faster-coco-eval or pycocotools, which is not "
                                     "installed; pip install 'tfckpt[coco]' (it installs faster-coco-eval)")
    assert not any(tmp_path.iterdir())


def test_zero_based_detections_against_one_based_labels_are_pointed_out():
    truth, found = random_scene(np.random.default_rng(5))
    shifted, aligned = COCOAccumulator("xyxy", normalized=False), COCOAccumulator("xyxy", normalized=False)
    for (gt_boxes, gt_classes), (boxes, scores, classes) in zip(truth, found):
        shifted.add((120, 160), gt_boxes, gt_classes, boxes, scores, classes - 1)  # ids 0, 1, 2 against 1, 2, 3
        aligned.add((120, 160), gt_boxes, gt_classes, boxes, scores, classes)
    assert shifted.class_id_warning().startswith(
        "detections overlapping a ground-truth box mostly have its class id -1 (")
    assert shifted.class_id_warning().endswith(
        "): add 1 to the detected classes (in output_adapter) so both count from the same id")
    assert aligned.class_id_warning() is None
    assert shifted.evaluate()["mAP"] < aligned.evaluate()["mAP"]
