"""``tfckpt validate CONFIG [CKPT] [--model-dir DIR]``: will this config train and restore?"""

from __future__ import annotations

import argparse
import sys

from tfckpt.cli.validate_render import render_json, render_text, use_colour
from tfckpt.pipeline.errors import ConfigError
from tfckpt.validate.api import validate

DESCRIPTION = """Predict, in well under a second and without TensorFlow, what model_main_tf2 would do with
CONFIG: whether the fine-tune checkpoint fits the model (meta-architecture, feature extractor, class
count, fine_tune_checkpoint_type), whether the checkpoint, label maps and input files are there and
whole, and which field combinations fail model building. Each finding names the config line and the fix.

CKPT (a checkpoint prefix, or a folder: its latest checkpoint) is checked instead of the config's
fine_tune_checkpoint. --model-dir checks a resume from that folder's latest checkpoint, as
model_main_tf2 --model_dir would. Relative paths in CONFIG are resolved from the working directory,
as model_main_tf2 resolves them: run validate from where you run training.

A Model Garden experiment YAML (CONFIG ending in .yaml) is checked the same way against what
official/vision/train.py would do: the params.yaml train.py writes into model_dir (complete), or
your override file with --experiment NAME, merged onto that experiment's defaults. The restore of
task.init_checkpoint (or CKPT) is predicted, and a params.yaml's folder is its model_dir."""

EXAMPLES = """examples:
  tfckpt validate models/frcnn/pipeline.config
  tfckpt validate pipeline.config pretrained/faster_rcnn/checkpoint/ckpt-0
  tfckpt validate pipeline.config --model-dir runs/frcnn
  tfckpt validate pipeline.config --json | jq '.findings[] | select(.severity == "error")'
  tfckpt validate runs/retinanet/params.yaml
  tfckpt validate my_retinanet.yaml pretrained/retinanet/ckpt-1000 --experiment retinanet_resnetfpn_coco
"""

EXIT_CODES = """exit codes:
  0  no errors (warnings and info allowed)
  1  errors: training or the restore would fail (a checkpoint or file the config names that is
     missing or broken is an error too)
  2  usage error
  3  the config itself cannot be read or does not parse
"""


def add_parser(commands, exit_codes_help: str) -> None:
    """Register ``validate`` (it has its own exit codes, so ``exit_codes_help`` is not used)."""
    parser = commands.add_parser(
        "validate", help="check a pipeline.config (or Model Garden experiment YAML) and its checkpoint before "
                         "training",
        description=DESCRIPTION, epilog=EXAMPLES + "\n" + EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("config", metavar="CONFIG", help="the pipeline.config file")
    parser.add_argument("checkpoint", metavar="CKPT", nargs="?", default=None,
                        help="checkpoint prefix or folder to check instead of the config's fine_tune_checkpoint")
    parser.add_argument("--model-dir", metavar="DIR", default=None,
                        help="also check resuming from DIR's latest checkpoint (model_main_tf2 --model_dir)")
    parser.add_argument("--config-only", action="store_true",
                        help="check the config alone, reading no checkpoint, label map or input file "
                             "(for templates whose paths are placeholders)")
    parser.add_argument("--json", action="store_true",
                        help='print {"schema_version": 1, "ok": ..., "findings": [...]} on stdout')
    parser.add_argument("--experiment", metavar="NAME", default=None,
                        help="Model Garden: CONFIG is an override file for experiment NAME (e.g. "
                             "retinanet_resnetfpn_coco), merged onto its defaults as train.py --experiment does")
    parser.set_defaults(run=run)


def _validate(args: argparse.Namespace):
    """The report for CONFIG: a Model Garden experiment YAML or a pipeline.config (told apart by
    :func:`tfckpt.config_kind.config_kind`); None after a usage error."""
    from tfckpt.config_kind import EXPERIMENT, config_kind

    if config_kind(args.config) == EXPERIMENT:
        from tfckpt.modelgarden.experiments import load_experiment
        from tfckpt.modelgarden.validate import validate_experiment

        if args.experiment:
            try:
                load_experiment(args.experiment)
            except ConfigError as error:  # a wrong name on the command line is a usage error
                print(f"tfckpt: error: {error}", file=sys.stderr)
                return None

        return validate_experiment(args.config, args.checkpoint, args.model_dir, args.experiment, args.config_only)
    if args.experiment:
        print("tfckpt: error: --experiment is for Model Garden experiment YAML files; CONFIG is a pipeline.config",
              file=sys.stderr)
        return None
    return validate(args.config, args.checkpoint, args.model_dir, config_only=args.config_only)


def run(args: argparse.Namespace) -> int:
    if args.config_only and (args.checkpoint or args.model_dir):
        print("tfckpt: error: --config-only reads no checkpoint; leave out CKPT and --model-dir", file=sys.stderr)
        return 2
    report = _validate(args)
    if report is None:
        return 2
    if args.json:
        sys.stdout.write(render_json(report))
        sys.stdout.flush()
    else:
        sys.stderr.write(render_text(report, colour=use_colour(sys.stderr)))
        sys.stderr.flush()
    return report.exit_code
