"""``tfckpt inspect PATH``: which checkpoints are there, are they whole, what do they hold."""

from __future__ import annotations

import argparse
import sys

from tfckpt.checkpoint.inspect import inspect_path
from tfckpt.cli.inspect_render import render_json, render_text

DESCRIPTION = """Say which checkpoints are at PATH, whether each is whole, and what it holds.

PATH is a folder (all its checkpoints, and its `checkpoint` state file), a checkpoint prefix
(runs/a/ckpt-2), or a Keras .weights.h5 / .h5 / .keras file. Only the .index file and the
sizes of the data files are read, unless --deep is given."""

EXAMPLES = """examples:
  tfckpt inspect models/faster_rcnn/
  tfckpt inspect models/faster_rcnn/ckpt-2 --deep
  tfckpt inspect models/faster_rcnn/ckpt-2 --variables '*_class_prediction_head*'
  tfckpt inspect models/faster_rcnn/ --json | jq .latest
"""


def add_parser(commands, exit_codes_help: str) -> None:
    parser = commands.add_parser(
        "inspect", help="say what checkpoints are at PATH, whether each is whole, and what it holds",
        description=DESCRIPTION, epilog=EXAMPLES + "\n" + exit_codes_help,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", metavar="PATH", help="folder, checkpoint prefix, or Keras weights file")
    parser.add_argument("--deep", action="store_true",
                        help="also read every tensor and check its CRC-32C (reads all the data)")
    parser.add_argument("--variables", nargs="?", const="*", default=None, metavar="GLOB",
                        help="list tensor names, shapes and dtypes (of the latest checkpoint when PATH is a "
                             "folder), optionally only those matching GLOB")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    report = inspect_path(args.path, deep=args.deep)
    render = render_json if args.json else render_text
    text = render(report, args.variables, deep=args.deep)
    sys.stdout.write(text)
    sys.stdout.flush()
    return report.exit_code
