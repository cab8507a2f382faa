"""Turn the OD API fact table (``shared/odapi/schema.tsv``) into tfckpt's schema data file.

The fact table lists every field as the OD API's protos define it, with the package on every name
and defaults as Python reprs of float32 values widened to double (``0.699999988079071``). The data
file that tfckpt ships (``tfckpt/odapi/pipeline_schema.tsv``) drops the package, writes each default
as the text-format literal a user would write (``0.7``, ``true``, ``V1``, ``"black"``), and names
the messages that have no fields. ``test_schema.py`` checks that the shipped file is what this
conversion gives; to rebuild it after the fact table changes, run::

    python tests/pipeline/schema_facts.py ../shared/odapi/schema.tsv > tfckpt/odapi/pipeline_schema.tsv
"""

from __future__ import annotations

import ast
import json
import struct
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FACTS = REPO.parent / "shared" / "odapi" / "schema.tsv"
DATA_FILE = REPO / "tfckpt" / "odapi" / "pipeline_schema.tsv"
PACKAGE = "object_detection.protos."
HEADER = """\
# The Object Detection API's pipeline.config (TrainEvalPipelineConfig) and label map (StringIntLabelMap)
# schema as data, read by tfckpt/pipeline/schema.py. From the OD API's protos (tensorflow/models, 2023).
# Every message is in package object_detection.protos (left out below).
#   @enum  NAME  VALUE,VALUE,...   an enum's values in declaration order (the first is its default)
#   @empty NAME                     a message with no fields
#   MESSAGE FIELD NUMBER LABEL TYPE TYPE_NAME ONEOF DEFAULT
#     LABEL: o (optional) or r (repeated); TYPE_NAME: the message or enum of a message or enum field;
#     DEFAULT: the text-format literal of an explicit default, empty when the field has none
"""


def shortest_float32(value: float) -> str:
    """The shortest decimal that reads back as the same float32: 0.699999988079071 -> '0.7'."""
    packed = struct.pack("<f", value)
    for digits in range(1, 18):
        candidate = float(f"{value:.{digits}g}")
        if struct.pack("<f", candidate) == packed:
            return repr(candidate)
    return repr(value)


def default_literal(field_type: str, raw: str) -> str:
    """The fact table's Python-repr default as a text-format literal."""
    if not raw:
        return ""
    value = ast.literal_eval(raw)
    if field_type == "float":
        return shortest_float32(float(value))
    if field_type == "bool":
        return "true" if value else "false"
    if field_type == "string":
        return json.dumps(value)
    return str(value)  # int32, uint32, enum names


def convert(facts_text: str) -> str:
    """The data file's text for the fact table's text."""
    enums, rows, messages, referenced = [], [], [], set()
    for line in facts_text.splitlines():
        cells = line.split("\t")
        if line.startswith("#enum\t"):
            enums.append(f"@enum\t{cells[1].replace(PACKAGE, '')}\t{cells[2]}")
        elif line.startswith("#") or cells[0] == "message" or len(cells) != 8:
            continue
        else:
            message, field, number, label, field_type, type_name, oneof, default = cells
            message, type_name = message.replace(PACKAGE, ""), type_name.replace(PACKAGE, "")
            if message not in messages:
                messages.append(message)
            if field_type == "message":
                referenced.add(type_name)
            rows.append("\t".join([message, field, number, label[0], field_type, type_name, oneof,
                                   default_literal(field_type, default)]))
    empties = [f"@empty\t{name}" for name in sorted(referenced - set(messages))]
    return HEADER + "\n".join(sorted(enums) + empties + rows) + "\n"


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else FACTS
    sys.stdout.write(convert(source.read_text(encoding="utf-8")))
