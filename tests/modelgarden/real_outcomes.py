"""What the real Model Garden does with each ``validate`` case, and what ``validate`` predicts.

Each case is an override file for an experiment (small input, few classes), a checkpoint named as
in ``tests/data/modelgarden/manifest.json`` (``retinanet_r50_c91_trainer``, ...), and maybe a
``model_dir`` that already holds one. :func:`run_real` runs the real thing on it -- the strict
override (``hyperparams.override_params_dict``), ``params.validate()``, ``task.build_model()``,
``task.initialize(model)`` (as the trainer's ``CheckpointManager(init_fn=...)`` calls it, after
``restore_or_initialize`` finds no checkpoint in ``model_dir``), and the best-checkpoint exporter --
and records the outcome; :func:`predict` runs ``tfckpt validate`` on the same files.

Run as a script in the Model Garden environment to record the outcomes, which the suites without
tf-models-official check the predictions against (``tests/data/modelgarden_outcomes.json``; about
15 minutes on two busy cores; name case ids to record only those):

    PYTHONPATH=. /work/venvs/tf215mg/bin/python tests/modelgarden/real_outcomes.py [CASE_ID ...]
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Dict, Optional, Tuple

ROOT = Path(__file__).resolve().parents[2]
OUTCOMES = ROOT / "tests" / "data" / "modelgarden_outcomes.json"
EXPERIMENTS = {"retinanet": "retinanet_resnetfpn_coco", "faster_rcnn": "fasterrcnn_resnetfpn_coco",
               "mask_rcnn": "maskrcnn_resnetfpn_coco"}
INPUT_SIZE = (128, 128, 3)
FAILS, OK, LOADS_NOTHING, NO_EXPORTER = "fails", "ok", "loads-nothing", "no-exporter"


@dataclass(frozen=True)
class Case:
    """One run to predict.

    Attributes:
        id: a name saying what the case is.
        architecture: ``"retinanet"``, ``"faster_rcnn"`` or ``"mask_rcnn"`` (its experiment is used).
        num_classes: ``task.model.num_classes`` (YAML text: ``four`` is allowed).
        modules: ``task.init_checkpoint_modules`` as YAML text.
        checkpoint: a checkpoint name (``ARCH_rDEPTH_cCLASSES_LAYOUT``), ``"missing"``, ``""`` (none),
            or ``"folder:NAME"`` (the folder that holds it).
        model_id: the config's ResNet depth.
        model_dir: a checkpoint name that ``model_dir`` already holds; ``""`` for an empty one.
        extra: more override YAML under ``trainer:``/``task:`` (as full lines).
        predicted: the finding id ``validate`` must report (``""``: no error or warning expected).
    """

    id: str
    architecture: str
    num_classes: str
    modules: str
    checkpoint: str
    predicted: str
    model_id: int = 50
    model_dir: str = ""
    extra: str = ""


_BEST = "trainer:\n  best_checkpoint_export_subdir: best_ckpt\n  best_checkpoint_eval_metric: {metric}\n" \
    "  best_checkpoint_metric_comp: {comp}\n"
_DECODER = "task:\n  model:\n    decoder:\n      type: {type}\n"
CASES = (
    Case("retinanet-all-other-class-count", "retinanet", "4", "all", "retinanet_r50_c91_trainer",
         "num-classes-mismatch"),
    Case("retinanet-backbone-other-class-count", "retinanet", "4", "backbone", "retinanet_r50_c91_trainer",
         "heads-start-fresh"),
    Case("retinanet-backbone-decoder-list", "retinanet", "4", "[backbone, decoder]", "retinanet_r50_c91_trainer",
         "heads-start-fresh"),
    Case("retinanet-all-same-class-count", "retinanet", "4", "all", "retinanet_r50_c4_trainer", ""),
    Case("retinanet-capital-backbone", "retinanet", "4", "Backbone", "retinanet_r50_c91_trainer",
         "init-modules-load-nothing"),
    Case("retinanet-backbones-substring", "retinanet", "4", "backbones", "retinanet_r50_c91_trainer",
         "init-modules-substring"),
    Case("retinanet-all-in-a-list", "retinanet", "4", "[all]", "retinanet_r50_c91_trainer",
         "init-modules-load-nothing"),
    Case("retinanet-r101-from-r50", "retinanet", "4", "backbone", "retinanet_r50_c91_trainer",
         "backbone-depth-mismatch", model_id=101),
    Case("retinanet-r50-from-r101", "retinanet", "4", "backbone", "retinanet_r101_c4_trainer",
         "backbone-depth-mismatch"),
    Case("retinanet-all-from-model-only", "retinanet", "91", "all", "retinanet_r50_c91_model_only", "init-layout"),
    Case("retinanet-backbone-from-model-only", "retinanet", "4", "backbone", "retinanet_r50_c91_model_only",
         "init-layout"),
    Case("retinanet-from-a-folder", "retinanet", "4", "backbone", "folder:retinanet_r50_c91_trainer",
         "heads-start-fresh"),
    Case("retinanet-missing-checkpoint", "retinanet", "4", "backbone", "missing", "init-checkpoint-missing"),
    Case("faster-rcnn-all-from-mask-rcnn", "faster_rcnn", "91", "all", "mask_rcnn_r50_c91_trainer",
         "init-mask-head-unused"),
    Case("mask-rcnn-all-from-faster-rcnn", "mask_rcnn", "91", "all", "faster_rcnn_r50_c91_trainer",
         "init-architecture"),
    Case("mask-rcnn-all-from-model-only", "mask_rcnn", "91", "all", "mask_rcnn_r50_c91_model_only", ""),
    Case("faster-rcnn-backbone-other-class-count", "faster_rcnn", "4", "backbone", "faster_rcnn_r50_c91_trainer",
         "heads-start-fresh"),
    Case("retinanet-resume-same-class-count", "retinanet", "91", "backbone", "missing", "init-skipped",
         model_dir="retinanet_r50_c91_trainer"),
    Case("retinanet-resume-other-class-count", "retinanet", "4", "backbone", "missing", "num-classes-mismatch",
         model_dir="retinanet_r50_c91_trainer"),
    Case("num-classes-four", "retinanet", "four", "backbone", "", "num-classes-type"),
    Case("num-classes-negative", "retinanet", "-3", "backbone", "", "num-classes-range"),
    Case("best-metric-map", "retinanet", "4", "backbone", "", "best-metric-unknown",
         extra=_BEST.format(metric="mAP", comp="higher")),
    Case("best-metric-ap", "retinanet", "4", "backbone", "", "", extra=_BEST.format(metric="AP", comp="higher")),
    Case("best-metric-comp-max", "retinanet", "4", "backbone", "", "best-metric-comp",
         extra=_BEST.format(metric="AP", comp="max")),
    Case("best-checkpoint-half-set", "retinanet", "4", "backbone", "", "best-checkpoint-half-set",
         extra="trainer:\n  best_checkpoint_export_subdir: best_ckpt\n"),
    Case("unknown-key", "retinanet", "4", "backbone", "", "unknown-key", extra="task:\n  model:\n    num_class: 4\n"),
    Case("retinanet-nasfpn-decoder-from-fpn", "retinanet", "4", "decoder", "retinanet_r50_c91_trainer",
         "decoder-mismatch", extra=_DECODER.format(type="nasfpn")),
    Case("retinanet-nasfpn-all-from-fpn", "retinanet", "4", "all", "retinanet_r50_c4_trainer",
         "decoder-mismatch", extra=_DECODER.format(type="nasfpn")),
    Case("retinanet-identity-decoder-from-fpn", "retinanet", "4", "[backbone, decoder]", "retinanet_r50_c91_trainer",
         "decoder-identity", extra=_DECODER.format(type="identity")),
    Case("retinanet-identity-backbone-from-fpn", "retinanet", "4", "backbone", "retinanet_r50_c91_trainer",
         "decoder-identity", extra=_DECODER.format(type="identity")),
    Case("min-level-text", "retinanet", "4", "backbone", "", "value-type",
         extra="task:\n  model:\n    min_level: three\n"),
    Case("train-steps-text", "retinanet", "4", "backbone", "", "value-type", extra="trainer:\n  train_steps: many\n"),
    Case("head-filters-negative", "retinanet", "4", "backbone", "", "negative-count",
         extra="task:\n  model:\n    head:\n      num_filters: -256\n"),
    Case("head-convs-negative", "retinanet", "4", "backbone", "", "negative-count",
         extra="task:\n  model:\n    head:\n      num_convs: -1\n"),
)


def parse_name(name: str) -> Tuple[str, int, int, str]:
    """``mask_rcnn_r50_c91_model_only`` -> ``("mask_rcnn", 50, 91, "model-only")``."""
    import re

    architecture, depth, classes, layout = re.fullmatch(r"(.+)_r(\d+)_c(\d+)_(trainer|model_only)", name).groups()
    return architecture, int(depth), int(classes), layout.replace("_", "-")


def override_text(case: Case, checkpoint_path: str) -> str:
    """The override YAML of ``case`` with ``init_checkpoint`` set to ``checkpoint_path``."""
    lines = ["task:", "  model:", f"    input_size: [{', '.join(map(str, INPUT_SIZE))}]",
             f"    num_classes: {case.num_classes}", "    backbone:", "      type: resnet", "      resnet:",
             f"        model_id: {case.model_id}", f"  init_checkpoint: '{checkpoint_path}'",
             f"  init_checkpoint_modules: {case.modules}"]
    text = "\n".join(lines) + "\n"
    if case.extra.startswith("task:"):  # merge the extra task keys into the task block
        text = text.replace("task:\n  model:\n", case.extra + "", 1)
    elif case.extra:
        text += case.extra
    return text


def checkpoint_path(case: Case, checkpoints: Dict[str, str], scratch: str) -> str:
    """The path ``init_checkpoint`` gets: a prefix, a folder, a missing prefix, or ``""``."""
    if not case.checkpoint:
        return ""
    if case.checkpoint == "missing":
        return os.path.join(scratch, "nowhere", "ckpt-1")
    if case.checkpoint.startswith("folder:"):
        return os.path.dirname(checkpoints[case.checkpoint.split(":", 1)[1]])
    return checkpoints[case.checkpoint]


def predict(case: Case, config_path: str, model_dir: str):
    """``tfckpt validate``'s report on the case's files."""
    from tfckpt.modelgarden.validate import validate_experiment

    return validate_experiment(config_path, model_dir=model_dir, experiment=EXPERIMENTS[case.architecture])


def predicted_outcome(case: Case, config_path: str, model_dir: str) -> Tuple[str, Tuple[str, ...]]:
    """``("error" | "warning" | "info" | "ok", finding ids)`` for the case, or ``("refused", (code,))``."""
    from tfckpt.pipeline.errors import ConfigError

    try:
        report = predict(case, config_path, model_dir)
    except ConfigError as err:
        return "refused", (err.code,)
    ids = tuple(finding.id for finding in report.findings)
    worst = report.findings[0].severity if report.findings else "ok"
    return worst, ids


# --- the real library (TensorFlow and tf-models-official) -----------------------------------


def maker():
    """The builders the checkpoints of ``tests/data/modelgarden`` were made with (their make_checkpoints.py)."""
    from mg_library import checkpoint_maker

    return checkpoint_maker()


def trainer_checkpoint(params, task, model):
    """``(checkpoint, optimizer, global_step)`` made the way Model Garden's trainer makes them."""
    import tensorflow as tf

    optimizer = task.create_optimizer(params.trainer.optimizer_config, params.runtime)
    step = tf.Variable(0, dtype=tf.int64, name="global_step", trainable=False)
    return tf.train.Checkpoint(global_step=step, model=model, optimizer=optimizer, **model.checkpoint_items), \
        optimizer, step


