"""How fast is ``tfckpt inspect``, as a whole process, next to ``tf.train.list_variables``?

Three cases, each timed as a whole process (interpreter start-up, imports, reading, printing):

1. the real Inception-ResNet-v2 Faster R-CNN checkpoint prefix ``ckpt-2`` (1,410 tensors),
   ``tfckpt inspect`` against ``python -c "import tensorflow as tf; tf.train.list_variables(P)"``,
   with ``python -c pass`` as the interpreter's floor;
2. its whole folder (``checkpoint`` state file, ``ckpt-1``, ``ckpt-2``), the same two commands;
3. a folder of 1,000 small checkpoints, ``tfckpt inspect`` alone.

Within a case the commands run interleaved (A, B, A, B, ...) after one discarded warm-up run
each, so machine noise hits them alike. Reported: the median wall time over ``--runs`` runs,
the ratio TF / tfckpt of the medians, and each child's own peak RSS (``ru_maxrss`` from
``os.wait4`` on its pid, KiB on Linux). Each command is spawned and timed by a fresh, tiny
launcher interpreter (``LAUNCHER``), because on Linux a child's ``ru_maxrss`` starts at the peak
RSS of the process it was spawned from.

The OD API folder is built in a temporary folder from the index files in
``tests/data/odapi/real/`` with sparse data files of the right size (``--make-sparse``, run in a
child with ``--python``); the 1,000 checkpoints are copies of one tiny checkpoint written by
TensorFlow in a child.

Standard library only. Figures go to stdout as a table and to
``benchmarks/results/inspect_speed.json``.

Example:
    cd /work/main && PYTHONPATH=. /work/venvs/tf221/bin/python benchmarks/inspect_speed.py --runs 7
    python benchmarks/inspect_speed.py --quick --python /work/venvs/tf221/bin/python
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ODAPI_REAL = REPO / "tests" / "data" / "odapi" / "real" / "frcnn_irv2_90cls_momentum"
ODAPI_FILES = ("checkpoint", "ckpt-1.index", "ckpt-2.index")
RESULTS_PATH = REPO / "benchmarks" / "results" / "inspect_speed.json"

DEFAULT_RUNS = 7
QUICK_RUNS = 3
MANY_CHECKPOINTS = 1000

TARGET_SPEEDUP = 10.0
TARGET_SECONDS = 0.3
TARGET_RSS_MB = 60.0
TARGET_MANY_SECONDS = 1.0

WRITE_TINY_CHECKPOINT = """\
import sys
import tensorflow as tf
checkpoint = tf.train.Checkpoint(step=tf.Variable(1, dtype=tf.int64), w=tf.Variable(tf.zeros([4, 3])))
checkpoint.write(sys.argv[1])
print(tf.__version__)
"""

# Started fresh for each measurement, it spawns the command and reaps it with os.wait4. A child's
# ru_maxrss starts from the memory of the process it was spawned from (on Linux, exec records
# the old address space's peak): spawned from this small interpreter, rather than from the
# benchmark, the floor is a bare interpreter's, below anything measured here.
LAUNCHER = """\
import os, sys, time
log, argv = sys.argv[1], sys.argv[2:]
actions = [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
           (os.POSIX_SPAWN_OPEN, 1, log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
           (os.POSIX_SPAWN_DUP2, 1, 2)]
start = time.perf_counter()
pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=actions)
_, status, usage = os.wait4(pid, 0)
print(time.perf_counter() - start, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""

VERSIONS = """\
import platform, tfckpt
print(platform.python_version(), tfckpt.__version__)
"""


@dataclass
class Sample:
    """One whole-process run of a command."""

    seconds: float
    max_rss_kib: int


# --- running children ----------------------------------------------------------------------


def child_env() -> dict[str, str]:
    """This environment with the repository first on PYTHONPATH (tfckpt is not installed)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def run_checked(argv: list[str]) -> str:
    """Run a preparation step; its stdout, or RuntimeError with its output when it fails."""
    done = subprocess.run(argv, cwd=REPO, env=child_env(), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{argv[:3]} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def measure(argv: list[str]) -> Sample:
    """Run ``argv`` as a whole process through the launcher: wall time and the child's peak RSS."""
    with tempfile.TemporaryDirectory() as temp:
        log = Path(temp) / "output.log"
        done = subprocess.run([sys.executable, "-I", "-S", "-c", LAUNCHER, str(log), *argv], cwd=REPO,
                              env=child_env(), capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"launcher failed ({done.returncode}):\n{done.stdout}{done.stderr}")
        seconds, max_rss_kib, exit_code = done.stdout.split()
        if int(exit_code) != 0:
            tail = log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{argv} exited {exit_code}:\n{tail}")
    return Sample(float(seconds), int(max_rss_kib))


def interleaved(commands: dict[str, list[str]], runs: int) -> dict[str, list[Sample]]:
    """One discarded warm-up run of each command, then ``runs`` rounds of A, B, ... in turn."""
    for argv in commands.values():
        measure(argv)
    samples: dict[str, list[Sample]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, argv in commands.items():
            samples[name].append(measure(argv))
    return samples


# --- the commands --------------------------------------------------------------------------


def tfckpt_command(python: str, path: Path) -> list[str]:
    return [python, "-m", "tfckpt", "inspect", str(path)]


def tensorflow_command(python: str, path: Path) -> list[str]:
    return [python, "-c", f"import tensorflow as tf; tf.train.list_variables({str(path)!r})"]


def bare_python_command(python: str) -> list[str]:
    return [python, "-c", "pass"]


# --- building the checkpoints --------------------------------------------------------------


def make_sparse_data_files(prefixes: list[str]) -> None:
    """(Runs in a child.) Sparse data shards of the right size next to each prefix's index, with
    ``sparse_data_files`` from ``tests/testkit.py`` (which also puts back the real int64 scalars
    such as ``step``)."""
    sys.path[:0] = [str(REPO), str(REPO / "tests")]
    from testkit import sparse_data_files

    for prefix in prefixes:
        sparse_data_files(Path(prefix))
    print("tests/testkit.py:sparse_data_files")


def build_odapi_folder(root: Path, python: str) -> tuple[Path, str]:
    """A copy of the real Faster R-CNN IRV2 folder with sparse data files; and the helper used."""
    folder = root / "frcnn_irv2_90cls_momentum"
    folder.mkdir()
    for name in ODAPI_FILES:
        shutil.copyfile(ODAPI_REAL / name, folder / name)
    prefixes = [str(folder / "ckpt-1"), str(folder / "ckpt-2")]
    helper = run_checked([python, str(Path(__file__).resolve()), "--make-sparse", *prefixes]).strip()
    return folder, helper


def write_tiny_checkpoint(root: Path, python: str) -> tuple[Path, str]:
    """One real checkpoint (``step``, a 4x3 ``w``) written by TensorFlow; and TF's version."""
    prefix = root / "tiny" / "ckpt"
    prefix.parent.mkdir()
    version = run_checked([python, "-c", WRITE_TINY_CHECKPOINT, str(prefix)]).strip().splitlines()[-1]
    return prefix, version


def build_many_folder(root: Path, tiny: Path, count: int) -> Path:
    """``count`` copies of the tiny checkpoint (ckpt-1 ... ckpt-N) and a state file naming them."""
    folder = root / f"{count}_checkpoints"
    folder.mkdir()
    data_name = "ckpt.data-00000-of-00001"
    for number in range(1, count + 1):
        shutil.copyfile(tiny.parent / "ckpt.index", folder / f"ckpt-{number}.index")
        shutil.copyfile(tiny.parent / data_name, folder / f"ckpt-{number}.data-00000-of-00001")
    (folder / "checkpoint").write_text(state_file_text(count))
    return folder


def state_file_text(count: int) -> str:
    lines = [f'model_checkpoint_path: "ckpt-{count}"']
    lines += [f'all_model_checkpoint_paths: "ckpt-{number}"' for number in range(1, count + 1)]
    return "\n".join(lines) + "\n"


# --- figures -------------------------------------------------------------------------------


def summarize(samples: list[Sample]) -> dict:
    seconds = [s.seconds for s in samples]
    rss = [s.max_rss_kib for s in samples]
    return {
        "median_s": statistics.median(seconds),
        "min_s": min(seconds),
        "max_s": max(seconds),
        "peak_rss_kib": max(rss),
        "peak_rss_mb": max(rss) * 1024 / 1e6,
        "samples_s": seconds,
        "samples_rss_kib": rss,
    }


def run_case(title: str, commands: dict[str, list[str]], runs: int) -> dict:
    samples = interleaved(commands, runs)
    case = {"title": title, "commands": {name: argv for name, argv in commands.items()},
            "results": {name: summarize(found) for name, found in samples.items()}}
    results = case["results"]
    if "tf.train.list_variables" in results:
        case["ratio_tf_over_tfckpt"] = (results["tf.train.list_variables"]["median_s"]
                                        / results["tfckpt inspect"]["median_s"])
    return case


def check_targets(cases: dict[str, dict]) -> dict[str, bool]:
    prefix = cases["ckpt2"]
    tfckpt = prefix["results"]["tfckpt inspect"]
    return {
        f"ckpt-2: TF / tfckpt >= {TARGET_SPEEDUP:g}x": prefix["ratio_tf_over_tfckpt"] >= TARGET_SPEEDUP,
        f"ckpt-2: tfckpt median <= {TARGET_SECONDS:g} s": tfckpt["median_s"] <= TARGET_SECONDS,
        f"ckpt-2: tfckpt peak RSS < {TARGET_RSS_MB:g} MB": tfckpt["peak_rss_mb"] < TARGET_RSS_MB,
        f"{MANY_CHECKPOINTS:,} checkpoints: tfckpt median < {TARGET_MANY_SECONDS:g} s":
            cases["many"]["results"]["tfckpt inspect"]["median_s"] < TARGET_MANY_SECONDS,
    }


def git_revision() -> str | None:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+dirty" if dirty else "")


def machine(python: str, tf_version: str) -> dict:
    python_version, tfckpt_version = run_checked([python, "-c", VERSIONS]).split()
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "host": platform.node(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "python": python,
        "python_version": python_version,
        "tensorflow": tf_version,
        "tfckpt": tfckpt_version,
        "git": git_revision(),
    }


def run_and_report(name: str, measure, print_table, results_path: Path) -> int:
    """Run ``measure()``, write its report as JSON to ``results_path``, print the table; 1 on failure.

    Shared by the benchmark scripts.
    """
    try:
        report = measure()
    except RuntimeError as error:
        print(f"{name}: {error}", file=sys.stderr)
        return 1
    results_path.parent.mkdir(parents=True, exist_ok=True)
    results_path.write_text(json.dumps(report, indent=2) + "\n")
    print_table(report)
    print(f"\nwritten: {results_path.relative_to(REPO)}")
    return 0


def runs_main(argv, description: str, name: str, benchmark, print_table, results_path: Path,
              python_help: str = "interpreter with TensorFlow and tfckpt's dependencies (default: this one)",
              default_runs: int = 7, quick_runs: int = 3) -> int:
    """A benchmark's ``main``: ``--runs``/``--quick``/``--python``, then ``benchmark(python, runs)``
    through :func:`run_and_report`. Shared by the benchmark scripts whose only options these are."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--runs", type=int, default=default_runs, help=f"runs per command (default {default_runs})")
    parser.add_argument("--quick", action="store_true", help=f"{quick_runs} runs per command")
    parser.add_argument("--python", default=sys.executable, help=python_help)
    args = parser.parse_args(argv)
    runs = quick_runs if args.quick else args.runs
    if runs < 1:
        parser.error("--runs must be at least 1")
    return run_and_report(name, lambda: benchmark(args.python, runs), print_table, results_path)


def print_table(report: dict) -> None:
    info = report["machine"]
    print(f"{info['date']}  {info['host']}  {info['cpus']} CPUs  Python {info['python_version']}  "
          f"TF {info['tensorflow']}  tfckpt {info['tfckpt']} ({info['git']})")
    print(f"load average before {fmt_load(report['load_before'])}, after {fmt_load(report['load_after'])}; "
          f"{report['runs']} interleaved runs per command after a warm-up; this process's peak RSS "
          f"{report['benchmark_rss_kib'] * 1024 / 1e6:.1f} MB\n")
    print(f"{'case':<36} {'command':<25} {'median s':>9} {'min s':>7} {'max s':>7} {'peak RSS MB':>12}")
    for case in report["cases"].values():
        title = case["title"]
        for name, figures in case["results"].items():
            print(f"{title:<36} {name:<25} {figures['median_s']:>9.3f} {figures['min_s']:>7.3f} "
                  f"{figures['max_s']:>7.3f} {figures['peak_rss_mb']:>12.1f}")
            title = ""
        if "ratio_tf_over_tfckpt" in case:
            print(f"{'':<36} {'ratio TF / tfckpt':<25} {case['ratio_tf_over_tfckpt']:>8.1f}x")
    print()
    for target, met in report["targets"].items():
        print(f"  [{'met' if met else 'MISSED'}] {target}")


def fmt_load(load: list[float]) -> str:
    return " ".join(f"{value:.2f}" for value in load)


# --- main ----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help=f"runs per command (default {DEFAULT_RUNS})")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_RUNS} runs per command")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter with TensorFlow and tfckpt's dependencies to run every command "
                             "with (default: this one)")
    parser.add_argument("--make-sparse", nargs="+", metavar="PREFIX", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.runs = QUICK_RUNS
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def benchmark(python: str, runs: int) -> dict:
    load_before = list(os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="tfckpt-bench-") as temp:
        root = Path(temp)
        odapi, sparse_helper = build_odapi_folder(root, python)
        tiny, tf_version = write_tiny_checkpoint(root, python)
        many = build_many_folder(root, tiny, MANY_CHECKPOINTS)
        prefix = odapi / "ckpt-2"
        cases = {
            "ckpt2": run_case("ckpt-2 (IRV2, 1,410 tensors)", {
                "tfckpt inspect": tfckpt_command(python, prefix),
                "tf.train.list_variables": tensorflow_command(python, prefix),
                "python -c pass": bare_python_command(python)}, runs),
            "folder": run_case("folder (state file, ckpt-1, ckpt-2)", {
                "tfckpt inspect": tfckpt_command(python, odapi),
                "tf.train.list_variables": tensorflow_command(python, odapi)}, runs),
            "many": run_case(f"folder of {MANY_CHECKPOINTS:,} checkpoints", {
                "tfckpt inspect": tfckpt_command(python, many)}, runs),
        }
    return {
        "machine": machine(python, tf_version),
        "runs": runs,
        "load_before": load_before,
        "load_after": list(os.getloadavg()),
        "sparse_data_helper": sparse_helper,
        "benchmark_rss_kib": _own_max_rss_kib(),
        "cases": cases,
        "targets": check_targets(cases),
    }


def _own_max_rss_kib() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.make_sparse:
        make_sparse_data_files(args.make_sparse)
        return 0
    return run_and_report("inspect_speed", lambda: benchmark(args.python, args.runs), print_table, RESULTS_PATH)


if __name__ == "__main__":
    sys.exit(main())
