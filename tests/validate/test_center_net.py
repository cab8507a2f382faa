"""CenterNet restores as the Object Detection API does (FACTS.md section 7): today's code by default,
the installed copy's where ``object_detection`` is importable, and a note on what copies of the
other date would do.

The checkpoints are model-zoo layouts (``<zoo folder>/checkpoint/ckpt-0``) written by TensorFlow
from the real signatures, with every variable the recogniser does not measure shrunk to one value
(entry counts, the stem kernel and the head kernels keep their real shapes). The real OD API is not
on PyPI, so the installed copies are stand-ins written here: a ``center_net_meta_arch.py`` whose
``restore_from_objects`` behaves like the 2020 code or like today's.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tfckpt.cli.main import main
from tfckpt.validate import validate

from validate_helpers import only, signature, write_bundle

BASE = Path(__file__).resolve().parents[1] / "data" / "pipeline" / "valid" / "centernet_resnet50_keypoints_512.config"
ZOO = "centernet_resnet50_v2_512x512_coco17_tpu-8"
KEPT = ("_feature_extractor/_base_model/layer_with_weights-0/kernel", "_prediction_head_dict/")
TODAY = "today's Object Detection API (mid-2021 on)"
OLD = "Object Detection API copies from 2020 to mid-2021"


def slim(shapes):
    """The signature with every variable but the stem and the heads shrunk to one value."""
    return {name: shape if any(part in name for part in KEPT) else (1,) for name, shape in shapes.items()}


@pytest.fixture(scope="session")
def zoo_folders(tf, tmp_path_factory):
    """``{config name: zoo folder}`` for the CenterNet signatures, each ``checkpoint/ckpt-0``."""
    root = tmp_path_factory.mktemp("centernet_zoo")
    folders = {}
    for name in (ZOO, "centernet_resnet50_v1_fpn_512x512_kpts_coco17_tpu-8",
                 "centernet_resnet101_v1_fpn_512x512_coco17_tpu-8"):
        write_bundle(tf, root / name / "checkpoint" / "ckpt-0", slim(signature(name)))
        folders[name] = root / name
    return folders


@pytest.fixture
def run_folder(tmp_path, monkeypatch, zoo_folders):
    """``write(type, num_classes=90)``: a CenterNet config fine-tuning from the ResNet-50 v2 zoo
    checkpoint, with its label map and records present, run from its folder."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "annotations").mkdir()
    for records in ("train.record-00000-of-00100", "val.record-00000-of-00010"):
        (tmp_path / "annotations" / f"person_keypoints_{records}").write_bytes(b"")

    def write(kind: str, num_classes: int = 90, zoo: str = ZOO, backbone: str = "resnet_v2_50") -> str:
        (tmp_path / "annotations" / "person_label_map.pbtxt").write_text("".join(
            f"item {{\n  id: {number}\n  name: 'class_{number}'\n}}\n" for number in range(1, num_classes + 1)))
        text = BASE.read_text().replace("num_classes: 1", f"num_classes: {num_classes}").replace(
            '"resnet50_v2/ckpt-0"', f'"{zoo_folders[zoo] / "checkpoint" / "ckpt-0"}"').replace(
            'type: "resnet_v2_50"', f'type: "{backbone}"').replace(
            'fine_tune_checkpoint_type: "classification"', f'fine_tune_checkpoint_type: "{kind}"')
        (tmp_path / "pipeline.config").write_text(text)
        return "pipeline.config"

    return write


def problems(report):
    return [(finding.severity, finding.id) for finding in report.findings if finding.severity != "info"]


# --- today's code, object_detection not installed ---------------------------------------------


FAMILIES = [(ZOO, "resnet_v2_50"), ("centernet_resnet101_v1_fpn_512x512_coco17_tpu-8", "resnet_v2_101"),
            ("centernet_resnet50_v1_fpn_512x512_kpts_coco17_tpu-8", "resnet_v1_50_fpn")]


@pytest.mark.parametrize("zoo, backbone", FAMILIES, ids=[backbone for _, backbone in FAMILIES])
def test_every_zoo_family_with_detection_and_its_own_checkpoint_passes(run_folder, zoo, backbone):
    report = validate(run_folder("detection", zoo=zoo, backbone=backbone))
    assert problems(report) == [] and report.exit_code == 0
    assert report.input.fine_tune.summary.model.feature_extractor == backbone


def test_zoo_config_with_detection_and_its_own_checkpoint_passes(run_folder):
    report = validate(run_folder("detection"))
    assert problems(report) == [] and report.exit_code == 0
    note = only(report, "center-net-other-copies")
    assert note.message == (
        f"CenterNet restores changed in 2021: object_detection is not installed here, so tfckpt follows {TODAY}, "
        'where fine_tune_checkpoint_type "detection" restores the feature extractor of model (_feature_extractor)')
    assert note.hint.startswith(f'nothing to do for {TODAY}; on {OLD}, fine_tune_checkpoint_type "detection" restores '
                                "the extractor's detection sub-model under the root feature_extractor, and with this "
                                "checkpoint the restore fails")
    assert note.hint.endswith('(there, use fine_tune_checkpoint_type: "fine_tune")')


