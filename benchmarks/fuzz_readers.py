"""A longer fuzz run of every tfckpt reader, through the same hypothesis properties CI runs.

CI runs each property test of issue 13 with a fixed budget of 120-200 examples. This script
drives the same ``@given`` strategies with hypothesis's ``fuzz_one_input`` (random buffers for
the strategies to decode) for ``--seconds`` per reader, and counts, instead of stopping at the
first one, the *distinct* failures: an exception other than ``TfckptError`` (or a broken
property), keyed by its type and the innermost line of tfckpt it came from. Any input slower than
2 s is a failure of its own kind (``slow``).

Readers: ``config`` and ``label_map`` (real configs with random edits, and any text),
``numbers`` (every number token against protobuf's own text_format), ``state`` (the
``checkpoint`` file), ``index`` (mutated real ``.index`` bytes), ``index_numbers`` (impossible
numbers with valid checksums, read with ``--deep`` over random data shards), ``keras`` and
``weights_h5`` (files real Keras writes here, damaged), ``keep_best_state``.

Run it from the repository root (Keras is needed for the Keras readers; they are skipped without):

    python benchmarks/fuzz_readers.py                 # 30 s per reader
    python benchmarks/fuzz_readers.py --seconds 120 --readers index,keras

The table goes to stdout, the figures to ``benchmarks/results/fuzz_readers.json`` (gitignored).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
for folder in ("benchmarks", "tests", "tests/pipeline", "tests/checkpoint", "tests/keep_best"):
    sys.path.insert(0, str(REPO / folder))
sys.path.insert(0, str(REPO))

from hypothesis import given, settings  # noqa: E402
from hypothesis.errors import DeadlineExceeded  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from inspect_speed import git_revision, run_and_report  # noqa: E402

from tfckpt.errors import TfckptError  # noqa: E402

RESULTS_PATH = REPO / "benchmarks" / "results" / "fuzz_readers.json"
SLOW_SECONDS = 2.0
FUZZ = settings(database=None, deadline=None)


class Slow(Exception):
    """An input that took longer than :data:`SLOW_SECONDS`."""


def timed(action) -> None:
    start = time.perf_counter()
    try:
        action()
    except TfckptError as error:
        assert "\n" not in str(error) and len(str(error)) < 2000, "an error message of many lines or pages"
    elapsed = time.perf_counter() - start
    if elapsed > SLOW_SECONDS:
        raise Slow(f"{elapsed:.1f} s")


def text_properties() -> dict:
    from test_bad_scalars import FLOAT, INT32, NUMBER_TOKENS, UINT32, protobuf_value, same, tfckpt_value
    from test_parser_properties import damaged

    from tfckpt.pipeline import parse_label_map, parse_pipeline_config
    from protobuf_oracle import build_classes

    classes = build_classes()

    @FUZZ
    @given(damaged() | st.tuples(st.just(False), st.text(max_size=400)))
    def config(case):
        is_label_map, text = case
        timed(lambda: parse_label_map(text, "l") if is_label_map else parse_pipeline_config(text, "p"))

    @FUZZ
    @given(st.text(max_size=400))
    def label_map(text):
        timed(lambda: parse_label_map("item { " + text, "l"))
        timed(lambda: parse_label_map(text, "l"))

    @FUZZ
    @given(NUMBER_TOKENS, st.sampled_from([FLOAT, UINT32, INT32]))
    def numbers(token, template):
        text = template.format(token)
        ours, theirs = tfckpt_value(text), protobuf_value(classes, text)
        assert same(ours, theirs), f"tfckpt and protobuf disagree on {token!r}: {ours!r} vs {theirs!r}"

    return {"config": config, "label_map": label_map, "numbers": numbers}


def checkpoint_properties() -> dict:
    """The CI properties themselves (their settings give each input a 2 s deadline)."""
    import test_reader_properties as checkpoint

    return {"state": checkpoint.test_any_state_file_gives_a_listing_or_an_error,
            "index": checkpoint.test_any_index_bytes_give_a_summary_or_an_error,
            "index_numbers": checkpoint.test_impossible_numbers_with_valid_checksums_give_a_summary_or_an_error}


def keras_properties(workspace: Path) -> dict:
    try:
        import keras
    except ImportError:
        return {}
    from test_keras_file_properties import EDITS, JSON_VALUES, damage, summary_or_error
    from testkit import build_tiny_model

    model = build_tiny_model(keras)
    model.save(str(workspace / "model.keras"))
    model.save_weights(str(workspace / "model.weights.h5"))
    seeds = {suffix: (workspace / f"model{suffix}").read_bytes() for suffix in (".keras", ".weights.h5")}

    def reader(suffix):
        @FUZZ
        @given(EDITS, st.none() | JSON_VALUES)
        def read(edits, value):
            data = damage(seeds[suffix], edits)
            if value is not None and suffix == ".keras":
                data = with_config(data, value)
            timed(lambda: summary_or_error(data, suffix))
        return read

    return {"keras": reader(".keras"), "weights_h5": reader(".weights.h5")}


def with_config(data: bytes, value) -> bytes:
    """The archive with ``config.json`` replaced by ``value`` (when the damaged zip still opens)."""
    import io
    import json
    import zipfile

    out = io.BytesIO()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
            for name in source.namelist():
                target.writestr(name, json.dumps(value) if name == "config.json" else source.read(name))
    except Exception:  # the damage already broke the zip: fuzz the damaged bytes as they are
        return data
    return out.getvalue()


def keep_best_properties() -> dict:
    from test_keep_best_state_properties import test_any_keep_best_state_starts_or_is_an_error

    return {"keep_best_state": test_any_keep_best_state_starts_or_is_an_error}


def failure_key(error: BaseException) -> str:
    """``Type at tfckpt/x.py:123`` (the innermost tfckpt line), or the test's own line."""
    if isinstance(error, (Slow, DeadlineExceeded)):
        return "slow (over 2 s)"
    frames = traceback.extract_tb(error.__traceback__)
    ours = [frame for frame in frames if "/tfckpt/" in frame.filename] or frames[-1:]
    where = f"{os.path.relpath(ours[-1].filename, REPO)}:{ours[-1].lineno}" if ours else "?"
    return f"{type(error).__name__} at {where}"


