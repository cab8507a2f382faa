"""The lines ``tfckpt validate`` prints above the findings for a Model Garden experiment.

Example:
    >>> print("\\n".join(header_lines(gather_experiment("runs/retina/params.yaml"))))  # doctest: +SKIP
    runs/retina/params.yaml: RetinaNet (retinanet_resnetfpn_coco), resnet-50, fpn, 4 classes (background included)
      init (backbone, decoder) from pretrained/ckpt-1: RetinaNet, trainer layout, resnet-50, 91 classes
      model_dir runs/retina: no checkpoint yet (training starts from init_checkpoint)
"""

from __future__ import annotations

from typing import List

from tfckpt.modelgarden.experiments import ARCHITECTURE_LABELS
from tfckpt.modelgarden.gather import Checkpoint, ExperimentInput


def _model_text(model) -> str:
    backbone = model.backbone or "backbone unknown"
    if model.model_id is not None:
        backbone += f"-{model.model_id}"
    classes = f"{model.num_classes} classes" if model.num_classes is not None else "class count unknown"
    return ", ".join([ARCHITECTURE_LABELS.get(model.architecture, str(model.architecture)),
                      f"{model.layout} layout", backbone, classes])


def checkpoint_text(target: Checkpoint) -> str:
    """What a checkpoint is, in a few words."""
    if target.not_checked:
        return f"{target.given}: not checked (remote)"
    if target.problem is not None:
        return f"{target.given}: {target.problem.message}"
    name = target.prefix
    if target.model is not None:
        return f"{name}: {_model_text(target.model)}"
    roots = ", ".join(target.summary.roots) if target.summary is not None else "nothing"
    return f"{name}: not a Model Garden detector (roots: {roots})"


def header_lines(data: ExperimentInput) -> List[str]:
    """The experiment, the checkpoint ``task.initialize`` reads, and ``model_dir``."""
    config = data.config
    experiment = config.experiment.name + ("" if config.named else ", read as a complete params.yaml")
    backbone = str(config.backbone_type.value) + (f"-{config.model_id.value}" if config.model_id else "")
    lines = [f"{config.file}: {ARCHITECTURE_LABELS[config.architecture]} ({experiment}), {backbone}, "
             f"{config.decoder_type.value}, {config.num_classes.value} classes (background included)"]
    modules = config.get("task.init_checkpoint_modules")
    mode = ", ".join(str(item.value) for item in modules) if isinstance(modules, tuple) else str(modules.value)
    if data.init is not None:
        lines.append(f"  init ({mode}) from {checkpoint_text(data.init)}")
    elif not data.config_only:
        lines.append("  no init_checkpoint: the model starts from random weights")
    if data.model_dir is not None:
        latest = data.model_dir.latest
        state = f"resumes from {checkpoint_text(latest)}" if latest is not None else "no checkpoint yet"
        lines.append(f"  model_dir {data.model_dir.path} ({data.model_dir.reason}): {state}")
    return lines
