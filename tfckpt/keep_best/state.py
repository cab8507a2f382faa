"""keep-best's memory, one JSON file in the ``--into`` folder, written atomically after every
change: what is pinned and kept, what it created (and so may delete), the evaluator's scores
and how far each event file was read. A restart reads it back and loses nothing.

Example:
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     save_state(folder, KeepBestState(model_dir="runs/a", metric="m", mode="max", keep=3))
    ...     load_state(folder).keep
    3
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field

from tfckpt.checkpoint.state import STATE_FILE_NAME, format_state
from tfckpt.errors import CorruptCheckpointError, clip
from tfckpt.io.atomic import remove, write_bytes_atomic
from tfckpt.io.fs import filesystem_for, has_scheme, join
from tfckpt.keep_best.state_shape import MAYBE_INT, NUMBER, Map, Obj, check_shape

STATE_NAME = "keep-best-state.json"
PIN_FOLDER = ".pinned"
SCHEMA_VERSION = 1
_PINNED = Obj({"name": str, "step": MAYBE_INT, "step_source": str, "files": [str], "how": str, "source": str,
               "pinned_at": NUMBER})
_KEPT = Obj({"name": str, "step": int, "value": NUMBER, "files": [str], "source": str, "kept_at": NUMBER},
            {"step_source": str})
STATE_SHAPE = Obj({
    "schema_version": int, "model_dir": str, "metric": str, "mode": str, "keep": int,
    "event_offsets": Map(Obj({"offset": int, "size": int})),
    "scores": Map(Obj({"wall_time": NUMBER, "scalars": Map(NUMBER)})),
    "pinned": [_PINNED], "kept": [_KEPT], "done": Map(Obj({"outcome": str, "step": MAYBE_INT})), "garbage": [str],
}, {"tool": str, "updated": NUMBER})


@dataclass
class Pinned:
    """A checkpoint held in ``INTO/.pinned/`` until it is scored."""

    name: str
    step: int | None
    step_source: str
    files: list[str]
    how: str
    source: str
    pinned_at: float


@dataclass
class Kept:
    """A checkpoint among the best, in ``INTO`` with its JSON record ``name.json``."""

    name: str
    step: int
    value: float
    files: list[str]
    source: str
    kept_at: float
    step_source: str = "step"


@dataclass
class KeepBestState:
    """Everything keep-best knows. ``garbage`` lists files it created and still has to delete
    (paths relative to INTO): written down before deleting, so a crash cannot orphan them."""

    model_dir: str
    metric: str
    mode: str
    keep: int
    event_offsets: dict = field(default_factory=dict)
    scores: dict = field(default_factory=dict)
    pinned: dict = field(default_factory=dict)
    kept: list = field(default_factory=list)
    done: dict = field(default_factory=dict)
    garbage: list = field(default_factory=list)

    def to_json(self) -> bytes:
        body = asdict(self)
        body["scores"] = {str(step): entry for step, entry in sorted(self.scores.items())}
        body["pinned"] = [asdict(p) for p in self.pinned.values()]
        document = {"schema_version": SCHEMA_VERSION, "tool": "tfckpt keep-best", "updated": time.time(), **body}
        return (json.dumps(document, indent=1, allow_nan=True) + "\n").encode()


def _check_inside_into(body: dict) -> None:
    """keep-best deletes the files its state names: a damaged state must not name files outside
    INTO (an absolute path, a '..')."""
    named = [("garbage", path) for path in body["garbage"]]
    for key in ("kept", "pinned"):
        for number, entry in enumerate(body[key]):
            named += [(f"'{key}'[{number}]", path) for path in (entry["name"], *entry["files"])]
    for where, path in named:
        parts = path.replace("\\", "/").split("/")
        if not path or os.path.isabs(path) or has_scheme(path) or ".." in parts:
            raise ValueError(f"{where} names {clip(path)!r}, which is not a file inside the --into folder")


def _from_json(raw: bytes) -> KeepBestState:
    body = json.loads(raw)
    if isinstance(body, dict) and body.get("schema_version") != SCHEMA_VERSION:
        raise ValueError(f"schema_version {clip(repr(body.get('schema_version')))}, expected {SCHEMA_VERSION}")
    check_shape(body, STATE_SHAPE)
    _check_inside_into(body)
    pinned = {p["name"]: Pinned(**p) for p in body["pinned"]}
    return KeepBestState(
        model_dir=body["model_dir"], metric=body["metric"], mode=body["mode"], keep=int(body["keep"]),
        event_offsets=dict(body["event_offsets"]), scores={int(k): v for k, v in body["scores"].items()},
        pinned=pinned, kept=[Kept(**k) for k in body["kept"]], done=dict(body["done"]),
        garbage=list(body["garbage"]))


def load_state(into: str) -> KeepBestState | None:
    """The saved state, or None when this folder has none yet.

    Raises:
        CorruptCheckpointError: the file exists but does not parse.
    """
    path = join(into, STATE_NAME)
    try:
        raw = filesystem_for(into).read(path)
    except FileNotFoundError:
        return None
    try:
        return _from_json(raw)
    except (ValueError, KeyError, TypeError, AttributeError, ArithmeticError, RecursionError) as err:
        detail = f"no {err}" if isinstance(err, KeyError) else clip(str(err) or type(err).__name__, 200)
        raise CorruptCheckpointError(
            path, f"keep-best state is damaged ({detail})",
            "restore it from a backup, or pass a new --into folder (this one still holds the kept checkpoints)"
        ) from None


def save_state(into: str, state: KeepBestState) -> None:
    """Write the state atomically."""
    write_bytes_atomic(join(into, STATE_NAME), state.to_json())


def write_checkpoint_state(into: str, kept: list[Kept]) -> None:
    """Point TensorFlow's ``checkpoint`` file at the best (``kept`` is worst first, best last),
    so ``tf.train.latest_checkpoint(INTO)`` returns the best; remove it when nothing is kept."""
    path = join(into, STATE_FILE_NAME)
    if not kept:
        remove(path)
        return
    write_bytes_atomic(path, format_state(kept[-1].name, [k.name for k in kept], [k.kept_at for k in kept]))
