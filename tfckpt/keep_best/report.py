"""Every message keep-best shows, built in one place, and the report a run returns.

Example:
    >>> never_scored("ckpt-5", 5000, 6000).text
    'ckpt-5 (step 5000) was never scored: the evaluator went on to step 6000; unpinned'
"""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass, field

from tfckpt.errors import CheckpointNotFoundError, TfckptError

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Notice:
    """One thing that happened: a stable ``kind``, the checkpoint it concerns, one line of text."""

    kind: str
    text: str
    checkpoint: str = ""
    step: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class KeepBestReport:
    """Where things stand: kept (worst first, best last), still pinned, never scored."""

    into: str
    metric: str
    mode: str
    kept: list[dict] = field(default_factory=list)
    pinned: list[str] = field(default_factory=list)
    never_scored: list[str] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)

    @property
    def best(self) -> str | None:
        """Path of the best checkpoint (a prefix), or None while nothing is kept."""
        return self.kept[-1]["path"] if self.kept else None

    def to_dict(self) -> dict:
        return {"schema_version": SCHEMA_VERSION, "into": self.into, "metric": self.metric, "mode": self.mode,
                "best": self.best, "kept": self.kept, "pinned": self.pinned, "never_scored": self.never_scored,
                "notices": [n.to_dict() for n in self.notices]}


def _value(value: float) -> str:
    return f"{value:.4f}"


def pinned(name: str, step: int | None, how: str) -> Notice:
    method = "hard link" if how == "link" else "copy"
    return Notice("pinned", f"pinned {name} (step {step}) by {method}", name, step)


def step_fallback(name: str, source: str, step: int | None) -> Notice:
    where = f"its number ({step})" if source == "name" else f"{source} = {step}"
    return Notice("no-step", f"{name} has no `step` variable; matching it to eval results by {where}", name, step)


def not_whole(name: str, detail: str) -> Notice:
    return Notice("incomplete", f"{name} is not whole yet ({detail}); will look again", name)


def gone(name: str) -> Notice:
    return Notice("gone", f"{name} was deleted by the trainer before it could be pinned; it cannot be kept", name)


def damaged(name: str, detail: str) -> Notice:
    return Notice("damaged", f"{name} is damaged ({detail}); not kept", name)


def scored(name: str, step: int, metric: str, value: float) -> Notice:
    return Notice("scored", f"scored {name} (step {step}): {metric} = {_value(value)}", name, step)


def kept(name: str, step: int, rank: int, count: int, into: str) -> Notice:
    place = "the best so far" if rank == 1 else f"number {rank} of {count}"
    return Notice("kept", f"kept {name} (step {step}) in {into}: {place}", name, step)


def dropped(name: str, step: int, keep: int) -> Notice:
    return Notice("dropped", f"removed {name} (step {step}) from the kept: no longer among the best {keep}",
                  name, step)


def unpinned(name: str, step: int, metric: str, value: float, keep: int, pinned: bool = True) -> Notice:
    text = f"{metric} = {_value(value)} is not among the best {keep}"
    if pinned:
        return Notice("unpinned", f"unpinned {name} (step {step}): {text}", name, step)
    return Notice("not-kept", f"{name} (step {step}) not pinned: {text}", name, step)


def never_scored(name: str, step: int | None, later_step: int) -> Notice:
    return Notice("never-scored", f"{name} (step {step}) was never scored: the evaluator went on to step "
                  f"{later_step}; unpinned", name, step)


def lost(name: str, missing: str) -> Notice:
    return Notice("lost", f"kept {name} lost its file {missing} (deleted by someone else); no longer kept", name)


def metric_missing(metric: str, tags: list[str]) -> Notice:
    shown = ", ".join(tags[:8]) + (", ..." if len(tags) > 8 else "")
    close = difflib.get_close_matches(metric, tags, n=1, cutoff=0.75)
    guess = f"; did you mean {close[0]!r}?" if close else ""  # Model Garden logs COCO mAP as 'AP'
    return Notice("metric-missing", f"the eval results have no {metric!r} yet; tags seen: {shown}; "
                  f"if the metric is named otherwise, pass it with --metric{guess}")


def no_events(roots: str, waiting: int, evaluator: str = "model_main_tf2.py --checkpoint_dir=MODEL_DIR") -> Notice:
    return Notice("no-events", f"no eval results in {roots} yet; {waiting} checkpoint(s) pinned, waiting for "
                  f"scores: is the evaluator running ({evaluator})?")


def framework_unknown(model_dir: str) -> Notice:
    return Notice("waiting", f"{model_dir} does not show yet whether the Object Detection API or Model Garden "
                  "trains into it (no checkpoint, params.yaml, pipeline.config, eval*/ or validation/); "
                  "waiting. Pass --framework (or --metric and --events) to start at once")


def event_problem(text: str) -> Notice:
    return Notice("event-file-damaged", text)


def model_dir_missing(model_dir: str) -> TfckptError:
    return CheckpointNotFoundError(model_dir, "no such folder",
                                   "pass the --model_dir that model_main_tf2.py trains into")


def model_dir_is_zoo_folder(model_dir: str) -> TfckptError:
    """FACTS.md section 8: a ``checkpoint/`` sub-folder where the state file belongs."""
    return TfckptError(model_dir, "an unpacked model-zoo folder, not a training --model_dir: its checkpoint/ "
                       "sub-folder stands where model_main_tf2 writes its checkpoint state file, so no training "
                       "run saves here (the first save fails)",
                       "pass the --model_dir that model_main_tf2.py trains into; the zoo checkpoint belongs in "
                       "fine_tune_checkpoint")


def foreign_into(into: str, names: list[str]) -> TfckptError:
    shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
    return TfckptError(into, f"the folder holds files keep-best did not create ({shown})",
                       "pass a new or empty folder with --into")


def into_is_model_dir(into: str) -> TfckptError:
    return TfckptError(into, "--into is MODEL_DIR itself, where the trainer deletes checkpoints",
                       "pass another folder (the default is MODEL_DIR/best)")


def settings_changed(path: str, name: str, saved: str, given: str) -> TfckptError:
    return TfckptError(path, f"this folder keeps the best by {name} {saved!r}, not {given!r}",
                       f"pass {name} {saved!r}, or a new --into folder")
