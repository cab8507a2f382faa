"""How fast is ``tfckpt validate``, as a whole process, next to merely importing TensorFlow?

The issue's target: ``tfckpt validate`` on the real Inception-ResNet-v2 Faster R-CNN config and
checkpoint, as a whole process (interpreter start-up, imports, parsing the config, reading the
checkpoint index, the label map and the input glob, printing), must not import TensorFlow and
take about 0.3 s or less: at least 10x faster than ``python -c "import tensorflow"`` alone,
measured in the same run.

Two cases, each command timed as a whole process, interleaved (A, B, C, A, B, C, ...) after one
discarded warm-up run each, so machine noise hits them alike:

1. ``tfckpt validate CONFIG``: the real fine-tune config (3 classes, ``detection``) pointing at the
   real ``ckpt-2`` (1,410 tensors, sparse data files of the right size), against
   ``python -c "import tensorflow"`` and ``python -c pass`` (the interpreter's floor);
2. ``tfckpt validate CONFIG --model-dir DIR``: the real 90-class config that trained the checkpoint,
   resuming from its folder (the state file and the latest checkpoint are read).

Reported: median, min and max wall time, the ratio import-TensorFlow / validate of the medians,
and each command's peak RSS, measured as in ``inspect_speed.py`` (whose helpers this reuses: a
fresh launcher interpreter per run, ``os.wait4``). Validate's findings on both are info only,
so it exits 0 (the launcher requires that).

Standard library only. Figures go to stdout as a table and to
``benchmarks/results/validate_speed.json``.

Example:
    cd /work/main && /work/venvs/tf221/bin/python benchmarks/validate_speed.py --runs 7
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from inspect_speed import (REPO, bare_python_command, build_odapi_folder, fmt_load, machine,  # noqa: E402
                           run_case, runs_main, run_checked)

RESULTS_PATH = REPO / "benchmarks" / "results" / "validate_speed.json"
REAL_CONFIGS = REPO / "tests" / "data" / "pipeline" / "real"
DEFAULT_RUNS, QUICK_RUNS = 7, 3
TARGET_SPEEDUP, TARGET_SECONDS = 10.0, 0.3
TF_VERSION = "import tensorflow as tf; print(tf.__version__)"


def build_workspace(root: Path, python: str) -> tuple[Path, Path, Path, str]:
    """The real IRV2 folder (sparse data), the label maps and a record file, and the two real
    configs with absolute paths (the commands run from the repository): the fine-tune one pointed
    at ``ckpt-2``, and the 90-class one that trained it."""
    folder, helper = build_odapi_folder(root, python)
    data = root / "data"
    data.mkdir()
    for name in ("label_map_3.pbtxt", "label_map_90.pbtxt"):
        (data / name).write_text((REAL_CONFIGS / name).read_text())
    (data / "train.tfrecord").write_bytes(b"")
    configs = []
    for name in ("finetune_frcnn_irv2_3cls_momentum.config", "frcnn_irv2_90cls_momentum.config"):
        text = (REAL_CONFIGS / name).read_text()
        text = text.replace("ckpts/frcnn_irv2_90cls_momentum/ckpt-1", str(folder / "ckpt-2"))
        configs.append(root / name)
        configs[-1].write_text(text.replace('"data/', f'"{data}/'))
    return configs[0], configs[1], folder, helper


def validate_command(python: str, config: Path, *extra: str) -> list[str]:
    return [python, "-m", "tfckpt", "validate", str(config), *extra]


def import_tensorflow_command(python: str) -> list[str]:
    return [python, "-c", "import tensorflow"]


def ratio(case: dict) -> float:
    results = case["results"]
    return results["import tensorflow"]["median_s"] / results["tfckpt validate"]["median_s"]


def benchmark(python: str, runs: int) -> dict:
    load_before = list(os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="tfckpt-validate-bench-") as temp:
        config, trained_with, folder, helper = build_workspace(Path(temp), python)
        cases = {
            "config": run_case("validate CONFIG (IRV2 ckpt-2)", {
                "tfckpt validate": validate_command(python, config),
                "import tensorflow": import_tensorflow_command(python),
                "python -c pass": bare_python_command(python)}, runs),
            "model_dir": run_case("validate CONFIG --model-dir DIR", {
                "tfckpt validate": validate_command(python, trained_with, "--model-dir", str(folder)),
                "import tensorflow": import_tensorflow_command(python)}, runs),
        }
    for case in cases.values():
        case["ratio_import_tf_over_validate"] = ratio(case)
    tf_version = run_checked([python, "-c", TF_VERSION]).strip().splitlines()[-1]
    main = cases["config"]
    return {
        "machine": machine(python, tf_version), "runs": runs, "load_before": load_before,
        "load_after": list(os.getloadavg()), "sparse_data_helper": helper, "cases": cases,
        "targets": {
            f"import tensorflow / validate >= {TARGET_SPEEDUP:g}x": main["ratio_import_tf_over_validate"]
            >= TARGET_SPEEDUP,
            f"validate median <= {TARGET_SECONDS:g} s": main["results"]["tfckpt validate"]["median_s"]
            <= TARGET_SECONDS,
        },
    }


def print_table(report: dict) -> None:
    info = report["machine"]
    print(f"{info['date']}  {info['host']}  {info['cpus']} CPUs  Python {info['python_version']}  "
          f"TF {info['tensorflow']}  tfckpt {info['tfckpt']} ({info['git']})")
    print(f"load average before {fmt_load(report['load_before'])}, after {fmt_load(report['load_after'])}; "
          f"{report['runs']} interleaved runs per command after a warm-up\n")
    print(f"{'case':<32} {'command':<20} {'median s':>9} {'min s':>7} {'max s':>7} {'peak RSS MB':>12}")
    for case in report["cases"].values():
        title = case["title"]
        for name, figures in case["results"].items():
            print(f"{title:<32} {name:<20} {figures['median_s']:>9.3f} {figures['min_s']:>7.3f} "
                  f"{figures['max_s']:>7.3f} {figures['peak_rss_mb']:>12.1f}")
            title = ""
        print(f"{'':<32} {'import TF / validate':<20} {case['ratio_import_tf_over_validate']:>8.1f}x")
    print()
    for target, met in report["targets"].items():
        print(f"  [{'met' if met else 'MISSED'}] {target}")


def main(argv: list[str] | None = None) -> int:
    return runs_main(argv, __doc__.split("\n\n")[0], "validate_speed", benchmark, print_table, RESULTS_PATH,
                     default_runs=DEFAULT_RUNS, quick_runs=QUICK_RUNS)


if __name__ == "__main__":
    sys.exit(main())