def save_checkpoint(name: str, folder: str) -> str:
    """Save checkpoint ``name`` (``ARCH_rDEPTH_cCLASSES_LAYOUT``) into ``folder``; returns its prefix."""
    architecture, depth, classes, layout = parse_name(name)
    builders = maker()
    params = builders.experiment_config(architecture, classes, depth, INPUT_SIZE)
    task, model = builders.build(params)
    if layout == "model-only":
        return builders.save_model_only(model, folder)
    return builders.save_trainer(params, task, model, folder, 1000)


def _changed(model, before) -> Dict[str, int]:
    parts = {"backbone": {id(v) for v in model.backbone.variables},
             "decoder": {id(v) for v in (model.decoder.variables if model.decoder is not None else ())}}
    counts = {"backbone": 0, "decoder": 0, "heads": 0}
    for variable, value in zip(model.variables, before):
        if not (variable.numpy() == value).all():
            part = next((name for name, members in parts.items() if id(variable) in members), "heads")
            counts[part] += 1
    return counts


def _first_line(err: BaseException) -> str:
    """The error's type and first line (Keras's "Exception encountered when calling layer": and its cause)."""
    text = [line for line in str(err).strip().splitlines() if line.strip()]
    first = text[0][:200] if text else ""
    if first.startswith("Exception encountered when calling layer") and len(text) > 1:
        first = f"{first} {text[1][:200]}"
    return f"{type(err).__name__}: {first}"


