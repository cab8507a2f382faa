"""tfckpt's parser agrees with protobuf's own (``text_format.Merge``, what the OD API calls) on the
same schema: the same values for every valid file; for every bad file, either protobuf rejects it
too, at the same line, or the file is one of those tfckpt is stricter about on purpose."""

from __future__ import annotations

from pathlib import Path

import pytest
from protobuf_oracle import build_classes, merge, proto_as_dict, tree_as_dict

from tfckpt.pipeline import ConfigError, parse_text

DATA = Path(__file__).resolve().parents[1] / "data" / "pipeline"
GOOD = sorted((DATA / "real").iterdir()) + sorted((DATA / "valid").iterdir())
BAD = sorted(path for path in (DATA / "bad").iterdir() if path.name != "not_utf8.config")

# protobuf accepts these; the OD API then fails later or silently does the wrong thing
STRICTER = {
    "duplicate_num_classes.config",  # Merge keeps the last value
    "duplicate_train_config_block.config",  # Merge merges the two blocks
    "two_optimizers_oneof.config", "two_learning_rates_oneof.config",  # the last member wins
    "two_meta_architectures_oneof.config",
    "windows_path_single_backslashes.config",  # '\d' kept as is, with a DeprecationWarning
    "windows_path_tab_escape.config",  # '\t' becomes a tab
    # label maps: the OD API's label_map_util rejects ids < 0 and a non-background id 0 when it
    # loads them, and silently drops repeated ids and names
    "label_map_id_zero.pbtxt", "label_map_negative_id.pbtxt", "label_map_duplicate_id.pbtxt",
    "label_map_duplicate_name.pbtxt", "label_map_missing_id.pbtxt", "label_map_missing_name.pbtxt",
    "label_map_empty.pbtxt",
}
# tfckpt reports an unclosed block at its '{', protobuf at the end of the file
ELSEWHERE = {"unclosed_brace.config"}


@pytest.fixture(scope="module")
def classes():
    return build_classes()


def root_of(path: Path) -> str:
    return "StringIntLabelMap" if path.suffix == ".pbtxt" else "TrainEvalPipelineConfig"


@pytest.mark.parametrize("path", GOOD, ids=lambda path: path.name)
def test_same_values_as_protobuf(classes, path):
    text = path.read_text(encoding="utf-8")
    message = merge(classes, root_of(path), text)
    assert not isinstance(message, Exception), message
    assert tree_as_dict(parse_text(text, str(path), root_of(path))) == proto_as_dict(message)


@pytest.mark.parametrize("path", BAD, ids=lambda path: path.name)
def test_bad_file_rejected_by_protobuf_too_or_known_stricter(classes, path):
    text = path.read_text(encoding="utf-8")
    result = merge(classes, root_of(path), text)
    if path.name in STRICTER:
        assert not isinstance(result, Exception), result
        return
    assert isinstance(result, Exception)
    with pytest.raises(ConfigError) as caught:
        parse_text(text, path.name, root_of(path))
    if path.name not in ELSEWHERE:
        assert (caught.value.line, caught.value.column) == (result.GetLine(), result.GetColumn())


def test_oneof_and_duplicates_last_one_wins_in_protobuf(classes):
    """What the errors' fixes say the OD API would do."""
    optimizer = merge(classes, "TrainEvalPipelineConfig", (DATA / "bad" / "two_optimizers_oneof.config").read_text())
    assert optimizer.train_config.optimizer.WhichOneof("optimizer") == "adam_optimizer"
    duplicate = merge(classes, "TrainEvalPipelineConfig", (DATA / "bad" / "duplicate_num_classes.config").read_text())
    assert duplicate.model.faster_rcnn.num_classes == 3