def fuzz(name: str, test, seconds: float, rng: random.Random) -> dict:
    tried, failures, examples = 0, {}, {}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        buffer = rng.randbytes(rng.choice([64, 512, 4096, 16384]))
        tried += 1
        try:
            test.hypothesis.fuzz_one_input(buffer)
        except Exception as error:  # the point: count every kind instead of stopping
            key = failure_key(error)
            failures[key] = failures.get(key, 0) + 1
            examples.setdefault(key, str(error).splitlines()[0][:200] if str(error) else "")
    return {"reader": name, "inputs": tried, "seconds": seconds, "distinct_failures": len(failures),
            "failures": failures, "examples": examples}


def benchmark(readers: list[str], seconds: float, seed: int) -> dict:
    with tempfile.TemporaryDirectory() as workspace:
        properties = {**text_properties(), **checkpoint_properties(), **keep_best_properties(),
                      **keras_properties(Path(workspace))}
        unknown = [name for name in readers if name not in properties]
        if unknown:
            raise RuntimeError(f"unknown or unavailable readers: {', '.join(unknown)}; have {', '.join(properties)}")
        rng = random.Random(seed)
        results = [fuzz(name, properties[name], seconds, rng) for name in readers]
    return {
        "machine": {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                    "host": platform.node(), "cpus": os.cpu_count(), "python": platform.python_version(),
                    "git": git_revision(), "load_average": os.getloadavg()},
        "seed": seed, "seconds_per_reader": seconds, "results": results,
    }


def print_table(report: dict) -> None:
    info = report["machine"]
    print(f"{info['date']}  {info['cpus']} CPUs  Python {info['python']}  tfckpt {info['git']}  "
          f"load {info['load_average'][0]:.1f}  seed {report['seed']}\n")
    print(f"{'reader':<16} {'seconds':>8} {'inputs':>9} {'distinct failures':>18}")
    for result in report["results"]:
        print(f"{result['reader']:<16} {result['seconds']:>8.0f} {result['inputs']:>9,} "
              f"{result['distinct_failures']:>18}")
        for key, count in result["failures"].items():
            print(f"    {count:>6} x {key}: {result['examples'][key]}")
    total = sum(result["inputs"] for result in report["results"])
    print(f"\n{total:,} inputs, {sum(r['distinct_failures'] for r in report['results'])} distinct failures")


ALL = ["config", "label_map", "numbers", "state", "index", "index_numbers", "keras", "weights_h5", "keep_best_state"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="fuzzing time per reader (default 30)")
    parser.add_argument("--readers", default=",".join(ALL), help=f"comma-separated (default all: {','.join(ALL)})")
    parser.add_argument("--seed", type=int, default=13, help="seed of the random buffers (default 13)")
    args = parser.parse_args(argv)
    readers = [name for name in args.readers.split(",") if name]
    return run_and_report("fuzz_readers", lambda: benchmark(readers, args.seconds, args.seed), print_table,
                          RESULTS_PATH)


if __name__ == "__main__":
    sys.exit(main())
