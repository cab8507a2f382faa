"""Model Garden validate rules on the file alone: each finding, its severity, line and fix.

What each predicts about the real library is checked in test_real_outcomes.py."""

from __future__ import annotations

import pytest

from tfckpt.modelgarden.config import parse_experiment_config
from tfckpt.modelgarden.validate import validate_experiment

RETINANET = "retinanet_resnetfpn_coco"
INIT = "task:\n  init_checkpoint: pretrained/ckpt-1\n  init_checkpoint_modules: {modules}\n"
BEST = "trainer:\n  best_checkpoint_export_subdir: {subdir}\n  best_checkpoint_eval_metric: {metric}\n" \
    "  best_checkpoint_metric_comp: {comp}\n"


def findings(text, experiment=RETINANET):
    config = parse_experiment_config(text, "my.yaml", experiment)
    report = validate_experiment(config, config_only=True)
    return [(f.id, f.severity, f.line, f.hint) for f in report.findings]


@pytest.mark.parametrize("modules, expected", [
    ("all", []), ("backbone", []), ("decoder", []), ("[backbone, decoder]", []),
    ("Backbone", [("init-modules-load-nothing", "error", 3, "did you mean 'backbone'?")]),
    ("head", [("init-modules-load-nothing", "error", 3, "write all, backbone, decoder or [backbone, decoder]")]),
    ("[all]", [("init-modules-load-nothing", "error", 3,
                "write init_checkpoint_modules: all (a string, not a list)")]),
    ("[backbones]", [("init-modules-load-nothing", "error", 3, "did you mean 'backbone'?")]),
    ("backbones", [("init-modules-substring", "warning", 3, "write init_checkpoint_modules: backbone")]),
    ("backbone_and_decoder", [("init-modules-substring", "warning", 3,
                               "write init_checkpoint_modules: [backbone, decoder]")]),
    ("3", [("init-modules-type", "error", 3,
            "write init_checkpoint_modules: backbone (or all, or [backbone, decoder])")]),
])
def test_init_checkpoint_modules(modules, expected):
    assert findings(INIT.format(modules=modules)) == expected


def test_modules_do_not_matter_without_an_init_checkpoint():
    assert findings("task:\n  init_checkpoint: ''\n  init_checkpoint_modules: Backbone\n") == []


@pytest.mark.parametrize("subdir, metric, comp, expected", [
    ("best_ckpt", "AP", "higher", []),
    ("best_ckpt", "validation_loss", "lower", []),
    ("best_ckpt", "mAP", "higher", [("best-metric-unknown", "error", 3,
                                     "did you mean 'AP'? (COCO mAP@[.5:.95] is 'AP' in Model Garden's logs)")]),
    ("best_ckpt", "ap50", "higher", [("best-metric-unknown", "error", 3, "did you mean 'AP50'?")]),
    ("best_ckpt", "AP", "max", [("best-metric-comp", "error", 4,
                                 "write best_checkpoint_metric_comp: higher (for AP) or lower (for a loss)")]),
    ("best_ckpt", "''", "max", [("best-checkpoint-half-set", "warning", 2,
                                 "set trainer.best_checkpoint_eval_metric too (e.g. best_checkpoint_eval_metric: AP, "
                                 "best_checkpoint_export_subdir: best_ckpt)")]),
    ("''", "AP", "higher", [("best-checkpoint-half-set", "warning", 3,
                             "set trainer.best_checkpoint_export_subdir too (e.g. best_checkpoint_eval_metric: AP, "
                             "best_checkpoint_export_subdir: best_ckpt)")]),
])
def test_best_checkpoint_exporter_fields(subdir, metric, comp, expected):
    assert findings(BEST.format(subdir=subdir, metric=metric, comp=comp)) == expected


def test_mask_metrics_are_keys_only_of_mask_rcnn():
    text = BEST.format(subdir="best", metric="mask_AP", comp="higher")
    assert findings(text, "maskrcnn_resnetfpn_coco") == []
    assert findings(text, "fasterrcnn_resnetfpn_coco")[0][:2] == ("best-metric-unknown", "error")


@pytest.mark.parametrize("value, finding", [("four", "num-classes-type"), ("4.5", "num-classes-type"),
                                            ("-3", "num-classes-range"), ("0", "num-classes-range")])
def test_num_classes_values_params_validate_lets_through(value, finding):
    assert [f[:3] for f in findings(f"task:\n  model:\n    num_classes: {value}\n")] == [(finding, "error", 3)]


def test_other_values_of_the_wrong_type_or_negative_counts_are_warnings():
    text = "task:\n  train_data:\n    global_batch_size: -8\ntrainer:\n  train_steps: many\n"
    assert [f[:3] for f in findings(text)] == [("negative-count", "warning", 3), ("value-type", "warning", 5)]


@pytest.mark.parametrize("field, value, expected", [
    ("min_level", "three", ("value-type", "error")), ("head:\n      num_filters", "-256", ("negative-count", "error")),
    ("head:\n      num_convs", "-1", ("negative-count", "warning")),
    ("decoder:\n      nasfpn:\n        num_filters", "-256", ("negative-count", "warning"))])
def test_values_the_model_build_reads_fail_it(field, value, expected):
    """min_level text and a negative head.num_filters fail the real build; a negative num_convs builds
    no conv layers (test_real_outcomes.py); the NAS-FPN's filters are unused under the FPN decoder."""
    found = findings(f"task:\n  model:\n    {field}: {value}\n")
    assert [f[:2] for f in found] == [expected], found


@pytest.mark.parametrize("levels, expected", [("", ["decoder-identity"]), ("    min_level: 3\n    max_level: 3\n", [])])
def test_an_identity_decoder_under_retinanet_fails_the_build(levels, expected):
    text = f"task:\n  model:\n    decoder:\n      type: identity\n{levels}"
    assert [f[0] for f in findings(text)] == expected


def test_a_real_params_yaml_has_no_finding_on_its_own():
    from pathlib import Path

    from tfckpt.modelgarden.config import load_experiment_config

    data = Path(__file__).resolve().parents[1] / "data" / "modelgarden_params"
    for path in sorted(data.glob("*.params.yaml")):
        report = validate_experiment(load_experiment_config(str(path)), config_only=True)
        assert report.findings == (), path


@pytest.mark.parametrize("modules, finding", [("all", "decoder-mismatch"), ("decoder", "decoder-mismatch"),
                                              ("backbone", None)])
def test_the_decoder_type_against_the_checkpoint_when_the_decoder_is_restored(tmp_path, modules, finding):
    from mg_data import materialise

    prefix = materialise("retinanet_r50_c91_trainer", tmp_path / "ckpt")
    text = (f"task:\n  model:\n    num_classes: 91\n    decoder:\n      type: nasfpn\n"
            f"  init_checkpoint: {prefix}\n  init_checkpoint_modules: {modules}\n")
    (tmp_path / "my.yaml").write_text(text)
    report = validate_experiment(str(tmp_path / "my.yaml"), experiment=RETINANET)
    ids = [f.id for f in report.findings]
    assert (finding in ids) if finding else not any(i.startswith("decoder") for i in ids), ids
