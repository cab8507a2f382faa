"""How long does saving a big model hold up training, with tfckpt and with Keras's and
TensorFlow's own ways, and how long does a whole save take?

Model: ``keras.applications.InceptionResNetV2(weights=None)`` compiled with
``SGD(momentum=0.9)`` (55.9 M parameters; about 447 MB of model + optimizer state), trained on
random 299x299x3 images; ``--model small`` swaps in a 2 M-parameter model for a quick check.

Variants, each one callback (kept across rounds) in ``model.fit``:

=================  ===========================================================================
``none``           no checkpointing: the baseline for training time
``tfckpt``         ``tfckpt.PeriodicCheckpoint(dir, every_epochs=1, keep_last=2)``
``tfckpt-async``   the same with ``async_save=True`` (only when ``PeriodicCheckpoint`` takes it)
``keras``          ``ModelCheckpoint(dir/model.weights.h5, save_weights_only=True)`` (weights
                   only: about half the bytes of the others, no optimizer state)
``tf-manager``     ``tf.train.CheckpointManager(tf.train.Checkpoint(model=, optimizer=),
                   max_to_keep=2).save()`` from a ``LambdaCallback`` at epoch end
=================  ===========================================================================

What is measured:

1. **Blocked per save**: the wall time of the callback's ``on_epoch_end``, i.e. how long ``fit``
   waits. Every callback is wrapped in a forwarding callback that times its hooks; the time in
   ``on_train_end`` (where tfckpt waits for a background write in flight) is reported apart.
2. **End-to-end write** of one full save, from the hook's start until the files are complete,
   in a separate phase without training: interleaved repetitions of
   ``tf.train.Checkpoint(model=, optimizer=).write(prefix)``, tfckpt's hook (sync), tfckpt's hook
   followed by its ``on_train_end`` (async: returns when the background write has finished and
   the index is committed), and ``CheckpointManager.save()``. ``os.sync()`` runs before each (not
   timed), so no write pays for the previous one's dirty pages. tfckpt's figure includes its
   crash-safety (renames, ``fsync`` of the small files and of the folder), its JSON files and
   the deletion of the checkpoint that ``keep_last`` drops (so the TF write is also shown with
   the deletion of its previous checkpoint, timed apart: the same work). During training, the
   async write's completion is also observed by polling ``tfckpt-index.json`` every 10 ms until
   it lists the new checkpoint ("in-fit end-to-end").
3. **Training time**: each variant's ``fit`` of ``--epochs`` epochs x ``--steps`` steps, timed
   whole, in ``--rounds`` rounds with the variant order rotated each round (after a warm-up
   round of one epoch each, not counted: it traces the train step and makes every callback's
   first save, which for ``async_save`` is a normal synchronous write). Also the median train
   step time, and for async the steps that overlapped a background write.

Targets (printed as met / MISSED): async blocked <= 0.05 s per save (median of counted saves);
tfckpt's end-to-end write no slower than ``tf.train.Checkpoint.write`` (ratio of medians <= 1).

Run from the repository root (it puts the repository first on ``sys.path``)::

    python benchmarks/save_speed.py                                  # ~10 minutes
    python benchmarks/save_speed.py --model small                         # ~1 minute

The table goes to stdout, every sample to ``benchmarks/results/save_speed.json`` (``--out``).
"""

from __future__ import annotations

import argparse
import datetime
import inspect
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import tfckpt  # noqa: E402
from tfckpt.callbacks.compat import keras_version  # noqa: E402

keras = tf.keras
TARGET_ASYNC_BLOCKED_S = 0.05
TARGET_E2E_RATIO = 1.0
POLL_S = 0.01


