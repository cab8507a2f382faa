"""Synthetic detection data: small RGB images with a few filled squares, discs and triangles on a
noisy background, and their boxes. Made on the fly with NumPy; nothing is downloaded.

Boxes follow the Object Detection API's convention: ``[ymin, xmin, ymax, xmax]`` normalised to
[0, 1]; class ids start at 1 (0 is the background in a label map). Padding rows have class -1.

Example:
    >>> images, boxes, classes = make_shapes(4, seed=0)
    >>> images.shape, boxes.shape, classes.shape
    ((4, 64, 64, 3), (4, 3, 4), (4, 3))
"""

from __future__ import annotations

import numpy as np

CLASS_NAMES = {1: "square", 2: "disc", 3: "triangle"}
IMAGE_SIZE = 64
MAX_OBJECTS = 3
MIN_SIDE, MAX_SIDE = 12, 30


def _shape_mask(kind: int, top: int, left: int, side: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Pixels of one shape whose bounding box is ``side`` x ``side`` at (top, left)."""
    y, x = rows - top, cols - left
    inside = (y >= 0) & (y < side) & (x >= 0) & (x < side)
    if kind == 1:
        return inside
    if kind == 2:
        radius = side / 2.0
        return (y + 0.5 - radius) ** 2 + (x + 0.5 - radius) ** 2 <= radius ** 2
    # triangle: apex at the top middle, base along the bottom edge
    half_width = (y + 1) / (2.0 * side) * side
    return inside & (np.abs(x + 0.5 - side / 2.0) <= half_width)


def _place(rng: np.random.Generator, count: int) -> list[tuple[int, int, int]]:
    """(top, left, side) of ``count`` shapes that do not overlap."""
    placed: list[tuple[int, int, int]] = []
    while len(placed) < count:
        side = int(rng.integers(MIN_SIDE, MAX_SIDE + 1))
        top, left = (int(v) for v in rng.integers(0, IMAGE_SIZE - side + 1, size=2))
        if all(top + side <= t or t + s <= top or left + side <= lf or lf + s <= left for t, lf, s in placed):
            placed.append((top, left, side))
    return placed


def make_shapes(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``count`` images (float32 in [0, 1]), boxes ``[count, 3, 4]`` and classes ``[count, 3]``."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:IMAGE_SIZE, 0:IMAGE_SIZE]
    images = np.empty((count, IMAGE_SIZE, IMAGE_SIZE, 3), np.float32)
    boxes = np.zeros((count, MAX_OBJECTS, 4), np.float32)
    classes = np.full((count, MAX_OBJECTS), -1, np.int32)
    for i in range(count):
        image = rng.uniform(0.0, 0.35, size=3) + rng.normal(0.0, 0.04, size=(IMAGE_SIZE, IMAGE_SIZE, 3))
        for j, (top, left, side) in enumerate(_place(rng, int(rng.integers(1, MAX_OBJECTS + 1)))):
            kind = int(rng.integers(1, 4))
            image[_shape_mask(kind, top, left, side, rows, cols)] = rng.uniform(0.55, 1.0, size=3)
            boxes[i, j] = np.array([top, left, top + side, left + side], np.float32) / IMAGE_SIZE
            classes[i, j] = kind
        images[i] = np.clip(image, 0.0, 1.0)
    return images, boxes, classes
