"""How fast is ``tfckpt validate`` on a Model Garden params.yaml and a real checkpoint, next to merely
importing ``official.vision``?

The issue's target: ``tfckpt validate params.yaml`` with a real Model Garden checkpoint -- as a
whole process: interpreter start-up, imports, reading the YAML over its experiment's defaults,
reading the checkpoint index and object graph, recognising the model, printing -- at least 10x
faster than ``python -c "import official.vision"`` alone, measured in the same run.

The case: ``tests/data/modelgarden_params/retinanet_finetune_4.params.yaml`` (the params.yaml
``train.py`` wrote for a 4-class RetinaNet fine-tune, ``init_checkpoint_modules: [backbone, decoder]``)
pointed at the real 91-class RetinaNet training checkpoint of ``tests/data/modelgarden`` (its index
and object graph, with a sparse data file of the right size). Validate's one finding is info (the
heads start fresh), so it exits 0, which the launcher requires.

Commands are timed interleaved after a warm-up, with ``inspect_speed.py``'s helpers (a fresh
launcher per run, peak RSS from ``os.wait4``). Run it with an interpreter that has
tf-models-official and tfckpt's dependencies (the Model Garden environment):

    /work/venvs/tf215mg/bin/python benchmarks/modelgarden_validate_speed.py --quick
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from inspect_speed import (REPO, bare_python_command, fmt_load, machine, run_case, runs_main,  # noqa: E402
                           run_checked)

RESULTS_PATH = REPO / "benchmarks" / "results" / "modelgarden_validate_speed.json"
PARAMS = REPO / "tests" / "data" / "modelgarden_params" / "retinanet_finetune_4.params.yaml"
CHECKPOINT = "retinanet_r50_c91_trainer"
DEFAULT_RUNS, QUICK_RUNS = 7, 3
TARGET_SPEEDUP = 10.0
IMPORT = "import official.vision"
MATERIALISE = """\
import sys
sys.path[:0] = [sys.argv[1], sys.argv[1] + "/tests/modelgarden"]
from pathlib import Path
from mg_data import materialise
print(materialise(sys.argv[2], Path(sys.argv[3])))
"""


def build_workspace(root: Path, python: str) -> Path:
    """The real checkpoint (sparse data file) and the params.yaml pointed at it; returns the YAML."""
    prefix = run_checked([python, "-c", MATERIALISE, str(REPO), CHECKPOINT, str(root / "ckpt")]).strip()
    run_dir = root / "run"
    run_dir.mkdir()
    params = run_dir / "params.yaml"
    params.write_text(PARAMS.read_text().replace("pretrained/retinanet/ckpt-1", prefix.splitlines()[-1]))
    return params


def benchmark(python: str, runs: int) -> dict:
    load_before = list(os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="tfckpt-mg-bench-") as temp:
        params = build_workspace(Path(temp), python)
        case = run_case("validate params.yaml + RetinaNet ckpt", {
            "tfckpt validate": [python, "-m", "tfckpt", "validate", str(params)],
            IMPORT: [python, "-c", IMPORT],
            "python -c pass": bare_python_command(python)}, runs)
    results = case["results"]
    case["ratio_import_over_validate"] = results[IMPORT]["median_s"] / results["tfckpt validate"]["median_s"]
    versions = run_checked([python, "-c", "import tensorflow as tf; from importlib.metadata import version; "
                            "print(tf.__version__, version('tf-models-official'))"]).strip().splitlines()[-1]
    return {"machine": machine(python, versions), "runs": runs, "load_before": load_before,
            "load_after": list(os.getloadavg()), "cases": {"params": case},
            "targets": {f"{IMPORT} / validate >= {TARGET_SPEEDUP:g}x":
                        case["ratio_import_over_validate"] >= TARGET_SPEEDUP}}


def print_table(report: dict) -> None:
    info = report["machine"]
    print(f"{info['date']}  {info['cpus']} CPUs  Python {info['python_version']}  TF, tf-models-official "
          f"{info['tensorflow']}  tfckpt {info['tfckpt']} ({info['git']})")
    print(f"load average before {fmt_load(report['load_before'])}, after {fmt_load(report['load_after'])}; "
          f"{report['runs']} interleaved runs per command after a warm-up\n")
    print(f"{'command':<24} {'median s':>9} {'min s':>7} {'max s':>7} {'peak RSS MB':>12}")
    case = report["cases"]["params"]
    for name, figures in case["results"].items():
        print(f"{name:<24} {figures['median_s']:>9.3f} {figures['min_s']:>7.3f} {figures['max_s']:>7.3f} "
              f"{figures['peak_rss_mb']:>12.1f}")
    print(f"{IMPORT} / validate: {case['ratio_import_over_validate']:.1f}x\n")
    for target, met in report["targets"].items():
        print(f"  [{'met' if met else 'MISSED'}] {target}")


def main(argv: list[str] | None = None) -> int:
    return runs_main(argv, __doc__.split("\n\n")[0], "modelgarden_validate_speed", benchmark, print_table, RESULTS_PATH,
                     default_runs=DEFAULT_RUNS, quick_runs=QUICK_RUNS,
                     python_help="interpreter with tf-models-official and tfckpt's dependencies (default: this one)")


if __name__ == "__main__":
    sys.exit(main())
