"""SIGKILL real training processes that save at every step, at random moments, and check after
every kill that what tfckpt kept is whole and that a restart resumes and finishes.

The victim is ``tests/callbacks/kill_target.py``: a small Keras model trained with
``PeriodicCheckpoint(FOLDER/last, every_steps=1, keep_last=2, resume=True)`` and
``BestCheckpoint(FOLDER/best, keep_best=1, resume=True)``; it prints ``step`` after every batch
(after the callbacks' save of that batch) and ``done`` at the end.

One kill:

1. start the target on FOLDER (resuming whatever is there) with many epochs;
2. wait for ``k`` "step" lines (``k`` random), sleep a random 0-50 ms, SIGKILL it, reap it;
3. at once, before anything else touches the folder, list FOLDER/last and FOLDER/best: a name
   containing ``.tfckpt-tmp-`` (tfckpt's temporary files, and TensorFlow's ``<prefix>_temp``
   folder under a temporary prefix) means the kill landed in the middle of a save;
4. check both folders: ``python -m tfckpt inspect FOLDER/x --json`` exits 0; every checkpoint in
   ``tfckpt-index.json``'s ``kept`` list is reported complete with no problems, has all its
   files and its JSON sidecar; TensorFlow's ``checkpoint`` state file names a checkpoint whose
   ``.index`` exists; and (unless ``--no-tf-verify``) TensorFlow itself reads every tensor of
   every kept checkpoint (``tf.train.load_checkpoint(...).get_tensor``, which checks CRCs);
5. restart the target on the same FOLDER with ``epochs = latest kept epoch + 1`` (one more epoch
   after resuming): it must exit 0 and print ``done``, the latest kept step must have grown, both
   folders must pass step 4 again, and no temporary may be left.

Kills come in chains of ``--chain`` on one folder (the first starts afresh, the others kill a
resumed run), a new folder per chain. Everything is seeded (``--seed``).

Run from the repository root (the script itself needs only the standard library)::

    python benchmarks/kill_test.py --kills 20 --seed 0
    python benchmarks/kill_test.py --kills 20 --python .venv-tf215/bin/python

Output: one line per kill, a summary, and every record in ``benchmarks/results/kill_test.json``
(``--out``). Exit status 1 when any check failed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET = REPO / "tests" / "callbacks" / "kill_target.py"
TEMP_MARKER = ".tfckpt-tmp-"
SUBFOLDERS = ("last", "best")

TF_VERIFY = r"""
import json, os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf
out = {}
for folder in sys.argv[1:]:
    index_path = os.path.join(folder, "tfckpt-index.json")
    if not os.path.exists(index_path):
        continue
    for record in json.load(open(index_path))["kept"]:
        prefix = os.path.join(folder, record["name"])
        try:
            reader = tf.train.load_checkpoint(prefix)
            names = list(reader.get_variable_to_shape_map())
            for name in names:
                reader.get_tensor(name)
            out[prefix] = {"ok": True, "tensors": len(names)}
        except Exception as err:
            out[prefix] = {"ok": False, "error": f"{type(err).__name__}: {str(err)[:300]}"}