def run_real(case: Case, config_path: str, model_dir: str) -> dict:
    """What Model Garden does with the case: ``{"outcome": ..., "error": ..., "restored": {...}}``."""
    import tensorflow as tf
    from official.core import exp_factory, train_utils
    from official.modeling import hyperparams

    import official.vision  # noqa: F401

    params = exp_factory.get_exp_config(EXPERIMENTS[case.architecture])
    try:
        params = hyperparams.override_params_dict(params, config_path, is_strict=True)
        params.validate()
        exporter = train_utils.maybe_create_best_ckpt_exporter(params, model_dir)
    except (KeyError, ValueError, TypeError, AttributeError) as err:
        return {"outcome": FAILS, "error": _first_line(err), "stage": "config"}
    try:
        task, model = maker().build(params)
    except Exception as err:  # noqa: BLE001  (whatever the build raises is the outcome)
        return {"outcome": FAILS, "error": _first_line(err), "stage": "build"}
    before = [variable.numpy() for variable in model.variables]
    checkpoint, _, step = trainer_checkpoint(params, task, model)
    called = []

    def init_fn():
        called.append(True)
        task.initialize(model)

    manager = tf.train.CheckpointManager(checkpoint, model_dir, max_to_keep=5, step_counter=step, init_fn=init_fn)
    try:
        manager.restore_or_initialize()
    except Exception as err:  # noqa: BLE001
        return {"outcome": FAILS, "error": _first_line(err), "stage": "initialize" if called else "resume"}
    restored = _changed(model, before)
    result = {"outcome": OK if any(restored.values()) or not params.task.init_checkpoint else LOADS_NOTHING,
              "restored": restored, "init_called": bool(called)}
    if params.trainer.best_checkpoint_export_subdir or params.trainer.best_checkpoint_eval_metric:
        if exporter is None:
            return {**result, "outcome": NO_EXPORTER}
        for evaluation in (1, 2):  # the first keeps its checkpoint without reading the metric
            logs = {key: 0.1 * evaluation for key in _eval_keys(case)}
            try:
                exporter.maybe_export_checkpoint(checkpoint, logs, evaluation)
            except Exception as err:  # noqa: BLE001
                return {"outcome": FAILS, "error": _first_line(err), "stage": f"evaluation {evaluation}"}
    return result


