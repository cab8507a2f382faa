"""``tfckpt demo``: the built-in end-to-end run on synthetic data (imports TensorFlow)."""

from __future__ import annotations

import argparse
import sys

from tfckpt.cli.inspect_render import render_text


def add_parser(commands, exit_codes_help: str) -> None:
    parser = commands.add_parser(
        "demo", help="train a tiny model on synthetic data with checkpoints, then inspect them",
        description="Train a tiny Keras model on synthetic data, save a checkpoint each epoch, "
                    "and inspect the folder. Needs TensorFlow; downloads nothing.",
        epilog=exit_codes_help, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="tfckpt-demo", help="folder to write (default: %(default)s)")
    parser.add_argument("--epochs", type=int, default=3, help="epochs to train (default: %(default)s)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tfckpt.demo.run import run_demo

    if args.epochs < 1:
        print(f"tfckpt: error: --epochs must be at least 1 (received {args.epochs})", file=sys.stderr)
        return 2
    report = run_demo(args.out, epochs=args.epochs)
    sys.stdout.write(render_text(report))
    return report.exit_code
