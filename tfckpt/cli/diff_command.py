"""``tfckpt diff A.config B.config``: what differs, by field path, and what each change does to a restore."""

from __future__ import annotations

import argparse
import os
import sys

from tfckpt.cli.json_error import report_error
from tfckpt.pipeline.errors import ConfigError

DESCRIPTION = """Compare two pipeline.config files by meaning, field path by field path, and say what each
change does to restoring a checkpoint trained with A under B: breaks the restore, breaks a full
restore, drops optimizer state on a --model_dir resume, heads start fresh, or harmless.
Two Model Garden experiment YAML files (params.yaml, or override files with --experiment NAME) are
compared the same way, the restore being B's task.initialize (init_checkpoint_modules).

Comments, formatting, field order and values written equal to their defaults do not count.
A oneof that switches (momentum_optimizer -> adam_optimizer) is one change."""

EXAMPLES = """examples:
  tfckpt diff model_zoo/pipeline.config my/pipeline.config
  tfckpt diff old.config new.config --json | jq '.changes[] | select(.effect != "harmless")'
"""

EXIT_CODES = """exit codes (as diff(1)):
  0  no differences
  1  differences
  2  trouble: a usage error, or a file that cannot be read or does not parse
"""


def add_parser(commands, exit_codes_help: str) -> None:
    """Register ``diff`` (``exit_codes_help`` is the other commands'; diff has its own)."""
    parser = commands.add_parser(
        "diff", help="compare two pipeline.config (or experiment YAML) files, and what each change does to a "
                     "restore",
        description=DESCRIPTION, epilog=EXAMPLES + "\n" + EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("a", metavar="A.config", help="the config a checkpoint was trained with")
    parser.add_argument("b", metavar="B.config", help="the config to compare with it (the one that will restore it)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("--experiment", metavar="NAME", default=None,
                        help="Model Garden: A and B are override files for experiment NAME (complete params.yaml "
                             "files need no NAME)")
    parser.set_defaults(run=run)


def _read_error(err: OSError) -> str:
    path = err.filename if err.filename is not None else "?"
    if isinstance(err, IsADirectoryError):
        inside = os.path.join(path, "pipeline.config")
        fix = f"pass {inside}" if os.path.isfile(inside) else "pass a pipeline.config file"
        return f"{path}: is a folder, not a config file; {fix}"
    if isinstance(err, FileNotFoundError):
        return f"{path}: no such file; pass the path of a pipeline.config"
    return f"{path}: cannot be read ({err.strerror or err}); check its permissions"


def _arrow() -> str:
    from tfckpt.cli.diff_render import ARROW, ASCII_ARROW

    try:
        ARROW.encode(sys.stdout.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return ASCII_ARROW
    return ARROW


def _diff(args: argparse.Namespace, diff_configs):
    """Pipeline configs or Model Garden experiment YAML files (told apart by :mod:`tfckpt.config_kind`)."""
    from tfckpt.config_kind import EXPERIMENT, config_kind

    kinds = {config_kind(args.a), config_kind(args.b)}
    if kinds == {EXPERIMENT}:
        from tfckpt.modelgarden.diff import diff_experiments

        return diff_experiments(args.a, args.b, args.experiment)
    if EXPERIMENT in kinds:
        raise ConfigError(args.b if config_kind(args.b) == EXPERIMENT else args.a, 0, 0,
                          "is a Model Garden experiment YAML and the other file a pipeline.config",
                          "compare two files of one kind", "mixed-kinds")
    if args.experiment:
        raise ConfigError(args.a, 0, 0, "--experiment is for Model Garden experiment YAML files",
                          "leave it out for pipeline.config files", "usage")
    return diff_configs(args.a, args.b)


def run(args: argparse.Namespace) -> int:
    from tfckpt.cli.diff_render import render_json, render_text  # deferred: other commands need not load diff
    from tfckpt.diff import diff_configs

    try:
        diff = _diff(args, diff_configs)
    except ConfigError as err:
        return report_error(args, err.message, 2)
    except OSError as err:
        return report_error(args, _read_error(err), 2)
    sys.stdout.write(render_json(diff) if args.json else render_text(diff, _arrow()))
    sys.stdout.flush()
    return diff.exit_code