# ----------------------------------------------------------------------------- the model
def build_model(kind: str, batch: int, steps: int):
    keras.utils.set_random_seed(0)
    if kind == "inception":
        model = keras.applications.InceptionResNetV2(weights=None)
        shape = (299, 299, 3)
    else:
        model = keras.Sequential([
            keras.Input((64, 64, 3)), keras.layers.Conv2D(32, 3, activation="relu"), keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(64, 3, activation="relu"), keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(1024, activation="relu"), keras.layers.Dense(1024, activation="relu"),
            keras.layers.Dense(1000, activation="softmax")])
        shape = (64, 64, 3)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9),
                  loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    x = rng.random((batch * steps, *shape), dtype=np.float32)
    y = rng.integers(0, 1000, size=(batch * steps,))
    return model, x, y


def state_bytes(model) -> int:
    optimizer_variables = model.optimizer.variables
    if callable(optimizer_variables):
        optimizer_variables = optimizer_variables()
    total = 0
    for v in list(model.weights) + list(optimizer_variables):
        total += int(np.prod(v.shape)) * tf.as_dtype(v.dtype).size
    return total


# ----------------------------------------------------------------------------- timing wrapper
class Timed(keras.callbacks.Callback):
    """Forwards every hook to ``inner``; times ``on_epoch_end`` (a save) and ``on_train_end``,
    and each train batch. For tfckpt async, watches the folder's index for each save's commit."""

    def __init__(self, inner, log: dict, watch_folder=None) -> None:
        super().__init__()
        self.inner = inner
        self.log = log
        self.watch_folder = watch_folder
        self._batch_start = None

    # Keras 2.15 asks these
    def _implements_train_batch_hooks(self):
        return True

    def _implements_test_batch_hooks(self):
        return False

    def _implements_predict_batch_hooks(self):
        return False

    def set_model(self, model):
        super().set_model(model)
        if self.inner is not None:
            self.inner.set_model(model)

    def set_params(self, params):
        super().set_params(params)
        if self.inner is not None:
            self.inner.set_params(params)

    def _forward(self, hook, *args):
        if self.inner is not None:
            getattr(self.inner, hook)(*args)

    def on_train_begin(self, logs=None):
        self._forward("on_train_begin", logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._forward("on_epoch_begin", epoch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._forward("on_train_batch_begin", batch, logs)
        self._batch_start = time.monotonic()

    def on_train_batch_end(self, batch, logs=None):
        end = time.monotonic()
        self.log["batches"].append((self._batch_start, end))
        self._forward("on_train_batch_end", batch, logs)

    def on_test_begin(self, logs=None):
        self._forward("on_test_begin", logs)

    def on_test_end(self, logs=None):
        self._forward("on_test_end", logs)

    def on_epoch_end(self, epoch, logs=None):
        start = time.monotonic()
        self._forward("on_epoch_end", epoch, logs)
        end = time.monotonic()
        save = {"epoch": epoch + 1, "start": start, "blocked_s": end - start, "done": None}
        self.log["saves"].append(save)
        if self.watch_folder is not None:
            threading.Thread(target=self._watch, args=(save, f"ckpt-{epoch + 1:04d}"), daemon=True).start()

    def on_train_end(self, logs=None):
        start = time.monotonic()
        self._forward("on_train_end", logs)
        self.log["train_end_s"].append(time.monotonic() - start)

    def _watch(self, save: dict, name: str) -> None:
        """Poll the index until it lists ``name``: the background write and its commit are done."""
        index = os.path.join(self.watch_folder, "tfckpt-index.json")
        deadline, last = time.monotonic() + 600, None
        while time.monotonic() < deadline:
            try:
                stamp = os.stat(index).st_mtime_ns
                if stamp != last:
                    last = stamp
                    with open(index) as handle:
                        if any(r["name"] == name for r in json.load(handle)["kept"]):
                            save["done"] = time.monotonic()
                            return
            except (OSError, ValueError):
                pass
            time.sleep(POLL_S)


# ----------------------------------------------------------------------------- variants
def async_available() -> bool:
    return "async_save" in inspect.signature(tfckpt.PeriodicCheckpoint).parameters


def make_variants(model, work: Path, with_async: bool) -> dict:
    variants = {"none": {"callback": None, "watch": None}}
    variants["tfckpt"] = {"callback": tfckpt.PeriodicCheckpoint(
        work / "tfckpt", every_epochs=1, keep_last=2, verbose=0), "watch": None}
    if with_async:
        variants["tfckpt-async"] = {"callback": tfckpt.PeriodicCheckpoint(
            work / "tfckpt-async", every_epochs=1, keep_last=2, verbose=0, async_save=True),
            "watch": str(work / "tfckpt-async")}
    (work / "keras").mkdir()
    variants["keras"] = {"callback": keras.callbacks.ModelCheckpoint(
        str(work / "keras" / "model.weights.h5"), save_weights_only=True), "watch": None}
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(model=model, optimizer=model.optimizer),
                                         str(work / "tf-manager"), max_to_keep=2)
    variants["tf-manager"] = {"callback": keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: manager.save()), "watch": None, "manager": manager}
    for variant in variants.values():
        variant.update(epoch=0, fits=[])
    return variants


