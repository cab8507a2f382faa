"""Peak memory of early stopping with best-weight restore: tfckpt.EarlyStoppingRestore (best kept
on disk) against Keras's EarlyStopping(restore_best_weights=True) (a copy of the weights in RAM),
on keras.applications.InceptionResNetV2(weights=None) with SGD momentum, in the same run.

Each variant runs in its own process (peak RSS is per process; taken with os.wait4 from a small
launcher so the parent's size does not leak in) and a third run with no callback gives the
baseline. A scripted validation metric improves, then worsens, so both callbacks stop early and
restore. Reported: extra peak over the baseline, as a share of the model's weight bytes.

    python benchmarks/early_stopping_memory.py            # InceptionResNetV2, ~3-4 minutes
    python benchmarks/early_stopping_memory.py --small    # a tiny model, seconds
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VARIANTS = ("baseline", "keras", "tfckpt")

CHILD = r'''
import os, sys, json
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np, tensorflow as tf
import tfckpt
keras = tf.keras
variant, small, folder = sys.argv[1], sys.argv[2] == "1", sys.argv[3]
keras.utils.set_random_seed(0)
if small:
    model = keras.Sequential([keras.Input((32,)), keras.layers.Dense(512), keras.layers.Dense(10)])
    x = np.random.rand(8, 32).astype("float32")
else:
    model = keras.applications.InceptionResNetV2(weights=None)
    x = np.random.rand(4, 299, 299, 3).astype("float32")
y = np.zeros((len(x),), "int64")
model.compile(optimizer=keras.optimizers.SGD(0.001, momentum=0.9), loss="sparse_categorical_crossentropy")
values = [0.5, 0.6, 0.4, 0.3, 0.2]
class Metric(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        logs["val_score"] = values[epoch]
callbacks = [Metric()]
if variant == "keras":
    callbacks.append(keras.callbacks.EarlyStopping(monitor="val_score", mode="max", patience=1,
                                                   restore_best_weights=True))
elif variant == "tfckpt":
    callbacks.append(tfckpt.EarlyStoppingRestore(folder, monitor="val_score", mode="max", patience=1, verbose=0))
model.fit(x, y, batch_size=2, epochs=len(values), verbose=0, callbacks=callbacks)
weight_bytes = sum(int(np.prod(w.shape)) * 4 for w in model.weights)
print(json.dumps({"weight_bytes": weight_bytes}))
'''

LAUNCHER = r'''
import os, sys, json, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execv(sys.executable, [sys.executable, "-c", sys.argv[1]] + sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
print(json.dumps({"status": os.waitstatus_to_exitcode(status), "peak_kib": usage.ru_maxrss,
                  "seconds": time.perf_counter() - start}))
'''


def run_variant(python: str, variant: str, small: bool) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        result = subprocess.run([python, "-c", LAUNCHER, CHILD, variant, "1" if small else "0", folder],
                                capture_output=True, text=True, env=env, timeout=1800)
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    measured = json.loads(lines[-1])
    if measured["status"] != 0:
        raise SystemExit(f"{variant} failed:\n{result.stderr[-3000:]}")
    measured.update(json.loads(lines[0]))
    return measured


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a tiny model instead of InceptionResNetV2")
    parser.add_argument("--python", default=sys.executable, help="interpreter with TensorFlow")
    args = parser.parse_args(argv)
    results = {variant: run_variant(args.python, variant, args.small) for variant in VARIANTS}
    weight_bytes = results["tfckpt"]["weight_bytes"]
    base = results["baseline"]["peak_kib"] * 1024
    print(f"model weights: {weight_bytes / 1e6:.1f} MB; load average {os.getloadavg()[0]:.1f}")
    print(f"{'variant':<10} {'peak RSS':>10} {'over baseline':>14} {'% of weights':>13} {'time':>8}")
    for variant in VARIANTS:
        peak = results[variant]["peak_kib"] * 1024
        extra = peak - base
        results[variant]["extra_bytes"] = extra
        results[variant]["extra_share_of_weights"] = extra / weight_bytes
        print(f"{variant:<10} {peak / 1e6:>8.1f} MB {extra / 1e6:>11.1f} MB {100 * extra / weight_bytes:>12.1f}% "
              f"{results[variant]['seconds']:>7.1f}s")
    share = results["tfckpt"]["extra_share_of_weights"]
    print(f"target: tfckpt adds at most 5% of the weight bytes at peak: {'met' if share <= 0.05 else 'MISSED'} "
          f"({100 * share:.1f}%)")
    out = REPO / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "early_stopping_memory.json").write_text(json.dumps(
        {"date": time.strftime("%Y-%m-%d"), "small": args.small, "results": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
