"""A tiny one-stage detector for the demo: a few convolutions down to an 8 x 8 grid; each cell
predicts whether an object's centre lies in it, the object's class, and its box. Decoding keeps
the likely cells and applies non-maximum suppression, giving the Object Detection API's output
layout (``detection_boxes``, ``detection_scores``, ``detection_classes``, ``num_detections``).

Example:
    >>> model = build_detector(keras)  # doctest: +SKIP
    >>> targets = encode_targets(boxes, classes)  # doctest: +SKIP
    >>> model.fit(images, targets, epochs=10)  # doctest: +SKIP
    >>> detections = decode_detections(model.predict(images))  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np

from tfckpt.demo.shapes import CLASS_NAMES, IMAGE_SIZE

GRID = 8
STRIDE = IMAGE_SIZE // GRID
NUM_CLASSES = len(CLASS_NAMES)
CHANNELS = 1 + NUM_CLASSES + 4  # objectness, class logits, (y, x) offset in the cell, log (h, w)


def encode_targets(boxes: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Grid targets ``[N, GRID, GRID, CHANNELS]`` from normalised boxes and 1-based classes."""
    targets = np.zeros((len(boxes), GRID, GRID, CHANNELS), np.float32)
    for i, j in zip(*np.nonzero(classes > 0)):
        ymin, xmin, ymax, xmax = boxes[i, j] * IMAGE_SIZE
        cy, cx = (ymin + ymax) / 2 / STRIDE, (xmin + xmax) / 2 / STRIDE
        row, col = min(int(cy), GRID - 1), min(int(cx), GRID - 1)
        targets[i, row, col, 0] = 1.0
        targets[i, row, col, classes[i, j]] = 1.0
        targets[i, row, col, 1 + NUM_CLASSES:] = [cy - row, cx - col,
                                                  np.log((ymax - ymin) / STRIDE), np.log((xmax - xmin) / STRIDE)]
    return targets


def build_detector(keras, seed: int = 0):
    """The model: 64 x 64 x 3 images in, ``[GRID, GRID, CHANNELS]`` raw predictions out."""
    keras.utils.set_random_seed(seed)
    layers = keras.layers
    inputs = keras.Input((IMAGE_SIZE, IMAGE_SIZE, 3), name="image")
    x = inputs
    for filters, stride in ((16, 1), (32, 2), (32, 1), (48, 2), (48, 1), (64, 2), (64, 1)):
        x = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
    x = layers.Conv2D(64, 3, padding="same", dilation_rate=2, activation="relu")(x)
    outputs = layers.Conv2D(CHANNELS, 1, name="grid")(x)
    return keras.Model(inputs, outputs, name="tiny_detector")


def detection_loss(y_true, y_pred):
    """Objectness (binary cross-entropy over every cell), class (softmax cross-entropy) and box
    (L1 on offsets and log sizes) on the cells that hold an object centre; summed per object."""
    import tensorflow as tf

    positive = y_true[..., 0]
    count = tf.maximum(tf.reduce_sum(positive), 1.0)
    objectness = tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(positive, y_pred[..., 0]))
    classes = tf.reduce_sum(positive * tf.nn.softmax_cross_entropy_with_logits(
        y_true[..., 1:1 + NUM_CLASSES], y_pred[..., 1:1 + NUM_CLASSES]))
    offset, size = 1 + NUM_CLASSES, 3 + NUM_CLASSES  # channel where (y, x) offsets and log (h, w) start
    offsets = tf.abs(y_true[..., offset:size] - tf.sigmoid(y_pred[..., offset:size]))
    sizes = tf.abs(y_true[..., size:] - y_pred[..., size:])
    box = tf.reduce_sum(positive * (tf.reduce_sum(offsets, -1) + tf.reduce_sum(sizes, -1)))
    return (objectness + classes + 5.0 * box) / count


def decode_detections(predictions, max_detections: int = 20, score_threshold: float = 0.05) -> dict:
    """Raw grid predictions -> the Object Detection API's detection dict (NumPy arrays)."""
    import tensorflow as tf

    predictions = tf.convert_to_tensor(predictions, tf.float32)
    batch = tf.shape(predictions)[0]
    rows, cols = tf.meshgrid(tf.range(GRID, dtype=tf.float32), tf.range(GRID, dtype=tf.float32), indexing="ij")
    cy = (rows + tf.sigmoid(predictions[..., 1 + NUM_CLASSES])) * STRIDE / IMAGE_SIZE
    cx = (cols + tf.sigmoid(predictions[..., 2 + NUM_CLASSES])) * STRIDE / IMAGE_SIZE
    height = tf.exp(predictions[..., 3 + NUM_CLASSES]) * STRIDE / IMAGE_SIZE
    width = tf.exp(predictions[..., 4 + NUM_CLASSES]) * STRIDE / IMAGE_SIZE
    boxes = tf.stack([cy - height / 2, cx - width / 2, cy + height / 2, cx + width / 2], axis=-1)
    scores = tf.sigmoid(predictions[..., :1]) * tf.nn.softmax(predictions[..., 1:1 + NUM_CLASSES])
    nms = tf.image.combined_non_max_suppression(
        tf.reshape(boxes, [batch, GRID * GRID, 1, 4]), tf.reshape(scores, [batch, GRID * GRID, NUM_CLASSES]),
        max_output_size_per_class=max_detections, max_total_size=max_detections, iou_threshold=0.5,
        score_threshold=score_threshold, clip_boxes=True)
    return {"detection_boxes": nms.nmsed_boxes.numpy(), "detection_scores": nms.nmsed_scores.numpy(),
            "detection_classes": nms.nmsed_classes.numpy().astype(np.int32) + 1,
            "num_detections": nms.valid_detections.numpy()}