def run_fit(model, x, y, batch: int, variant: dict, epochs: int, counted: bool) -> dict:
    log = {"saves": [], "batches": [], "train_end_s": []}
    timed = Timed(variant["callback"], log, variant["watch"])
    first = variant["epoch"]
    start = time.monotonic()
    model.fit(x, y, batch_size=batch, epochs=first + epochs, initial_epoch=first, verbose=0, shuffle=False,
              callbacks=[timed])
    log["fit_s"] = time.monotonic() - start
    log["counted"] = counted
    variant["epoch"] = first + epochs
    if variant["watch"] is not None:  # let the watchers see the last commit (fit waited for it already)
        for save in log["saves"]:
            deadline = time.monotonic() + 5
            while save["done"] is None and time.monotonic() < deadline:
                time.sleep(POLL_S)
    variant["fits"].append(log)
    return log


# ----------------------------------------------------------------------------- end-to-end phase
def end_to_end(model, variants: dict, work: Path, repetitions: int) -> dict:
    """Whole saves without training, interleaved, ``os.sync()`` before each."""
    checkpoint = tf.train.Checkpoint(model=model, optimizer=model.optimizer)
    plain = work / "tf-write"
    plain.mkdir()
    logs = {"loss": 1.0}

    def tf_write(rep):
        prefix = str(plain / f"ckpt-{rep}")
        start = time.monotonic()
        checkpoint.write(prefix)
        seconds = time.monotonic() - start
        for stale in plain.glob(f"ckpt-{rep - 1}.*"):  # timed apart: tfckpt's save includes such a deletion
            stale.unlink()
        return {"e2e_s": seconds, "delete_s": time.monotonic() - start - seconds}

    def ours(name):
        variant = variants[name]
        callback = variant["callback"]

        def run(rep):
            variant["epoch"] += 1
            start = time.monotonic()
            callback.on_epoch_end(variant["epoch"] - 1, logs)
            returned = time.monotonic()
            callback.on_train_end(logs)
            done = time.monotonic()
            return {"blocked_s": returned - start, "e2e_s": done - start}
        return run

    def manager_save(rep):
        start = time.monotonic()
        variants["tf-manager"]["manager"].save()
        return {"e2e_s": time.monotonic() - start}

    ways = {"tf.train.Checkpoint.write": tf_write, "tfckpt": ours("tfckpt")}
    if "tfckpt-async" in variants:
        ways["tfckpt-async"] = ours("tfckpt-async")
    ways["tf.train.CheckpointManager.save"] = manager_save
    samples = {name: [] for name in ways}
    names = list(ways)
    for rep in range(repetitions + 1):  # rep 0 is a warm-up, not counted
        order = names[rep % len(names):] + names[:rep % len(names)]
        for name in order:
            os.sync()
            result = ways[name](rep)
            if rep:
                samples[name].append(result)
    return samples


