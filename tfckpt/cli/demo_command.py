"""``tfckpt demo``: the built-in end-to-end run on synthetic shapes (imports TensorFlow)."""

from __future__ import annotations

import argparse
import sys

from tfckpt.cli.inspect_render import render_text


EXIT_CODES = """exit codes:
  0  the run finished and every checkpoint it kept is whole
  1  a checkpoint it kept is not whole
  2  usage error, or an --out folder holding files the demo did not make
  3  a missing dependency (TensorFlow, faster-coco-eval) or an unreadable checkpoint
"""


def add_parser(commands, exit_codes_help: str) -> None:
    """Register ``demo`` (it has its own exit codes, so ``exit_codes_help`` is not used)."""
    parser = commands.add_parser(
        "demo", help="train a tiny detector with tfckpt's callbacks, inspect what was kept (needs TensorFlow)",
        description="Train a tiny detector on synthetic shapes (made on the fly; nothing is downloaded) with "
                    "COCOMetrics, BestCheckpoint on val_mAP, PeriodicCheckpoint and EarlyStoppingRestore, then "
                    "inspect the checkpoints kept and summarise the run. About two minutes on a CPU. "
                    "Needs TensorFlow and faster-coco-eval (pip install 'tfckpt[tensorflow,coco]').",
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="tfckpt-demo", help="folder to write (default: %(default)s)")
    parser.add_argument("--epochs", type=int, default=20, help="most epochs to train (default: %(default)s)")
    parser.add_argument("--train-images", type=int, default=1500, help="training images (default: %(default)s)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tfckpt.coco.backends import resolve_backend

    for name in ("epochs", "train_images"):
        if getattr(args, name) < 2:
            flag = "--" + name.replace("_", "-")
            print(f"tfckpt: error: {flag} must be at least 2 (received {getattr(args, name)})", file=sys.stderr)
            return 2
    _require_tensorflow()
    resolve_backend()  # no COCO evaluator: one line with the fix, before TensorFlow is even imported
    from tfckpt.demo.run import prepare_out_dir, run_demo, summary_lines

    if prepare_out_dir(args.out):  # anything but an earlier demo run there: refused before TensorFlow loads
        print(f"-- Removed the earlier demo run in {args.out}")

    result = run_demo(args.out, epochs=args.epochs, train_images=args.train_images)
    for report in result.reports:
        print(f"-- tfckpt inspect {report.path}")
        sys.stdout.write(render_text(report))
    print("-- Summary")
    for line in summary_lines(result):
        print("   " + line)
    return max(report.exit_code for report in result.reports)


def _require_tensorflow() -> None:
    """Without TensorFlow, one error naming everything the demo needs (it needs a COCO evaluator too)."""
    import importlib.util

    from tfckpt.errors import MissingDependencyError

    if importlib.util.find_spec("tensorflow") is None:
        raise MissingDependencyError("", f"tfckpt demo trains a Keras model and needs TensorFlow, which is not "
                                         f"installed in this Python ({sys.executable})",
                                     "install it with pip install 'tfckpt[tensorflow,coco]'")
