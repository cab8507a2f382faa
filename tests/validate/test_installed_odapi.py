"""When object_detection is importable, its schema is the ground truth. The real package is not
on PyPI and cannot be installed here, so a stand-in with the same module path is built in the
test: protobuf classes made at run time from tfckpt's schema, with one field changed."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

import tfckpt
from tfckpt.pipeline import ConfigError

CONFIG = Path(__file__).resolve().parents[2] / "pipeline_configs" / "faster_rcnn_resnet50_v1_640x640.config"


@pytest.fixture
def installed_odapi(tmp_path, monkeypatch):
    """``installed_odapi(drop=..., add=...)``: an ``object_detection`` package whose TrainConfig
    lacks the field ``drop`` or has an extra string field ``add``."""

    def make(drop: str = "", add: str = "") -> None:
        package = tmp_path / "object_detection"
        (package / "protos").mkdir(parents=True)
        (package / "__init__.py").write_text("")
        (package / "protos" / "__init__.py").write_text("")
        (package / "protos" / "pipeline_pb2.py").write_text(textwrap.dedent(f"""
            import dataclasses
            from protobuf_oracle import build_classes
            from tfckpt.pipeline.schema import load_schema

            schema = load_schema()
            train = schema.messages["TrainConfig"]
            fields = dict(train.fields)
            if {drop!r}:
                del fields[{drop!r}]
            if {add!r}:
                template = fields["fine_tune_checkpoint"]
                fields[{add!r}] = dataclasses.replace(template, name={add!r}, number=9999)
            messages = dict(schema.messages)
            messages["TrainConfig"] = dataclasses.replace(train, fields=fields)
            TrainEvalPipelineConfig = build_classes(dataclasses.replace(schema, messages=messages))[
                "TrainEvalPipelineConfig"]
        """))
        monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "pipeline"))
        monkeypatch.syspath_prepend(str(tmp_path))
        for name in [n for n in sys.modules if n.startswith("object_detection")]:
            monkeypatch.delitem(sys.modules, name)

    return make


def test_agreeing_installed_odapi_adds_nothing(installed_odapi):
    installed_odapi()
    assert list(tfckpt.validate(CONFIG, config_only=True).findings) == []


def test_installed_odapi_rejecting_a_field_is_an_error(installed_odapi):
    installed_odapi(drop="fine_tune_checkpoint_version")
    [finding] = tfckpt.validate(CONFIG, config_only=True).findings
    assert (finding.id, finding.severity, finding.file) == ("installed-odapi-rejects", "error", str(CONFIG))
    assert finding.line == next(number for number, line in enumerate(CONFIG.read_text().splitlines(), 1)
                                if "fine_tune_checkpoint_version" in line)
    assert "fine_tune_checkpoint_version" in finding.message
    assert finding.message.endswith("model_main_tf2 will stop here, although tfckpt's schema accepts it")


def test_field_only_the_installed_odapi_knows_says_so(installed_odapi, tmp_path):
    installed_odapi(add="fine_tune_checkpoint_mode")
    config = tmp_path / "pipeline.config"
    config.write_text(CONFIG.read_text().replace("train_config {", 'train_config {\n  fine_tune_checkpoint_mode: "x"'))
    with pytest.raises(ConfigError) as caught:
        tfckpt.validate(config, config_only=True)
    assert str(caught.value).endswith("the installed object_detection accepts it, so tfckpt's schema may be older "
                                      "than your Object Detection API: please report it")