def test_classification_finds_nothing_under_the_root_feature_extractor(run_folder):
    report = validate(run_folder("classification"))
    assert problems(report) == [("error", "restores-nothing")]
    assert only(report, "restores-nothing").hint == \
        'it is a CenterNet detection checkpoint: use fine_tune_checkpoint_type: "detection"'


def test_full_with_the_same_class_count_passes_and_with_another_fails_on_the_heads(run_folder):
    assert problems(validate(run_folder("full"))) == []
    report = validate(run_folder("full", num_classes=1))
    assert problems(report) == [("error", "num-classes-mismatch")] and report.exit_code == 1
    assert only(report, "num-classes-mismatch").message.startswith(
        'checkpoint class head has 90 classes, config num_classes is 1: fine_tune_checkpoint_type "full" restores '
        "the heads too, and the restore fails on the object_center head (ValueError: Received incompatible tensor")


def test_fine_tune_is_refused_and_the_hint_says_what_older_copies_did(run_folder):
    report = validate(run_folder("fine_tune"))
    assert problems(report) == [("error", "checkpoint-type-refused")]
    finding = only(report, "checkpoint-type-refused")
    assert finding.message == (
        f'fine_tune_checkpoint_type "fine_tune": object_detection is not installed here, so tfckpt follows {TODAY}, '
        'which refuses it for CenterNet (ValueError: "fine_tune" is no longer supported for CenterNet), so '
        "model_main_tf2 fails before training")
    assert finding.hint == (
        'use fine_tune_checkpoint_type: "detection", which restores the same: the feature extractor of model '
        f'(_feature_extractor); {OLD} accepted "fine_tune" (it restored the feature extractor of model '
        "(_feature_extractor) there)")


def test_any_other_type_is_unknown(run_folder):
    report = validate(run_folder("fine-tune"))
    assert problems(report) == [("error", "checkpoint-type-unknown")]
    assert only(report, "checkpoint-type-unknown").hint == 'CenterNet supports "detection", "full" or "classification"'


def test_config_only_still_refuses_fine_tune(run_folder):
    assert problems(validate(run_folder("fine_tune"), config_only=True)) == [("error", "checkpoint-type-refused")]


# --- the installed copy decides ---------------------------------------------------------------

TODAYS_CODE = '''
    def restore_from_objects(self, fine_tune_checkpoint_type="detection"):
        if fine_tune_checkpoint_type == "classification":
            return {"feature_extractor": self._feature_extractor.classification_backbone}
        elif fine_tune_checkpoint_type == "detection":
            return {"model": Holder(_feature_extractor=self._feature_extractor)}
        elif fine_tune_checkpoint_type == "fine_tune":
            raise ValueError("fine_tune is gone: use detection")
        elif fine_tune_checkpoint_type == "full":
            return {"model": self}
        else:
            raise ValueError("unknown type")
'''
CODE_OF_2020 = '''
    def restore_from_objects(self, fine_tune_checkpoint_type="detection"):
        allowed = list(self._feature_extractor.supported_sub_model_types) + ["fine_tune"]
        if fine_tune_checkpoint_type not in allowed:
            raise ValueError("type not supported")
        elif fine_tune_checkpoint_type == "fine_tune":
            return {"model": Holder(_feature_extractor=self._feature_extractor)}
        else:
            return {"feature_extractor": self._feature_extractor.get_sub_model(fine_tune_checkpoint_type)}
'''
UNREADABLE_CODE = '''
    def restore_from_objects(self, fine_tune_checkpoint_type="detection"):
        return self._restore_map_for(fine_tune_checkpoint_type)
'''


@pytest.fixture
def installed_copy(tmp_path, monkeypatch):
    """``installed_copy(method)``: an importable ``object_detection`` whose CenterNetMetaArch has
    ``method``; nothing of it is imported by validate (importing it would load TensorFlow)."""

    def make(method: str) -> Path:
        package = tmp_path / "site" / "object_detection"
        (package / "meta_architectures").mkdir(parents=True)
        (package / "__init__.py").write_text("raise ImportError('validate must not import object_detection')\n")
        module = package / "meta_architectures" / "center_net_meta_arch.py"
        module.write_text("class CenterNetMetaArch:\n" + textwrap.indent(textwrap.dedent(method), "    "))
        monkeypatch.syspath_prepend(str(tmp_path / "site"))
        for name in [name for name in sys.modules if name.startswith("object_detection")]:
            monkeypatch.delitem(sys.modules, name)
        return module

    return make


