"""``tfckpt keep-best MODEL_DIR``: keep the best checkpoints of a model_main_tf2 or Model Garden run by eval mAP."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from typing import TYPE_CHECKING

from tfckpt.keep_best.options import DEFAULT_METRIC, FRAMEWORKS, KeepBestOptions
from tfckpt.modelgarden.layouts import DEFAULT_KEEP_BEST_METRIC as MODEL_GARDEN_METRIC

if TYPE_CHECKING:
    from tfckpt.keep_best.keeper import KeepBest
    from tfckpt.keep_best.report import KeepBestReport

DESCRIPTION = """Run beside model_main_tf2.py training and evaluation. Each new checkpoint in MODEL_DIR is
pinned at once (a hard link, free on a local disk; a copy on gs://), so the trainer's pruning
(checkpoint_max_to_keep, 7) cannot delete it before the evaluator scores it. Scores are read from
the evaluator's event files (MODEL_DIR/eval*/events.out.tfevents.*) and matched to checkpoints by
training step. The best --keep stay in --into, each whole, with a JSON record of its metrics and
a `checkpoint` state file, so tf.train.latest_checkpoint(INTO) and
`model_main_tf2.py --checkpoint_dir=INTO` use the best. Checkpoints the evaluator skipped are
reported. Nothing in MODEL_DIR is ever changed. Stop with Ctrl-C; a restart loses nothing.

TensorFlow Model Garden runs (official/vision/train.py, which keeps the last 5 checkpoints) are
told apart by their checkpoints (global_step beside backbone/decoder/head) or params.yaml: the
COCO metric AP is read from MODEL_DIR/validation/ and matched by global_step."""

EXAMPLES = """examples:
  tfckpt keep-best runs/frcnn
  tfckpt keep-best runs/frcnn --keep 5 --into runs/frcnn_best
  tfckpt keep-best runs/frcnn --metric Loss/total_loss --mode min
  tfckpt keep-best runs/retinanet --metric AP50          # a Model Garden run
  tfckpt keep-best gs://bucket/runs/frcnn --once          # from cron or CI
"""

EXIT_CODES = """exit codes:
  0  ran and stopped normally (Ctrl-C or SIGTERM included)
  2  usage error
  3  unreadable input (no MODEL_DIR, a damaged state file, an --into folder it did not make)
"""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def add_parser(commands, exit_codes_help: str) -> None:
    """Register ``keep-best`` (it has its own exit codes, so ``exit_codes_help`` is not used)."""
    parser = commands.add_parser(
        "keep-best", help="keep the best-mAP checkpoints of an OD API or Model Garden training run",
        description=DESCRIPTION, epilog=EXAMPLES + "\n" + EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir", metavar="MODEL_DIR", help="the --model_dir of model_main_tf2.py")
    parser.add_argument("--metric", default=None,
                        help=f"eval scalar to rank by (default {DEFAULT_METRIC} for the Object Detection API, "
                             f"{MODEL_GARDEN_METRIC} for Model Garden)")
    parser.add_argument("--framework", choices=FRAMEWORKS, default=None,
                        help="who trains into MODEL_DIR (default: told from its checkpoints and files)")
    parser.add_argument("--mode", choices=("max", "min"), default="max",
                        help="max: higher is better (default); min: for a loss")
    parser.add_argument("--keep", type=_positive_int, default=3, metavar="K", help="how many to keep (default 3)")
    parser.add_argument("--into", metavar="DIR", default=None, help="where to keep them (default MODEL_DIR/best)")
    parser.add_argument("--events", metavar="DIR", action="append", default=None,
                        help="folder of the evaluator's event files, when not MODEL_DIR/eval* "
                             "(Model Garden: MODEL_DIR/validation) (repeatable)")
    parser.add_argument("--once", action="store_true", help="process what is there now and exit")
    parser.add_argument("--poll", type=_seconds, default=1.0, metavar="SECONDS",
                        help="wait between looks while things change (default 1)")
    parser.add_argument("--max-poll", type=_seconds, default=30.0, metavar="SECONDS",
                        help="longest wait while nothing changes; the wait doubles up to it (default 30)")
    parser.add_argument("--json", action="store_true",
                        help='at exit, print {"schema_version": 1, "kept": [...], ...} on stdout')
    parser.set_defaults(run=run)


def _say(text: str) -> None:
    print(f"keep-best: {text}", file=sys.stderr, flush=True)


def _summary(report: KeepBestReport) -> str:
    if report.kept:
        best = report.kept[-1]
        text = (f"{len(report.kept)} kept in {report.into}; best {best['name']} (step {best['step']}, "
                f"{report.metric} {best['value']:.4f})")
    else:
        text = f"nothing kept yet in {report.into}"
    return text + f"; {len(report.pinned)} pinned, waiting for scores; {len(report.never_scored)} never scored"


def _no_events(keeper: KeepBest, events: list[str] | None) -> str:
    """Why nothing is scored when the evaluator has written nothing yet, and what to do."""
    if events:
        return (f"no evaluator event files (events.out.tfevents.*) in {', '.join(events)} yet: check that --events "
                "names the folder the evaluator writes to, and that the evaluator is running")
    defaults = keeper.defaults  # the framework's evaluator folder and command line
    return (f"no evaluator event files (events.out.tfevents.*) under {defaults.describe_events(keeper.model_dir)}/ "
            f"yet: start the evaluator ({defaults.evaluator.replace('MODEL_DIR', keeper.model_dir)}), or pass "
            "--events DIR where it writes them")


def _watch(keeper: KeepBest) -> KeepBestReport:
    """Poll until SIGINT or SIGTERM; the poll under way finishes first. A second Ctrl-C interrupts."""
    stop = threading.Event()

    def request_stop(signum, frame):
        stop.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        keeper.poll_once()  # errors in MODEL_DIR or INTO show before "watching"
        options = keeper.options
        metric = options.metric or "the framework's metric"
        _say(f"watching {keeper.model_dir}, keeping the best {options.keep} by {metric} ({options.mode}) "
             f"in {keeper.into}; Ctrl-C to stop")
        return keeper.run(stop)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run(args: argparse.Namespace) -> int:
    if args.max_poll < args.poll:
        print(f"tfckpt: error: --max-poll ({args.max_poll}) is shorter than --poll ({args.poll}); "
              "pass a --max-poll of at least --poll", file=sys.stderr)
        return 2
    options = KeepBestOptions(metric=args.metric, mode=args.mode, keep=args.keep, into=args.into,
                              events=tuple(args.events) if args.events else None,
                              min_poll=args.poll, max_poll=args.max_poll, framework=args.framework)
    from tfckpt.keep_best.keeper import KeepBest  # deferred: the other commands do not need it

    keeper = KeepBest(args.model_dir, options, on_notice=lambda notice: _say(notice.text))
    if args.once:
        keeper.poll_once()
        report = keeper.report()
    else:
        report = _watch(keeper)
        _say(f"stopped; state saved in {keeper.into}")
    _say(_summary(report))
    if keeper.results is not None and not keeper.results.files_seen:
        _say(_no_events(keeper, args.events))
    if args.json:
        sys.stdout.write(json.dumps(report.to_dict(), indent=2) + "\n")
        sys.stdout.flush()
    return 0
