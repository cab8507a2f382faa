"""The Model Garden test checkpoints of ``tests/data/modelgarden`` (made by its make_checkpoints.py
with the real library): copy one into a folder with a sparse data file that holds the real object
graph and scalars at their offsets (zeros elsewhere), so inspect, validate and keep-best read it as
they would the original.

Example:
    >>> prefix = materialise("retinanet_r50_c91_trainer", tmp_path)  # doctest: +SKIP
    >>> prefix.name  # doctest: +SKIP
    'ckpt-1000'
"""

from __future__ import annotations

import base64
import gzip
import json
import shutil
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data" / "modelgarden"
MANIFEST = json.loads((DATA / "manifest.json").read_text())
CASES = tuple(sorted(MANIFEST))


def materialise(case: str, folder: Path, name: str | None = None) -> Path:
    """Copy ``case`` into ``folder`` (its ``checkpoint`` state file too, unless ``name`` renames the
    prefix) and write its data file; returns the new prefix."""
    from tfckpt.checkpoint.index import read_index
    from tfckpt.checkpoint.shards import required_shard_sizes

    source = DATA / MANIFEST[case]["prefix"]
    folder.mkdir(parents=True, exist_ok=True)
    prefix = folder / (name or source.name)
    shutil.copyfile(str(source) + ".index", str(prefix) + ".index")
    if name is None and (source.parent / "checkpoint").exists():
        shutil.copyfile(source.parent / "checkpoint", folder / "checkpoint")
    index = read_index(str(prefix))
    for shard, size in required_shard_sizes(index).items():
        with open(index.data_path(shard), "wb") as handle:
            handle.truncate(size)
    with gzip.open(str(source) + ".small.json.gz") as handle:
        pieces = json.loads(handle.read())["pieces"]
    for piece in pieces:
        with open(index.data_path(piece["shard"]), "r+b") as handle:
            handle.seek(piece["offset"])
            handle.write(base64.b64decode(piece["bytes"]))
    return prefix
