"""Fixtures for ``tfckpt validate``: a training workspace laid out as the real configs expect it
(``ckpts/``, ``data/``, run from its root), config variants, and checkpoints of other models written
by TensorFlow itself (``SaveV2`` with zero tensors of the shapes the real OD API builds).

Nothing is imported from ``tests/conftest.py``: conftest files outside packages share the module name
``conftest``, and pytest swaps them in ``sys.modules``. Its fixtures (``tf``, ``odapi_dir``) are used
the ordinary way, as fixtures."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Tuple

import pytest

from validate_helpers import VALUE, Spec, signature, write_bundle

DATA = Path(__file__).resolve().parents[1] / "data"
REAL_CONFIGS = DATA / "pipeline" / "real"
FINETUNE = "finetune_frcnn_irv2_3cls_momentum.config"
SSD_CONFIG = "ssd_mobilenet_v2_90cls.config"
IRV2, SSD = "frcnn_irv2_90cls_momentum", "ssd_mobilenet_v2_90cls"


def training_state(model: Dict[str, Tuple[int, ...]], step: int, slots: Tuple[str, ...],
                   scalars: Tuple[str, ...]) -> Dict[str, Spec]:
    """``tf.train.Checkpoint(step, model, optimizer)`` as model_lib_v2 saves it, with a legacy Keras
    optimizer: ``slots`` for every trainable variable (batch-norm statistics have none)."""
    state: Dict[str, Spec] = {"step" + VALUE: step, "save_counter" + VALUE: 2, "optimizer/iter" + VALUE: step}
    state.update({f"optimizer/{name}{VALUE}": () for name in scalars})
    for name, shape in model.items():
        state[name] = shape
        if name.startswith("model/") and "moving_" not in name:
            for slot in slots:
                state[name.replace(VALUE, f"/.OPTIMIZER_SLOT/optimizer/{slot}{VALUE}")] = shape
    return state


@pytest.fixture(scope="session")
def built(tf, tmp_path_factory) -> Dict[str, Path]:
    """Checkpoint prefixes of models the real folders do not cover, each written once per session.

    - ``resnet50``: Faster R-CNN ResNet-50, 90 classes (114 MB of zeros), in the model-zoo layout
      ``faster_rcnn_resnet50/checkpoint/ckpt-0`` beside the zoo's ``pipeline.config``;
    - ``ssd_adam``: SSD MobileNet-v2, 90 classes, step 500, Adam state (slots m and v), in a
      training folder with its ``checkpoint`` state file;
    - ``backbone_under_model`` / ``backbone``: a Keras ResNet-50 backbone saved under the root
      ``model`` (the mistake) and under ``feature_extractor`` (what ``classification`` restores);
    - ``tf1``: a TF1 name-based checkpoint (no object graph).
    """
    root = tmp_path_factory.mktemp("built")
    resnet = signature("faster_rcnn_resnet50_v1_640x640_coco17_tpu-8")
    zoo = root / "faster_rcnn_resnet50"
    write_bundle(tf, zoo / "checkpoint" / "ckpt-0", resnet)
    zoo_config = (REAL_CONFIGS / "frcnn_irv2_90cls_momentum.config").read_text().replace(
        "faster_rcnn_inception_resnet_v2_keras", "faster_rcnn_resnet50_keras")
    (zoo / "pipeline.config").write_text(zoo_config)
    ssd = signature("ssd_mobilenet_v2_320x320_coco17_tpu-8")
    adam_dir = root / "ssd_adam_run"
    write_bundle(tf, adam_dir / "ckpt-2", training_state(ssd, 500, ("m", "v"), ("beta_1", "beta_2", "decay")))
    (adam_dir / "checkpoint").write_text('model_checkpoint_path: "ckpt-2"\nall_model_checkpoint_paths: "ckpt-2"\n')
    backbone = {name.replace("model/_feature_extractor_for_proposal_features/", ""): shape
                for name, shape in resnet.items() if "_feature_extractor_for_proposal_features/" in name}
    write_bundle(tf, root / "keras_backbone" / "model_root", {"model/" + name: s for name, s in backbone.items()})
    write_bundle(tf, root / "keras_backbone" / "ckpt", {"feature_extractor/" + name: s
                                                        for name, s in backbone.items()})
    write_bundle(tf, root / "tf1" / "model.ckpt", {
        "FirstStageFeatureExtractor/InceptionResnetV2/Conv2d_1a_3x3/weights": (3, 3, 3, 32), "global_step": 200000},
        object_based=False)
    return {"resnet50": zoo / "checkpoint" / "ckpt-0", "resnet50_zoo": zoo, "ssd_adam": adam_dir / "ckpt-2",
            "ssd_adam_dir": adam_dir, "backbone_under_model": root / "keras_backbone" / "model_root",
            "backbone": root / "keras_backbone" / "ckpt", "tf1": root / "tf1" / "model.ckpt"}


@dataclass
class Workspace:
    """A folder laid out as the real configs expect, and the working directory of the test."""

    root: Path

    def config(self, replacements: Dict[str, str] = None, base: str = FINETUNE,
               name: str = "pipeline.config") -> str:
        """Write a variant of a real config (each ``old -> new`` must occur); its name, relative."""
        text = (REAL_CONFIGS / base).read_text()
        for old, new in (replacements or {}).items():
            assert old in text, old
            text = text.replace(old, new)
        (self.root / name).write_text(text)
        return name


@pytest.fixture
def workspace(tmp_path, monkeypatch, odapi_dir) -> Workspace:
    """``ckpts/`` (both real OD API folders, with sparse data files), ``data/`` (label maps and an
    empty record file), run from its root as model_main_tf2 would be."""
    (tmp_path / "ckpts").mkdir()
    for name in (IRV2, SSD):
        shutil.move(str(odapi_dir(name)), str(tmp_path / "ckpts" / name))
    (tmp_path / "data").mkdir()
    for label_map in ("label_map_3.pbtxt", "label_map_90.pbtxt"):
        shutil.copyfile(REAL_CONFIGS / label_map, tmp_path / "data" / label_map)
    (tmp_path / "data" / "train.tfrecord").write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    return Workspace(tmp_path)