# ----------------------------------------------------------------------------- report
def med(values):
    return statistics.median(values) if values else None


def fmt(seconds, digits=3):
    return "-" if seconds is None else f"{seconds:.{digits}f} s"


def summarize(variants: dict, e2e: dict, rounds: int) -> dict:
    summary = {}
    none_fits = [f for f in variants["none"]["fits"] if f["counted"]]
    baseline_steps = [end - start for f in none_fits for start, end in f["batches"]]
    for name, variant in variants.items():
        fits = [f for f in variant["fits"] if f["counted"]]
        saves = [s for f in fits for s in f["saves"]]
        warm = [s for f in variant["fits"] if not f["counted"] for s in f["saves"]]
        steps = [end - start for f in fits for start, end in f["batches"]]
        row = {
            "blocked_median_s": med([s["blocked_s"] for s in saves]) if variant["callback"] else None,
            "blocked_max_s": max([s["blocked_s"] for s in saves], default=None) if variant["callback"] else None,
            "first_save_blocked_s": warm[0]["blocked_s"] if warm and variant["callback"] else None,
            "train_end_median_s": med([t for f in fits for t in f["train_end_s"]]),
            "fit_s": [f["fit_s"] for f in fits],
            "fit_median_s": med([f["fit_s"] for f in fits]),
            # what fit waited for in all, per fit: every save's hook plus the wait at train end
            "blocked_per_fit_median_s": med([sum(s["blocked_s"] for s in f["saves"]) + sum(f["train_end_s"])
                                             for f in fits]) if variant["callback"] else None,
            "step_median_s": med(steps),
            "saves_counted": len(saves),
        }
        # the same round's baseline, round by round: noise moves both alike
        row["overhead_vs_none_s"] = med([f["fit_s"] - b["fit_s"] for f, b in zip(fits, none_fits)])
        if variant["watch"] is not None:
            in_fit = [s["done"] - s["start"] for s in saves if s["done"] is not None]
            row["in_fit_e2e_median_s"] = med(in_fit)
            overlapping = [end - start for f in fits for start, end in f["batches"]
                           if any(s["done"] and start < s["done"] and end > s["start"] + s["blocked_s"]
                                  for s in f["saves"])]
            row["steps_overlapping_write"] = len(overlapping)
            row["overlapping_step_median_s"] = med(overlapping)
        summary[name] = row
    summary["_baseline_step_median_s"] = med(baseline_steps)
    e2e_summary = {}
    for name, results in e2e.items():
        values = [r["e2e_s"] for r in results]
        e2e_summary[name] = {"median_s": med(values), "min_s": min(values), "max_s": max(values),
                             "blocked_median_s": med([r["blocked_s"] for r in results]) if "blocked_s" in results[0]
                             else None}
        if "delete_s" in results[0]:  # the same work as a tfckpt save with keep_last: write + drop the oldest
            with_delete = [r["e2e_s"] + r["delete_s"] for r in results]
            e2e_summary[name + " + delete"] = {"median_s": med(with_delete), "min_s": min(with_delete),
                                               "max_s": max(with_delete), "blocked_median_s": None}
    reference = [r["e2e_s"] for r in e2e["tf.train.Checkpoint.write"]]
    for name, results in e2e.items():  # each repetition's ratio to the TF write of the same repetition
        e2e_summary[name]["paired_ratio_median"] = med([r["e2e_s"] / t for r, t in zip(results, reference)])
    summary["_end_to_end"] = e2e_summary
    return summary


