"""Cross-check with the Object Detection API's own schema, when ``object_detection`` is installed.

The OD API reads a config with ``text_format.Merge`` into its generated ``TrainEvalPipelineConfig``;
that is the ground truth for what ``model_main_tf2`` will accept. tfckpt's own schema (from the
2023 protos) can lag behind a newer OD API, or be ahead of an older one. When the package is
importable, the config is parsed with it too, and any disagreement is reported.

Example:
    >>> installed_parse_error("model { }\\n") is None  # None also when the OD API is not installed
    True
"""

from __future__ import annotations

from typing import Optional


def _installed_config_class():
    try:
        from object_detection.protos import pipeline_pb2
    except Exception:  # not installed, or broken in a way that is not ours to report
        return None
    return getattr(pipeline_pb2, "TrainEvalPipelineConfig", None)


def installed_parse_error(text: str) -> Optional[tuple[int, str]]:
    """``(line, message)`` if the installed OD API rejects ``text``; None if it accepts it or is
    not installed."""
    config_class = _installed_config_class()
    if config_class is None:
        return None
    from google.protobuf import text_format

    try:
        text_format.Merge(text, config_class())
    except text_format.ParseError as err:
        detail = str(err).split(" : ", 1)[-1] if err.GetLine() else str(err)
        return err.GetLine() or 0, detail
    return None


def installed_accepts(text: str) -> bool:
    """True only when the OD API is installed and parses ``text`` without error."""
    return _installed_config_class() is not None and installed_parse_error(text) is None