def _eval_keys(case: Case):
    from tfckpt.modelgarden.experiments import load_experiment

    return load_experiment(EXPERIMENTS[case.architecture]).eval_keys


def case_files(case: Case, checkpoints: Dict[str, str], scratch: str) -> Tuple[str, str]:
    """Write the case's override file and model_dir under ``scratch``; returns their paths."""
    folder = os.path.join(scratch, case.id)
    os.makedirs(folder, exist_ok=True)
    config_path = os.path.join(folder, "override.yaml")
    Path(config_path).write_text(override_text(case, checkpoint_path(case, checkpoints, scratch)))
    model_dir = os.path.join(folder, "model_dir")
    if case.model_dir:
        import shutil

        shutil.copytree(os.path.dirname(checkpoints[case.model_dir]), model_dir)
    else:
        os.makedirs(model_dir)
    return config_path, model_dir


def needed_checkpoints(cases=CASES) -> Tuple[str, ...]:
    names = set()
    for case in cases:
        for name in (case.checkpoint.split(":", 1)[-1], case.model_dir):
            if name and name != "missing":
                names.add(name)
    return tuple(sorted(names))


def make_checkpoints(scratch: str, names) -> Dict[str, str]:
    import tensorflow as tf

    made = {}
    for name in names:
        made[name] = save_checkpoint(name, os.path.join(scratch, "checkpoints", name))
        tf.keras.backend.clear_session()
    return made


def record(cases=CASES, out: Optional[Path] = OUTCOMES) -> dict:
    """Run every case with the real library and write the outcomes to ``out`` (cases recorded
    there before and not run now are kept)."""
    import tensorflow as tf

    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        checkpoints = make_checkpoints(scratch, needed_checkpoints(cases))
        for case in cases:
            config_path, model_dir = case_files(case, checkpoints, scratch)
            real = run_real(case, config_path, model_dir)
            tf.keras.backend.clear_session()
            try:
                severity, ids = predicted_outcome(case, config_path, model_dir)
            except ImportError as err:  # tfckpt.modelgarden.recognise not there yet
                severity, ids = f"not predicted ({err})", ()
            results[case.id] = {"case": asdict(case), "real": real, "predicted": [severity, list(ids)]}
            print(f"{case.id}: real {real['outcome']} {real.get('error', '')} | predicted {severity} {ids}",
                  flush=True)
    if out is not None:
        from importlib.metadata import version

        document = {"made_with": f"tensorflow {tf.__version__}, tf-models-official {version('tf-models-official')}",
                    "note": "written by tests/modelgarden/real_outcomes.py: what the real library did on each case",
                    "cases": {**(json.loads(out.read_text())["cases"] if out.exists() else {}),
                              **{key: {"real": value["real"]} for key, value in results.items()}}}
        out.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")
    return results


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.path.insert(0, str(ROOT))
    chosen = [case for case in CASES if case.id in sys.argv[1:]] if sys.argv[1:] else CASES
    record(chosen)