def print_report(summary: dict, variants: dict, args, size_mb: float, with_async: bool) -> dict:
    print(f"\nmodel {args.model}: {size_mb:.1f} MB of model + optimizer state; {args.rounds} rounds x "
          f"{args.epochs} epochs x {args.steps} steps (batch {args.batch}) per variant, after a warm-up epoch")
    if not with_async:
        print("async: not available (PeriodicCheckpoint has no async_save argument)")
    print("\nIn training (counted saves only; 'first save' is the warm-up round's):")
    print(f"{'variant':<14}{'blocked/save':>14}{'max':>10}{'first save':>12}{'train end':>11}"
          f"{'blocked/fit':>13}{'fit (median)':>14}{'vs none':>10}{'step':>9}")
    for name in variants:
        row = summary[name]
        print(f"{name:<14}{fmt(row['blocked_median_s']):>14}{fmt(row['blocked_max_s']):>10}"
              f"{fmt(row['first_save_blocked_s']):>12}{fmt(row['train_end_median_s']):>11}"
              f"{fmt(row['blocked_per_fit_median_s'], 2):>13}{fmt(row['fit_median_s'], 2):>14}"
              f"{'' if name == 'none' else fmt(row['overhead_vs_none_s'], 2):>10}{fmt(row['step_median_s']):>9}")
    print("(blocked/fit: the hooks' time plus the wait at train end, per fit; 'vs none': median over rounds of "
          "the fit's time minus the same round's 'none' fit)")
    if with_async:
        row = summary["tfckpt-async"]
        print(f"tfckpt-async in fit: save committed {fmt(row['in_fit_e2e_median_s'])} after the hook started "
              f"(median); {row['steps_overlapping_write']} steps overlapped a write, median "
              f"{fmt(row['overlapping_step_median_s'])} against {fmt(summary['_baseline_step_median_s'])} "
              f"without checkpointing")
    print(f"\nEnd-to-end write, no training, {args.writes} interleaved repetitions, os.sync() before each:")
    print(f"{'way':<34}{'median':>10}{'min':>10}{'max':>10}{'blocked':>10}{'paired':>9}")
    e2e = summary["_end_to_end"]
    for name, row in e2e.items():
        paired = row.get("paired_ratio_median")
        print(f"{name:<34}{fmt(row['median_s']):>10}{fmt(row['min_s']):>10}{fmt(row['max_s']):>10}"
              f"{fmt(row['blocked_median_s']):>10}{'' if paired is None else f'{paired:.2f}x':>9}")
    print("(paired: median over repetitions of its time / the TF write's time in the same repetition)")
    reference = e2e["tf.train.Checkpoint.write"]["median_s"]
    targets = {}
    ratio = e2e["tfckpt"]["median_s"] / reference
    targets["e2e_ratio_sync"] = {"value": ratio, "target": f"<= {TARGET_E2E_RATIO}", "met": ratio <= TARGET_E2E_RATIO}
    same_work = e2e["tfckpt"]["median_s"] / e2e["tf.train.Checkpoint.write + delete"]["median_s"]
    targets["e2e_ratio_sync_vs_write_plus_delete"] = {"value": same_work, "target": "information"}
    print(f"\ntfckpt / tf.train.Checkpoint.write, end to end: {ratio:.2f}x (sync)", end="")
    if with_async:
        ratio_async = e2e["tfckpt-async"]["median_s"] / reference
        targets["e2e_ratio_async"] = {"value": ratio_async, "target": f"<= {TARGET_E2E_RATIO}",
                                      "met": ratio_async <= TARGET_E2E_RATIO}
        print(f", {ratio_async:.2f}x (async, until written)", end="")
    print(f"; sync against write + deleting the previous one (the same work): {same_work:.2f}x")
    print("(single writes here vary by up to 2x between repetitions: compare ratios, and across runs)")
    print("\nTargets:")
    if with_async:
        blocked = summary["tfckpt-async"]["blocked_median_s"]
        targets["async_blocked"] = {"value": blocked, "target": f"<= {TARGET_ASYNC_BLOCKED_S} s",
                                    "met": blocked <= TARGET_ASYNC_BLOCKED_S}
        print(f"  async blocked per save <= {TARGET_ASYNC_BLOCKED_S} s: {blocked:.3f} s  "
              f"{'met' if targets['async_blocked']['met'] else 'MISSED'}")
    else:
        print("  async blocked per save: not available")
    for key, label in (("e2e_ratio_sync", "tfckpt end-to-end / TF write <= 1 (sync)"),
                       ("e2e_ratio_async", "tfckpt end-to-end / TF write <= 1 (async)")):
        if key in targets:
            print(f"  {label}: {targets[key]['value']:.2f}x  {'met' if targets[key]['met'] else 'MISSED'}")
    return targets


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=("inception", "small"), default="inception")
    parser.add_argument("--epochs", type=int, default=4, help="epochs per fit, i.e. saves per variant per round")
    parser.add_argument("--steps", type=int, default=3, help="train steps per epoch")
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2, help="fits per variant, order rotated each round")
    parser.add_argument("--writes", type=int, default=9, help="repetitions in the end-to-end phase")
    parser.add_argument("--no-async", action="store_true", help="leave tfckpt-async out even if available")
    parser.add_argument("--workdir", help="where checkpoints go (default: a new temporary folder, removed)")
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "save_speed.json"))
    args = parser.parse_args(argv)

    started = time.monotonic()
    machine = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "host": platform.node(),
               "platform": platform.platform(), "cpus": os.cpu_count(), "python": sys.version.split()[0],
               "tensorflow": tf.__version__, "keras": keras_version(), "loadavg_start": os.getloadavg()}
    with_async = async_available() and not args.no_async
    print(f"save_speed: TF {tf.__version__}, Keras {keras_version()}, {os.cpu_count()} CPUs, "
          f"load {machine['loadavg_start'][0]:.2f}; tfckpt async_save: {'yes' if async_available() else 'no'}",
          flush=True)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="tfckpt-save-speed-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        model, x, y = build_model(args.model, args.batch, args.steps)
        variants = make_variants(model, work, with_async)
        names = list(variants)
        # warm-up: traces the train step; every callback's first save (async: its synchronous one)
        run_fit(model, x, y, args.batch, variants["none"], 1, counted=False)
        size_mb = state_bytes(model) / 1e6
        print(f"built and traced in {time.monotonic() - started:.0f} s; {model.count_params():,} parameters, "
              f"{size_mb:.1f} MB of state", flush=True)
        for name in names[1:]:
            log = run_fit(model, x, y, args.batch, variants[name], 1, counted=False)
            first_save = log["saves"][0]["blocked_s"]
            print(f"  warm-up {name}: fit {log['fit_s']:.1f} s, first save blocked {first_save:.3f} s", flush=True)
        for round_number in range(args.rounds):
            shift = round_number % len(names)
            for name in names[shift:] + names[:shift]:
                log = run_fit(model, x, y, args.batch, variants[name], args.epochs, counted=True)
                saves = ", ".join(f"{s['blocked_s']:.3f}" for s in log["saves"]) if variants[name]["callback"] else "-"
                print(f"  round {round_number + 1} {name:<13} fit {log['fit_s']:6.1f} s; blocked per save: {saves}",
                      flush=True)
        e2e = end_to_end(model, variants, work, args.writes)
        summary = summarize(variants, e2e, args.rounds)
        targets = print_report(summary, variants, args, size_mb, with_async)
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    machine["loadavg_end"] = os.getloadavg()
    machine["seconds"] = round(time.monotonic() - started, 1)
    print(f"\n{machine['seconds']:.0f} s in all; load average at the end {machine['loadavg_end'][0]:.2f}")
    raw = {name: {"fits": v["fits"]} for name, v in variants.items()}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"settings": vars(args), "machine": machine, "async_available": async_available(),
                               "state_mb": size_mb, "targets": targets, "summary": summary,
                               "end_to_end_samples": e2e, "raw": raw}, indent=1) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