def test_an_installed_copy_of_todays_code_is_named(run_folder, installed_copy):
    module = installed_copy(TODAYS_CODE)
    report = validate(run_folder("detection"))
    assert problems(report) == []
    assert only(report, "center-net-other-copies").message.startswith(
        f"CenterNet restores changed in 2021: the installed object_detection ({module}) restores as {TODAY}, where")


def test_an_installed_copy_of_2020_needs_fine_tune(run_folder, installed_copy):
    module = installed_copy(CODE_OF_2020)
    report = validate(run_folder("detection"))
    assert problems(report) == [("error", "restores-nothing")]
    assert only(report, "restores-nothing").hint == (
        'use fine_tune_checkpoint_type: "fine_tune", which restores the feature extractor of model '
        "(_feature_extractor): this checkpoint has it")
    note = only(report, "center-net-other-copies")
    assert f"the installed object_detection ({module}) restores as {OLD}" in note.message
    assert note.hint.startswith(f'on {TODAY}, fine_tune_checkpoint_type "detection" restores the feature extractor')

    report = validate(run_folder("fine_tune"))
    assert problems(report) == []
    assert only(report, "center-net-other-copies").hint == (
        f'nothing to do for {OLD}; on {TODAY}, fine_tune_checkpoint_type "fine_tune" refuses it (ValueError: '
        '"fine_tune" is no longer supported for CenterNet) (there, use fine_tune_checkpoint_type: "detection")')
    assert problems(validate(run_folder("full"))) == [("error", "checkpoint-type-unknown")]


def test_an_installed_copy_tfckpt_cannot_read_falls_back_to_today_and_says_so(run_folder, installed_copy):
    module = installed_copy(UNREADABLE_CODE)
    report = validate(run_folder("fine_tune"))
    assert problems(report) == [("error", "checkpoint-type-refused")]
    assert f"tfckpt cannot tell how the installed object_detection ({module}) restores CenterNet, so it follows " \
        f"{TODAY}" in only(report, "checkpoint-type-refused").message


# --- every zoo family is named (issue 11, item 4) ----------------------------------------------


@pytest.mark.parametrize("name, backbone", [("centernet_resnet101_v1_fpn_512x512_coco17_tpu-8", "resnet_v2_101"),
                                            ("centernet_resnet50_v1_fpn_512x512_kpts_coco17_tpu-8",
                                             "resnet_v1_50_fpn")])
def test_inspect_names_the_center_net_backbone(capsys, zoo_folders, name, backbone):
    assert main(["inspect", str(zoo_folders[name] / "checkpoint" / "ckpt-0")]) == 0
    out = capsys.readouterr().out
    assert f"CenterNet, {backbone}, 90 classes" in out and "not one tfckpt knows" not in out


def test_diff_judges_center_net_restores_from_the_same_table():
    from tfckpt.diff.restore import restore_context
    from tfckpt.pipeline import parse_pipeline_config

    def context(kind):
        return restore_context(parse_pipeline_config(
            f'model {{ center_net {{ }} }} train_config {{ fine_tune_checkpoint: "m/ckpt-0" '
            f'fine_tune_checkpoint_type: "{kind}" }}'))

    assert context("detection").restored == ("backbone",) and context("detection").warnings == ()
    assert context("full").restored == ("backbone", "heads")
    assert context("fine_tune").warnings == ('ValueError: "fine_tune" is no longer supported for CenterNet: the '
                                             'restore fails; use fine_tune_checkpoint_type "detection"',)


def test_docstring_examples_of_the_source_reader():
    import doctest

    from tfckpt.odapi import installed_restore, restore_source

    assert doctest.testmod(restore_source).failed == 0 and doctest.testmod(installed_restore).failed == 0


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.data())
def test_any_damage_to_a_copy_s_source_gives_an_answer_or_none(data):
    from tfckpt.odapi.restore_source import branch_targets, generation_of

    text = "class CenterNetMetaArch:\n" + textwrap.indent(textwrap.dedent(
        data.draw(st.sampled_from([TODAYS_CODE, CODE_OF_2020, UNREADABLE_CODE]))), "    ")
    for _ in range(data.draw(st.integers(1, 4))):
        start = data.draw(st.integers(0, len(text)))
        end = min(len(text), start + data.draw(st.integers(0, 12)))
        text = text[:start] + data.draw(st.sampled_from(["", "(", ":", "\n    ", "\x00", "==", "return {", "'"]) |
                                        st.text(max_size=4)) + text[end:]
    targets = branch_targets(text)
    assert isinstance(targets, dict) and generation_of(targets) in ("current", "legacy", None)


def test_source_too_deep_to_parse_gives_no_answer():
    from tfckpt.odapi.restore_source import branch_targets

    assert branch_targets("x = " + "-" * 100_000 + "1") == {} and branch_targets("x = " + "(" * 10_000) == {}
