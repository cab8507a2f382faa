"""Explain an unknown field name: a typo, a field put in the wrong block, or a missing ``}``.

Example:
    >>> from tfckpt.pipeline.schema import load_schema
    >>> faster_rcnn = Block("model.faster_rcnn", "FasterRcnn", 2, 15)
    >>> blocks = [Block("", "TrainEvalPipelineConfig", 1, 1), Block("model", "DetectionModel", 1, 7), faster_rcnn]
    >>> explain_unknown_field(load_schema(), blocks, "num_clases")[1]
    "did you mean 'num_classes'?"
    >>> explain_unknown_field(load_schema(), blocks, "fine_tune_checkpoint")[1]
    "'fine_tune_checkpoint' is a field of train_config (TrainConfig): move it there"
"""

from __future__ import annotations

import difflib
from typing import NamedTuple, Sequence, Tuple

from tfckpt.pipeline.lexer import SHOWN_AT_MOST, clip
from tfckpt.pipeline.schema import Schema

_LIST_AT_MOST = 12
_SAY_AT_MOST = 3
_MOST_STEPS = 5  # a field deeper than this below the block is too far away to be what was meant


class Block(NamedTuple):
    """An open ``{ ... }`` block while parsing: its path, type, and where its ``{`` is."""

    path: str
    type_name: str
    line: int
    column: int


def describe_block(path: str, type_name: str) -> str:
    """``model.faster_rcnn (FasterRcnn)``, or ``the top level (TrainEvalPipelineConfig)``."""
    return f"{path or 'the top level'} ({type_name})"


def explain_unknown_field(schema: Schema, blocks: Sequence[Block], name: str) -> Tuple[str, str]:
    """The problem and the fix for field ``name`` written in the innermost of ``blocks``.

    Args:
        schema: the schema.
        blocks: the open blocks, outermost (the file's top level) first.
        name: the unknown field name.

    Returns:
        ``(problem, fix)``; the fix names, in this order of preference: the enclosing block that
        has the field (a ``}`` is probably missing), where the field belongs, the nearest valid
        name in this block, the nearest valid name anywhere, or this block's fields.
    """
    here = blocks[-1]
    problem = f"unknown field '{clip(name)}' in {describe_block(here.path, here.type_name)}"
    if len(name) > SHOWN_AT_MOST:  # no field name is this long; comparing it would only cost time
        return problem, _list_fields(schema, here)
    return problem, (_enclosing(schema, blocks, name) or _elsewhere(schema, blocks, name)
                     or _typo_here(schema, here, name) or _typo_anywhere(schema, blocks[0], name)
                     or _list_fields(schema, here))


def _join(path: str, chain: Sequence[str]) -> str:
    return ".".join(([path] if path else []) + list(chain))


def _enclosing(schema: Schema, blocks: Sequence[Block], name: str) -> str:
    here = blocks[-1]
    for outer in reversed(blocks[:-1]):
        if name in schema.messages[outer.type_name].fields:
            place = f"in the enclosing {outer.path}" if outer.path else "at the top level"
            return (f"'{name}' belongs {place}: close {here.path} (opened at line {here.line}) with '}}' "
                    "before this line, or move the field out of it")
    return ""


def _elsewhere(schema: Schema, blocks: Sequence[Block], name: str) -> str:
    for block in reversed(blocks):
        chains = schema.find_field_below(block.type_name, name)
        if chains and len(chains[0]) <= _MOST_STEPS:
            return f"'{name}' is a field of {_places(schema, block, chains)}: move it there"
    return ""


def _places(schema: Schema, block: Block, chains: Sequence[Sequence[str]]) -> str:
    """``train_config (TrainConfig)``, or ``model.faster_rcnn, model.ssd or model.center_net``."""
    parents = [_join(block.path, chain[:-1]) for chain in chains[:_SAY_AT_MOST]]
    if len(parents) == 1:
        owner = _owner_type(schema, block.type_name, chains[0])
        return describe_block(parents[0], owner)
    return ", ".join(parents[:-1]) + " or " + parents[-1]


def _owner_type(schema: Schema, start: str, chain: Sequence[str]) -> str:
    type_name = start
    for step in chain[:-1]:
        type_name = schema.messages[type_name].fields[step].type_name
    return type_name


def _typo_here(schema: Schema, here: Block, name: str) -> str:
    close = difflib.get_close_matches(name, list(schema.messages[here.type_name].fields), n=1, cutoff=0.7)
    return f"did you mean '{close[0]}'?" if close else ""


def _typo_anywhere(schema: Schema, top: Block, name: str) -> str:
    names = [other for other in schema.field_names_below(top.type_name) if other != name]
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.8)
    chains = schema.find_field_below(top.type_name, close[0]) if close else ()
    if not chains or len(chains[0]) > _MOST_STEPS:
        return ""
    return f"did you mean '{close[0]}', a field of {_places(schema, top, chains)}?"


def _list_fields(schema: Schema, here: Block) -> str:
    fields = list(schema.messages[here.type_name].fields)
    if not fields:
        return f"{here.type_name} has no fields: write {here.path.rsplit('.', 1)[-1]} {{}}"
    listing = (", ".join(fields) if len(fields) <= _LIST_AT_MOST
               else f"{len(fields)} fields, e.g. {', '.join(fields[:6])}")
    return (f"check the spelling (or the config is for a newer Object Detection API than tfckpt knows); "
            f"{here.type_name} has {listing}")
