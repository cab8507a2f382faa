"""Callbacks that add metrics to the epoch's ``logs`` (such as :class:`tfckpt.COCOMetrics`) and
callbacks that read them (``BestCheckpoint``, ``PeriodicCheckpoint`` templates,
``EarlyStoppingRestore``) meet here, so their order in ``callbacks=[...]`` cannot matter.

Keras calls callbacks in list order with one shared ``logs`` dict. A source registers on the
model at ``set_model``; a reader that finds its key missing asks the source to compute it now,
into that same dict, and the source does not compute it twice in an epoch.

Example:
    >>> register(model, coco_metrics)  # doctest: +SKIP
    >>> not_due = fill_missing(model, epoch, logs, ["val_mAP"])  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Iterable, MutableMapping, Protocol

_ATTRIBUTE = "_tfckpt_metric_sources"


class MetricSource(Protocol):
    metric_names: tuple[str, ...]

    def produce(self, epoch: int, logs: MutableMapping) -> bool:
        """Put this epoch's metrics into ``logs`` (once per epoch); False if not due this epoch."""


def register(model, source: MetricSource) -> None:
    """Let readers of ``model``'s logs find ``source``. It replaces an earlier source of any of
    the same names (one left by an earlier ``fit`` of this model, even one that raised)."""
    names = set(source.metric_names)
    sources = [s for s in getattr(model, _ATTRIBUTE, []) if s is not source and not names & set(s.metric_names)]
    object.__setattr__(model, _ATTRIBUTE, [source] + sources)  # not tracked as a Keras attribute


def unregister(model, source: MetricSource) -> None:
    """Forget ``source`` (at the end of its ``fit``)."""
    sources = [s for s in getattr(model, _ATTRIBUTE, []) if s is not source]
    object.__setattr__(model, _ATTRIBUTE, sources)


def sources_of(model) -> list[MetricSource]:
    return list(getattr(model, _ATTRIBUTE, []))


def fill_missing(model, epoch: int, logs: MutableMapping, names: Iterable[str]) -> set[str]:
    """Have registered sources add any of ``names`` missing from ``logs``; return the names whose
    source does not run this epoch (a reader skips its decision then)."""
    not_due: set[str] = set()
    for name in names:
        if name in logs:
            continue
        for source in sources_of(model):
            if name in source.metric_names:
                if not source.produce(epoch, logs):
                    not_due.add(name)
                break
    return not_due
