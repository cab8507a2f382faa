"""``tfckpt demo``: the built-in end-to-end run on synthetic data (imports TensorFlow)."""

from __future__ import annotations

import argparse
import sys

from tfckpt.cli.inspect_render import render_text


def add_parser(commands, exit_codes_help: str) -> None:
    parser = commands.add_parser(
        "demo", help="train a tiny model with tfckpt's callbacks, resume it, inspect the checkpoints",
        description="Train a tiny Keras model on synthetic data with BestCheckpoint and PeriodicCheckpoint, "
                    "stop half-way as a lost session would, resume, and inspect both folders. "
                    "Needs TensorFlow; downloads nothing.",
        epilog=exit_codes_help, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="tfckpt-demo", help="folder to write (default: %(default)s)")
    parser.add_argument("--epochs", type=int, default=6, help="epochs to train in all (default: %(default)s)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tfckpt.demo.run import run_demo

    if args.epochs < 2:
        print(f"tfckpt: error: --epochs must be at least 2 (received {args.epochs})", file=sys.stderr)
        return 2
    reports = run_demo(args.out, epochs=args.epochs)
    for report in reports:
        print(f"-- tfckpt inspect {report.path}")
        sys.stdout.write(render_text(report))
    return max(report.exit_code for report in reports)
