"""Entry point of the ``tfckpt`` command.

Each command has its own exit codes (in its ``--help``); errors are one line on stderr, never a
traceback, and under ``--json`` also one JSON object on stdout.

Example:
    >>> main(["inspect", "--help"])  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import sys

from tfckpt import __version__
from tfckpt.cli import demo_command, diff_command, inspect_command, validate_command
from tfckpt.cli import keep_best_command
from tfckpt.cli.json_error import report_error
from tfckpt.errors import TfckptError

DESCRIPTION = """Checkpoint tools for TensorFlow, the Object Detection API and Model Garden.

inspect, validate, diff and keep-best never import TensorFlow."""

TOP_EPILOG = """exit codes: each command has its own; see tfckpt COMMAND --help
  (2 is always a usage error)
"""

EXIT_CODES_HELP = """exit codes:
  0  every checkpoint is whole
  1  findings: something is incomplete or unusable (missing or short data, checksum mismatch,
     state file disagreeing with the disk, TF1 checkpoint)
  2  usage error
  3  unreadable input (no checkpoint at PATH, damaged index or state file, no permission)
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tfckpt",
        description=DESCRIPTION,
        epilog=TOP_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"tfckpt {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    commands.required = True
    for command in (inspect_command, validate_command, diff_command, keep_best_command, demo_command):
        command.add_parser(commands, EXIT_CODES_HELP)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default ``sys.argv[1:]``); returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_request:  # --help, --version, or a usage error (code 2)
        return int(exit_request.code or 0)
    try:
        return args.run(args)
    except TfckptError as err:
        return report_error(args, err.message, err.exit_code)
    except KeyboardInterrupt:
        print("tfckpt: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `tfckpt inspect ... | head`
        return 0


def main_exit() -> None:
    """Console-script entry: ``sys.exit(main())``."""
    sys.exit(main())