print(json.dumps(out))
"""


def child_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return env


def listing(folder: Path) -> list[str]:
    try:
        return sorted(os.listdir(folder))
    except FileNotFoundError:
        return []


def read_index(folder: Path):
    try:
        return json.loads((folder / "tfckpt-index.json").read_text())
    except FileNotFoundError:
        return None


def untracked(folder: Path, snapshot: dict) -> dict:
    """Checkpoint files (not temporaries) present at the kill that the index did not list: a kill
    between renaming a new checkpoint and committing the index, or between the commit and the
    deletion of a dropped one. Read after the kill, so the index is the one the kill left."""
    found = {}
    for sub, names in snapshot.items():
        index = read_index(folder / sub) or {"kept": []}
        known = {f for r in index["kept"] for f in r["files"] + [r["name"] + ".json"]}
        extra = [n for n in names if TEMP_MARKER not in n and n not in known
                 and n not in ("tfckpt-index.json", "checkpoint")]
        if extra:
            found[sub] = extra
    return found


def latest_kept(index):
    if not index or not index["kept"]:
        return None
    return max(index["kept"], key=lambda r: (r["step"], r["wall_time"]))


def run_target_until_killed(python: str, folder: Path, epochs: int, steps: int, extra_s: float,
                            stderr_file, timeout_s: float) -> dict:
    """Start the target, SIGKILL it after ``steps`` "step" lines plus ``extra_s`` seconds, reap
    it, and list the folders at once. Returns what happened."""
    process = subprocess.Popen([python, str(TARGET), str(folder), str(epochs)], stdout=subprocess.PIPE,
                               stderr=stderr_file, text=True, env=child_env(), cwd=str(REPO))
    timer = threading.Timer(timeout_s, process.kill)  # a hung target must not hang the test
    timer.start()
    seen, started = 0, time.monotonic()
    try:
        for line in process.stdout:
            seen += line.startswith("step")
            if seen >= steps:
                break
        time.sleep(extra_s)
        alive = process.poll() is None
        process.send_signal(signal.SIGKILL)
        process.wait()
    finally:
        timer.cancel()
    snapshot = {sub: listing(folder / sub) for sub in SUBFOLDERS}  # before anything else runs
    process.stdout.close()
    return {"steps_seen": seen, "alive_at_kill": alive, "returncode": process.returncode,
            "seconds_to_kill": round(time.monotonic() - started, 3), "listing": snapshot}


def check_folder(python: str, folder: Path, must_exist: bool) -> tuple[list[str], dict]:
    """Problems with one callback folder (empty list: sound), and facts about it."""
    problems, facts = [], {}
    index = read_index(folder)
    if index is None:
        if must_exist:
            problems.append(f"{folder.name}: no tfckpt-index.json")
        return problems, facts
    facts["kept"] = [(r["name"], r["epoch"], r["step"]) for r in index["kept"]]
    facts["best_value"] = index.get("best_value")
    if not index["kept"]:
        problems.append(f"{folder.name}: index keeps nothing")
    run = subprocess.run([python, "-m", "tfckpt", "inspect", str(folder), "--json"], capture_output=True,
                         text=True, env=child_env(), cwd=str(REPO), timeout=120)
    facts["inspect_rc"] = run.returncode
    if run.returncode != 0:
        problems.append(f"{folder.name}: tfckpt inspect exited {run.returncode}: "
                        f"{(run.stdout + run.stderr).strip()[-500:]}")
    try:
        report = json.loads(run.stdout)
    except ValueError:
        problems.append(f"{folder.name}: tfckpt inspect --json printed no JSON")
        report = {"checkpoints": []}
    by_name = {Path(c["prefix"]).name: c for c in report.get("checkpoints", [])}
    present = set(listing(folder))
    for record in index["kept"]:
        name = record["name"]
        seen = by_name.get(name)
        if seen is None:
            problems.append(f"{folder.name}: kept {name} not found by inspect")
        elif not seen.get("complete") or seen.get("problems"):
            problems.append(f"{folder.name}: kept {name} incomplete: {seen.get('problems')}")
        missing = [f for f in record["files"] + [name + ".json"] if f not in present]
        if missing:
            problems.append(f"{folder.name}: kept {name} lacks {missing}")
    state = folder / "checkpoint"
    if state.exists():
        first = state.read_text().splitlines()[0]  # model_checkpoint_path: "NAME"
        pointed = first.split(":", 1)[1].strip().strip('"')
        facts["state_file_latest"] = pointed
        if pointed + ".index" not in present:
            problems.append(f"{folder.name}: the checkpoint state file names {pointed}, which has no .index")
    else:
        problems.append(f"{folder.name}: no checkpoint state file")
    return problems, facts


def tf_verify(python: str, folders: list[Path]) -> tuple[list[str], dict]:
    run = subprocess.run([python, "-c", TF_VERIFY, *map(str, folders)], capture_output=True, text=True,
                         env=child_env(), cwd=str(REPO), timeout=300)
    if run.returncode != 0:
        return [f"TensorFlow verification crashed: {run.stderr.strip()[-500:]}"], {}
    results = json.loads(run.stdout.strip().splitlines()[-1])
    problems = [f"TensorFlow cannot read {Path(p).parent.name}/{Path(p).name}: {r['error']}"
                for p, r in results.items() if not r["ok"]]
    return problems, results


def check_both(python: str, folder: Path, verify_with_tf: bool, best_must_exist: bool) -> tuple[list[str], dict]:
    problems, facts = [], {}
    for sub in SUBFOLDERS:
        found, facts[sub] = check_folder(python, folder / sub, must_exist=(sub == "last" or best_must_exist))
        problems += found
    if verify_with_tf:
        found, results = tf_verify(python, [folder / sub for sub in SUBFOLDERS])
        problems += found
        facts["tf_verified"] = len(results)
    return problems, facts


def one_kill(args, rng: random.Random, folder: Path, number: int, chain_position: int, log_dir: Path) -> dict:
    steps = rng.randint(args.min_steps, args.max_steps)
    extra = rng.uniform(0.0, args.max_sleep_ms / 1000.0)
    record = {"kill": number, "chain_position": chain_position, "folder": folder.name, "k_steps": steps,
              "sleep_ms": round(extra * 1000, 2), "failures": []}
    before_index = read_index(folder / "last")
    record["step_at_start"] = (latest_kept(before_index) or {}).get("step", 0)
    with open(log_dir / f"kill{number:03d}.stderr", "w") as stderr_file:
        killed = run_target_until_killed(args.python, folder, 10_000, steps, extra, stderr_file, args.timeout)
    record.update({k: v for k, v in killed.items() if k != "listing"})
    temporaries = {sub: [n for n in names if TEMP_MARKER in n] for sub, names in killed["listing"].items()}
    record["temporaries"] = temporaries
    record["mid_save"] = any(temporaries.values())
    record["untracked_at_kill"] = untracked(folder, killed["listing"])
    record["listing_at_kill"] = killed["listing"]
    if killed["steps_seen"] < steps:
        record["failures"].append(f"the target ended after {killed['steps_seen']} steps, before the kill "
                                  f"(exit {killed['returncode']}); see {log_dir.name}/kill{number:03d}.stderr")
    if not killed["alive_at_kill"]:
        record["failures"].append("the target was no longer running when killed")

    problems, facts = check_both(args.python, folder, not args.no_tf_verify,
                                 best_must_exist=(folder / "best" / "tfckpt-index.json").exists())
    record["after_kill"] = facts
    record["failures"] += [f"after kill: {p}" for p in problems]

    latest = latest_kept(read_index(folder / "last"))
    before_step = latest["step"] if latest else 0
    epochs = (latest["epoch"] if latest else 0) + 1
    record.update({"latest_step_after_kill": before_step, "continuation_epochs": epochs})
    started = time.monotonic()
    finish = subprocess.run([args.python, str(TARGET), str(folder), str(epochs)], capture_output=True, text=True,
                            env=child_env(), cwd=str(REPO), timeout=args.timeout)
    record["continuation_seconds"] = round(time.monotonic() - started, 2)
    record["continuation_rc"] = finish.returncode
    if finish.returncode != 0 or not finish.stdout.rstrip().endswith("done"):
        (log_dir / f"kill{number:03d}.continuation.stderr").write_text(finish.stderr)
        record["failures"].append(f"continuation exited {finish.returncode}: {finish.stderr.strip()[-800:]}")
    after = latest_kept(read_index(folder / "last"))
    record["latest_step_after_continuation"] = after["step"] if after else None
    if not after or after["step"] <= before_step:
        record["failures"].append(f"latest step did not grow: {before_step} -> {after and after['step']}")
    problems, facts = check_both(args.python, folder, not args.no_tf_verify, best_must_exist=True)
    record["after_continuation"] = facts
    record["failures"] += [f"after continuation: {p}" for p in problems]
    leftovers = [n for sub in SUBFOLDERS for n in listing(folder / sub) if TEMP_MARKER in n]
    if leftovers:
        record["failures"].append(f"temporaries left after the continuation: {leftovers}")
    return record


def machine_facts(python: str) -> dict:
    versions = subprocess.run(
        [python, "-c", "import os; os.environ['TF_CPP_MIN_LOG_LEVEL']='3'; import sys, tensorflow as tf; "
                       "from tfckpt.callbacks.compat import keras_version; "
                       "print(sys.version.split()[0], tf.__version__, keras_version())"],
        capture_output=True, text=True, env=child_env(), cwd=str(REPO)).stdout.split()
    return {"date": datetime.datetime.now().isoformat(timespec="seconds"), "host": platform.node(),
            "platform": platform.platform(), "cpus": os.cpu_count(), "loadavg_start": os.getloadavg(),
            "python": python, "python_version": versions[0] if versions else None,
            "tensorflow": versions[1] if len(versions) > 1 else None,
            "keras": versions[2] if len(versions) > 2 else None}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--chain", type=int, default=4, help="kills per folder (default 4)")
    parser.add_argument("--min-steps", type=int, default=1)
    parser.add_argument("--max-steps", type=int, default=40, help="the target runs 8 steps an epoch")
    parser.add_argument("--max-sleep-ms", type=float, default=50.0)
    parser.add_argument("--python", default=sys.executable, help="interpreter with TensorFlow for the target")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds any one target run may take")
    parser.add_argument("--no-tf-verify", action="store_true", help="skip reading every tensor with TensorFlow")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "kill_test.json"))
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    facts = machine_facts(args.python)
    print(f"kill test: {args.kills} kills, seed {args.seed}, {facts['python']} "
          f"(TF {facts['tensorflow']}, Keras {facts['keras']})", flush=True)
    work = Path(tempfile.mkdtemp(prefix="tfckpt-kill-"))
    log_dir = work / "logs"
    log_dir.mkdir()
    records, started = [], time.monotonic()
    try:
        for number in range(1, args.kills + 1):
            chain, position = divmod(number - 1, args.chain)
            folder = work / f"run{chain:02d}"
            record = one_kill(args, rng, folder, number, position, log_dir)
            records.append(record)
            where = ("mid-save " + ",".join(f"{s}:{len(t)}" for s, t in record["temporaries"].items() if t)
                     if record["mid_save"] else "between saves")
            if record["untracked_at_kill"]:
                where += " +untracked"
            print(f"kill {number:2d} ({folder.name}#{position}): k={record['k_steps']:2d} "
                  f"+{record['sleep_ms']:5.1f} ms, {where:<26} kept step {record['latest_step_after_kill']:>4} "
                  f"-> {record['latest_step_after_continuation']}  "
                  f"{'OK' if not record['failures'] else 'FAILED: ' + '; '.join(record['failures'])}", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    summary = {"kills": len(records), "mid_save": sum(r["mid_save"] for r in records),
               "untracked_files_at_kill": sum(bool(r["untracked_at_kill"]) for r in records),
               "failed_kills": sum(bool(r["failures"]) for r in records),
               "failures": [f"kill {r['kill']}: {f}" for r in records for f in r["failures"]],
               "seconds": round(time.monotonic() - started, 1), "loadavg_end": os.getloadavg()}
    print(f"\n{summary['kills']} kills, {summary['mid_save']} landed mid-save (a temporary was present), "
          f"{summary['untracked_files_at_kill']} left checkpoint files the index did not list, "
          f"{summary['failed_kills']} failed; {summary['seconds']} s")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"settings": vars(args), "machine": facts, "summary": summary, "kills": records},
                              indent=1) + "\n")
    print(f"wrote {out}" + (f" (work folder kept: {work})" if args.keep else ""))
    return 1 if summary["failed_kills"] else 0


if __name__ == "__main__":
    sys.exit(main())
