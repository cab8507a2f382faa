"""The watcher beside ``model_main_tf2.py``: pin each new checkpoint, score it from the
evaluator's event files, keep the best ``keep`` in ``--into``, let the rest go.

One poll: read what the event files gained -> list MODEL_DIR -> pin new whole checkpoints ->
promote, unpin or report each pinned checkpoint that has its answer -> save the state. Every
change is written down before files move (see :mod:`tfckpt.keep_best.state`), so a kill at any
moment loses nothing; the next start finishes the moves.

Concurrency: safe beside the trainer and the evaluator (it only reads MODEL_DIR); not safe for
two keep-best processes on one ``--into`` folder.

Example:
    >>> keeper = KeepBest("runs/frcnn", KeepBestOptions(keep=2))  # doctest: +SKIP
    >>> keeper.poll_once()  # doctest: +SKIP
    [Notice(kind='pinned', text='pinned ckpt-3 (step 2000) by hard link', ...)]
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import replace
from typing import Callable

from tfckpt.io.fs import filesystem_for, has_scheme, join
from tfckpt.keep_best import report as say
from tfckpt.keep_best import run_kind
from tfckpt.keep_best.folder import IntoFolder
from tfckpt.keep_best.options import KeepBestOptions
from tfckpt.keep_best.polling import Backoff, poll_until
from tfckpt.keep_best.ranking import Scored, choose
from tfckpt.keep_best.report import KeepBestReport, Notice
from tfckpt.keep_best.results import EvalResults
from tfckpt.keep_best.source import DAMAGED, GONE, INCOMPLETE, examine, list_checkpoint_names
from tfckpt.keep_best.state import (STATE_NAME, KeepBestState, Kept, Pinned, load_state, save_state,
                                    write_checkpoint_state)

logger = logging.getLogger(__name__)

_STUCK_PINS = 3  # pinned checkpoints without any eval result before keep-best asks about the evaluator


def _same_folder(a: str, b: str) -> bool:
    if has_scheme(a) or has_scheme(b):
        return a.rstrip("/") == b.rstrip("/")
    return os.path.realpath(a) == os.path.realpath(b)


class KeepBest:
    """Keep the best checkpoints of ``model_dir`` by an eval metric. ``on_notice`` is called
    with each :class:`~tfckpt.keep_best.report.Notice` as it happens."""

    def __init__(self, model_dir: str, options: KeepBestOptions | None = None, *,
                 on_notice: Callable[[Notice], None] | None = None) -> None:
        self.model_dir = model_dir.rstrip("/") if len(model_dir) > 1 else model_dir
        self.options = options or KeepBestOptions()
        self.into = self.options.into or join(self.model_dir, "best")
        self.folder = IntoFolder(self.into)
        self.fs = filesystem_for(self.model_dir)
        self.on_notice = on_notice
        self.notices: list[Notice] = []
        self.changed = False
        self.state: KeepBestState | None = None
        self.results: EvalResults | None = None
        self._waiting: set[str] = set()
        self._said: set[str] = set()
        self.defaults = run_kind.DEFAULTS[self.options.framework or run_kind.ODAPI]

    # --- start ------------------------------------------------------------------------------
    def _resolve(self, state: KeepBestState | None) -> bool:
        """Fill in the framework's metric and event folders; False while MODEL_DIR does not tell."""
        options = self.options
        framework = options.framework or run_kind.detect(
            self.model_dir, self.fs, list_checkpoint_names(self.model_dir, self.fs))
        metric = options.metric or (state.metric if state is not None else None)
        if framework is None and (metric is None or options.events is None):
            if "framework" not in self._said:
                self._said.add("framework")
                self._say(say.framework_unknown(self.model_dir))
            return False
        self.defaults = run_kind.DEFAULTS[framework or run_kind.ODAPI]
        self.options = replace(options, framework=framework, metric=metric or self.defaults.metric)
        return True

    def _start(self) -> bool:
        if not self.fs.isdir(self.model_dir):
            raise say.model_dir_missing(self.model_dir)
        if self.fs.isdir(join(self.model_dir, "checkpoint")):
            raise say.model_dir_is_zoo_folder(self.model_dir)
        if _same_folder(self.into, self.model_dir):
            raise say.into_is_model_dir(self.into)
        state = load_state(self.into)
        if not self._resolve(state):
            return False
        if state is None:
            foreign = self.folder.foreign_files()
            if foreign:
                raise say.foreign_into(self.into, foreign)
            state = KeepBestState(model_dir=self.model_dir, metric=self.options.metric, mode=self.options.mode,
                                  keep=self.options.keep)
        for name in ("metric", "mode"):
            if getattr(state, name) != getattr(self.options, name):
                raise say.settings_changed(join(self.into, STATE_NAME), f"--{name}",
                                           getattr(state, name), getattr(self.options, name))
        self.folder.prepare()
        self.state = state
        events = list(self.options.events) if self.options.events else None
        self.results = EvalResults(events, model_dir=self.model_dir, offsets=state.event_offsets,
                                   scores=state.scores, default_roots=self.defaults.event_roots)
        referenced = {f for p in state.pinned.values() for f in p.files} | {f for k in state.kept for f in k.files}
        self.folder.clean(referenced)
        if state.keep != self.options.keep:
            state.keep = self.options.keep
            self._rank([])
        self._apply()
        return True

    # --- one poll ---------------------------------------------------------------------------
    def poll_once(self) -> list[Notice]:
        """Look once at MODEL_DIR and the event files and act on what changed; returns the
        notices of this poll. Sets ``changed`` when anything happened (for the backoff)."""
        first = len(self.notices)
        self.changed = False
        if self.state is None and not self._start():
            return self.notices[first:]
        self._read_events()
        self._scan_checkpoints()
        self._judge_pinned()
        self._hint_when_stuck()
        if self.changed:
            save_state(self.into, self.state)
        return self.notices[first:]

    def _say(self, notice: Notice) -> None:
        self.notices.append(notice)
        self.changed = True
        logger.info(notice.text)
        if self.on_notice is not None:
            self.on_notice(notice)

    def _scan_checkpoints(self) -> None:
        try:
            names = list_checkpoint_names(self.model_dir, self.fs)
        except FileNotFoundError:
            raise say.model_dir_missing(self.model_dir) from None
        state = self.state
        known = set(state.pinned) | set(state.done) | {k.name for k in state.kept}
        for name in names:
            if name not in known:
                self._consider(name)
        for name in self._waiting - set(names):
            self._waiting.discard(name)
            self._forget(name, "gone", None, say.gone(name))

    def _forget(self, name: str, outcome: str, step: int | None, notice: Notice) -> None:
        self.state.done[name] = {"outcome": outcome, "step": step}
        self._say(notice)

    def _consider(self, name: str) -> None:
        seen = examine(self.model_dir, name, self.fs)
        if seen.status == INCOMPLETE:
            if name not in self._waiting:
                self._waiting.add(name)
                self._say(say.not_whole(name, seen.detail))
            return
        self._waiting.discard(name)
        if seen.status == GONE:
            return self._forget(name, "gone", None, say.gone(name))
        if seen.status == DAMAGED or seen.step is None:
            return self._forget(name, "damaged", None, say.damaged(name, seen.detail or "it has no step"))
        if seen.step_source not in ("step", "global_step"):
            self._say(say.step_fallback(name, seen.step_source, seen.step))
        later = self._later_scored_step(seen.step)
        if later is not None:  # the evaluator has already gone past it: no need to pin
            return self._forget(name, "never-scored", seen.step, say.never_scored(name, seen.step, later))
        value = self.results.value(seen.step, self.options.metric)
        if value is not None and not self._would_keep(Scored(name, seen.step, value)):
            self._say(say.scored(name, seen.step, self.options.metric, value))
            return self._forget(name, "not-kept", seen.step, say.unpinned(
                name, seen.step, self.options.metric, value, self.state.keep, pinned=False))
        try:
            how = self.folder.pin(self.model_dir, seen.files)
        except FileNotFoundError:
            return self._forget(name, "gone", seen.step, say.gone(name))
        self.state.pinned[name] = Pinned(name=name, step=seen.step, step_source=seen.step_source, files=seen.files,
                                         how=how, source=join(self.model_dir, name), pinned_at=time.time())
        self._say(say.pinned(name, seen.step, how))

    def _would_keep(self, candidate: Scored) -> bool:
        current = [Scored(k.name, k.step, k.value) for k in self.state.kept]
        keep, _ = choose(current + [candidate], mode=self.options.mode, keep=self.state.keep)
        return candidate in keep

    def _read_events(self) -> None:
        found = self.results.poll()
        for problem in found.problems:
            self._say(say.event_problem(problem))
        if found.read_bytes:
            self.changed = True
        for kept in self.state.kept:
            if kept.step in found.changed_steps:
                self.folder.write_record(kept.name, self._record(kept))

    def _later_scored_step(self, step: int) -> int | None:
        """A step after ``step`` that has the metric while ``step`` has none (never coming)."""
        if self.results.value(step, self.options.metric) is not None:
            return None
        last = self.results.last_step_with(self.options.metric)
        return last if last is not None and last > step else None

    def _judge_pinned(self) -> None:
        metric = self.options.metric
        scored = []
        for pin in list(self.state.pinned.values()):
            value = self.results.value(pin.step, metric)
            if value is not None:
                self._say(say.scored(pin.name, pin.step, metric, value))
                scored.append(Scored(pin.name, pin.step, value))
                continue
            later = self._later_scored_step(pin.step)
            if later is not None:
                del self.state.pinned[pin.name]
                self.state.garbage.extend(join(".pinned", f) for f in _index_first(pin.files))
                self._forget(pin.name, "never-scored", pin.step, say.never_scored(pin.name, pin.step, later))
        if scored or self.state.garbage:
            self._rank(scored)
            self._apply()

    def _rank(self, scored: list[Scored]) -> None:
        """Decide (in the state only) what stays kept among the kept and the newly scored."""
        state, options = self.state, self.options
        kept_by_name = {k.name: k for k in state.kept}
        candidates = [Scored(k.name, k.step, k.value) for k in state.kept] + scored
        keep, drop = choose(candidates, mode=options.mode, keep=state.keep)
        for item in drop:
            if item.name in kept_by_name:
                files = _index_first(kept_by_name[item.name].files) + [item.name + ".json"]
                state.garbage.extend(files)
                self._forget(item.name, "dropped", item.step, say.dropped(item.name, item.step, state.keep))
            else:
                pin = state.pinned.pop(item.name)
                state.garbage.extend(join(".pinned", f) for f in _index_first(pin.files))
                self._forget(item.name, "not-kept", item.step,
                             say.unpinned(item.name, item.step, options.metric, item.value, state.keep))
        new_kept = []
        for rank, item in enumerate(reversed(keep), start=1):
            if item.name in kept_by_name:
                new_kept.append(kept_by_name[item.name])
                continue
            pin = state.pinned.pop(item.name)
            new_kept.append(Kept(name=item.name, step=item.step, value=item.value, files=pin.files,
                                 source=pin.source, kept_at=time.time(), step_source=pin.step_source))
            self._say(say.kept(item.name, item.step, rank, len(keep), self.into))
        state.kept = new_kept[::-1]
        save_state(self.into, state)  # the plan is on disk before any file moves

    def _apply(self) -> None:
        """Make INTO match the state: finish moves into INTO, write records and TensorFlow's
        state file, then delete what is no longer kept."""
        state = self.state
        for kept in list(state.kept):
            missing = self.folder.promote(kept.files)
            if missing is not None:
                state.kept.remove(kept)
                state.garbage.extend(_index_first(kept.files) + [kept.name + ".json"])
                self._forget(kept.name, "lost", kept.step, say.lost(kept.name, missing))
            elif not self.folder.has_record(kept.name):
                self.folder.write_record(kept.name, self._record(kept))
        write_checkpoint_state(self.into, state.kept)
        if state.garbage:
            self.folder.delete(state.garbage)
            state.garbage = []
        save_state(self.into, state)

    def _record(self, kept: Kept) -> dict:
        entry = self.state.scores.get(kept.step, {})
        return {"schema_version": 1, "name": kept.name, "step": kept.step, "metric": self.options.metric,
                "mode": self.options.mode, "value": kept.value, "metrics": dict(entry.get("scalars", {})),
                "scored_wall_time": entry.get("wall_time"), "kept_at": kept.kept_at, "source": kept.source,
                "step_source": kept.step_source, "files": kept.files}

    def _hint_when_stuck(self) -> None:
        """Say once when scores cannot come: several checkpoints pinned and no eval results at
        all, or results for several steps, none with the metric (a misspelt --metric)."""
        if not self.state.pinned:
            return
        scores = self.results.scores
        if not scores and len(self.state.pinned) >= _STUCK_PINS and "no-events" not in self._said:
            self._said.add("no-events")
            roots = ", ".join(self.options.events) if self.options.events else \
                self.defaults.describe_events(self.model_dir)
            self._say(say.no_events(roots, len(self.state.pinned), self.defaults.evaluator))
        if len(scores) >= 2 and self.results.last_step_with(self.options.metric) is None \
                and "metric" not in self._said:
            self._said.add("metric")
            self._say(say.metric_missing(self.options.metric, self.results.tags()))

    # --- reporting and running --------------------------------------------------------------
    def run(self, stop: threading.Event | None = None) -> KeepBestReport:
        """Poll until ``stop`` is set (or Ctrl-C), waiting ``min_poll`` seconds after a change and
        doubling the wait up to ``max_poll`` while nothing changes. Returns the final report."""
        stop = stop or threading.Event()

        def poll() -> bool:
            self.poll_once()
            return self.changed

        try:
            poll_until(poll, Backoff(self.options.min_poll, self.options.max_poll), stop)
        except KeyboardInterrupt:
            pass  # every change is already on disk
        return self.report()

    def report(self) -> KeepBestReport:
        """Where things stand now (the state is read from disk if no poll ran yet)."""
        state = self.state or load_state(self.into)
        metric = self.options.metric or (state.metric if state is not None else None)
        out = KeepBestReport(into=self.into, metric=metric, mode=self.options.mode,
                             notices=list(self.notices))
        if state is None:
            return out
        out.kept = [{"name": k.name, "step": k.step, "value": k.value, "path": join(self.into, k.name)}
                    for k in state.kept]
        out.pinned = sorted(state.pinned, key=lambda n: state.pinned[n].step or 0)
        out.never_scored = [name for name, done in state.done.items() if done["outcome"] == "never-scored"]
        return out


def _index_first(files: list[str]) -> list[str]:
    """Delete order: the ``.index`` first, so a half-deleted checkpoint no longer looks like one."""
    return sorted(files, key=lambda f: not f.endswith(".index"))
