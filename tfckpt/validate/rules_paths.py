"""Rules about the files a run reads: the checkpoints, the ``--model-dir`` state, label maps and
input records. Each is a pure function of a :class:`ValidationInput`.

Example:
    >>> [rule.__name__ for rule in RULES][:3]
    ['checkpoint_not_checked', 'checkpoint_not_found', 'checkpoint_is_directory']
"""

from __future__ import annotations

import os
from typing import List

from tfckpt.checkpoint.summary import TF1
from tfckpt.pipeline import check_num_classes
from tfckpt.validate.findings import ERROR, MAY_GO_WRONG, NOTE, RUN_FAILS, SILENT_LOSS, Finding, emits, predicting
from tfckpt.validate.inputs import CheckpointTarget, ValidationInput
from tfckpt.validate.wording import at, named, where_to_fix

_FROM_CWD = "relative paths are resolved from the folder model_main_tf2 runs in"
_DATA_IDS = {"missing-data": "checkpoint-data-missing", "truncated-data": "checkpoint-data-truncated",
             "checksum-mismatch": "checkpoint-checksum-mismatch"}
_EVALUATION_FAILS = "evaluation fails"  # training goes on: a warning
_DUPLICATES = frozenset({"label-map-duplicate-id", "label-map-duplicate-name"})
# ids above num_classes are one-hot encoded as nothing: those classes are silently not learned
_CLASS_COUNT_OUTCOMES = {"label-map-exceeds-num-classes": SILENT_LOSS, "num-classes-exceeds-label-map": MAY_GO_WRONG}
_DATA_FAILURES = {"missing-data": "No such file or directory", "truncated-data": "Read less bytes than requested",
                  "checksum-mismatch": "DataLossError: Checksum does not match"}


def _targets(data: ValidationInput) -> List[CheckpointTarget]:
    found = [data.fine_tune, data.model_dir.checkpoint if data.model_dir else None]
    return [target for target in found if target is not None]


def _relative_hint(config_folder_spelling: str) -> str:
    return (f'it exists relative to the config\'s folder: write "{config_folder_spelling}", or run '
            f"model_main_tf2 from the config's folder ({_FROM_CWD})")


@emits({"checkpoint-not-checked": NOTE})
def checkpoint_not_checked(data: ValidationInput) -> List[Finding]:
    """A ``gs://`` checkpoint is not read (that needs TensorFlow)."""
    return [predicting("checkpoint-not-checked", NOTE, f"{named(target)} is not checked: {target.not_checked}",
                       *where_to_fix(data.config, target), "check it with: tfckpt inspect " + target.given)
            for target in _targets(data) if target.not_checked]


@emits({"checkpoint-not-found": RUN_FAILS, "checkpoint-unreadable": RUN_FAILS, "checkpoint-keras-file": RUN_FAILS})
def checkpoint_not_found(data: ValidationInput) -> List[Finding]:
    """No checkpoint where the config points (or its index does not decode): the restore fails."""
    findings = []
    for target in _targets(data):
        file, line = where_to_fix(data.config, target)
        if target.relative_to_config:
            findings.append(predicting("checkpoint-not-found", RUN_FAILS,
                                       f"{named(target)} does not exist from the working directory: model_main_tf2 "
                                       "fails to restore it", file, line, _relative_hint(target.relative_to_config)))
        elif target.problem is not None:
            problem = target.problem
            detail = problem.message if problem.file.rstrip("/") in (target.given.rstrip("/"), target.prefix) \
                else f"{problem.file}: {problem.message}"
            fix = problem.fix
            if fix == "check the path" and not os.path.isabs(target.given):
                fix += f" ({_FROM_CWD})"
            findings.append(predicting(problem.code, RUN_FAILS, f"{named(target)}: {detail}, so model_main_tf2 fails "
                                       "to restore it", file, line, fix))
    return findings


@emits({"checkpoint-is-directory": RUN_FAILS})
def checkpoint_is_directory(data: ValidationInput) -> List[Finding]:
    """``fine_tune_checkpoint`` names a folder: listing works, the restore does not."""
    target = data.fine_tune
    if target is None or not target.from_config or not target.from_directory or target.prefix is None:
        return []
    if target.zoo_folder:  # no state file there: TensorFlow finds no checkpoint before any restore
        return [at(data.config, "checkpoint-is-directory", RUN_FAILS,
                   f"{named(target)} is a model-zoo folder, not a checkpoint prefix: model_main_tf2 fails before "
                   f"restoring (\"ValueError: Couldn't find 'checkpoint' file or checkpoints in given directory "
                   f'{target.given}")', f'write fine_tune_checkpoint: "{target.prefix}" (the checkpoint in its '
                   "checkpoint/ sub-folder)", target.located)]
    return [at(data.config, "checkpoint-is-directory", RUN_FAILS,
               f'{named(target)} is a directory, not a checkpoint prefix: model_main_tf2 lists its variables, then '
               f'the restore fails ("Unable to open table file {target.given}: ... Is a directory")',
               f'write fine_tune_checkpoint: "{target.prefix}" (its latest checkpoint)', target.located)]


@emits({"checkpoint-names-file": RUN_FAILS})
def checkpoint_names_file(data: ValidationInput) -> List[Finding]:
    """``fine_tune_checkpoint`` names ``ckpt-0.index``: TensorFlow reads it as an empty TF1 checkpoint."""
    target = data.fine_tune
    if target is None or not target.from_config or not target.names_file or target.prefix is None:
        return []
    return [at(data.config, "checkpoint-names-file", RUN_FAILS,
               f"{named(target)} names a file of the checkpoint, not its prefix: TensorFlow reads it as an empty TF1 "
               'checkpoint and model_main_tf2 fails ("Checkpoint is expected to be an object-based checkpoint")',
               f'write fine_tune_checkpoint: "{target.prefix}"', target.located)]


@emits({"checkpoint-*": RUN_FAILS})
def checkpoint_incomplete(data: ValidationInput) -> List[Finding]:
    """A data shard is missing, short or damaged: early checks pass, the restore fails."""
    findings = []
    for target in _targets(data):
        for problem in target.summary.problems if target.summary else ():
            if problem.severity != ERROR:
                continue
            failure = _DATA_FAILURES.get(problem.code, "the restore fails")
            findings.append(predicting(
                _DATA_IDS.get(problem.code, "checkpoint-" + problem.code), RUN_FAILS,
                f"{problem.message}: tf.train.list_variables still works, but restoring {target.prefix} fails "
                f'("{failure}")', problem.file, None, problem.fix))
    return findings


@emits({"tf1-checkpoint": RUN_FAILS})
def tf1_checkpoint(data: ValidationInput) -> List[Finding]:
    """A TF1 name-based checkpoint (no object graph) under model_main_tf2."""
    return [predicting("tf1-checkpoint", RUN_FAILS,
                       f"{named(target)} is a TF1 name-based checkpoint (no object graph): model_main_tf2 refuses it "
                       '("Checkpoint is expected to be an object-based checkpoint")',
                       *where_to_fix(data.config, target),
                       "use a TF2 checkpoint (the TF2 model zoo has one for each model), or train it with the TF1 "
                       "model_main.py and a TF1 config")
            for target in _targets(data) if target.summary is not None and target.summary.kind == TF1]


@emits({"checkpoint-version": RUN_FAILS})
def checkpoint_version(data: ValidationInput) -> List[Finding]:
    """``fine_tune_checkpoint_version`` must be V2 (the default is V1) whenever a fine-tune happens."""
    version = data.config.fine_tune_checkpoint_version
    if not data.fine_tunes or version.value == "V2":
        return []
    state = "is V1" if version.is_set else "is not set, and its default is V1"
    return [at(data.config, "checkpoint-version", RUN_FAILS,
               f'fine_tune_checkpoint_version {state}: model_main_tf2 refuses to fine-tune ("Checkpoint version '
               'should be V2")',
               "change it to fine_tune_checkpoint_version: V2" if version.is_set
               else "add fine_tune_checkpoint_version: V2 to train_config",
               version, data.config.fine_tune_checkpoint, data.config.get("train_config"))]


@emits({"checkpoint-not-in-config": NOTE})
def checkpoint_not_in_config(data: ValidationInput) -> List[Finding]:
    """The CKPT given on the command line is not what the config restores."""
    target, written = data.fine_tune, data.config.fine_tune_checkpoint
    if target is None or target.from_config:
        return []
    suggested = target.prefix or target.given
    if not written.value:
        return [at(data.config, "checkpoint-not-in-config", NOTE,
                   f"checked {suggested}, but the config has no fine_tune_checkpoint: training restores nothing",
                   f'add fine_tune_checkpoint: "{suggested}" to train_config', data.config.get("train_config"))]
    if os.path.normpath(written.value) in (os.path.normpath(target.given), os.path.normpath(suggested)):
        return []
    return [at(data.config, "checkpoint-not-in-config", NOTE,
               f'checked {suggested}, but training restores fine_tune_checkpoint "{written.value}"',
               f'write fine_tune_checkpoint: "{suggested}" to train from what was checked', written)]


_MODEL_DIR_STATES = {
    "missing": (NOTE, "does not exist: training starts there at step 0", ""),
    "empty": (NOTE, "holds no checkpoint: training starts there at step 0", ""),
    "not-checked": (NOTE, "is not checked: reading gs:// paths needs TensorFlow", ""),
}


@emits({"model-dir-is-model-zoo": RUN_FAILS, "model-dir-missing": NOTE, "model-dir-empty": NOTE,
        "model-dir-not-checked": NOTE,
        "model-dir-state-unreadable": MAY_GO_WRONG, "model-dir-no-state-file": SILENT_LOSS,
        "model-dir-stale-state": SILENT_LOSS})
def model_dir_state(data: ValidationInput) -> List[Finding]:
    """What ``--model-dir`` resumes from, when it is not simply its latest checkpoint."""
    model_dir = data.model_dir
    if model_dir is None or model_dir.state == "resume":
        return []
    if model_dir.state == "zoo-folder":
        inside = os.path.join(model_dir.path, "checkpoint")
        zoo_checkpoint = model_dir.on_disk or os.path.join(inside, "ckpt-0")
        return [predicting("model-dir-is-model-zoo", RUN_FAILS,
                           f"--model-dir {model_dir.path} is an unpacked model-zoo folder: its sub-folder {inside}/ "
                           "stands where model_main_tf2 writes its checkpoint state file, so it ignores that folder "
                           f'and its first save fails ("FailedPreconditionError: {inside}.tmp...; Is a directory")',
                           inside, None, "give --model_dir a new, empty folder for this run, and put the model-zoo "
                           f'checkpoint in the config: fine_tune_checkpoint: "{zoo_checkpoint}"')]
    if model_dir.state in _MODEL_DIR_STATES:
        outcome, text, hint = _MODEL_DIR_STATES[model_dir.state]
        return [predicting(f"model-dir-{model_dir.state}", outcome, f"--model-dir {model_dir.path} {text}",
                           model_dir.path, None, hint)]
    if model_dir.state == "unreadable-state":
        problem = model_dir.problem
        return [predicting("model-dir-state-unreadable", MAY_GO_WRONG,
                           f"{problem.message}: model_main_tf2 may not resume from {model_dir.path}", problem.file,
                           None, problem.fix)]
    why = ("has no checkpoint state file" if model_dir.state == "no-state-file"
           else f'has a checkpoint state file naming "{model_dir.listed}", which is not there')
    return [predicting(f"model-dir-{model_dir.state}", SILENT_LOSS,
                       f"--model-dir {model_dir.path} {why}: tf.train.latest_checkpoint finds nothing, so "
                       f"model_main_tf2 does not resume from {model_dir.on_disk} and starts again at step 0",
                       os.path.join(model_dir.path, "checkpoint"), None,
                       "write a checkpoint state file with model_checkpoint_path: "
                       f'"{os.path.basename(model_dir.on_disk)}" to resume')]


def _same_path_elsewhere(data: ValidationInput, located) -> str:
    """``"; the same path is on lines 149, 160"``: other readers that name this label map."""
    lines = [str(other.line) for other in data.config.label_map_paths
             if other.value == located.value and other.line is not None and other.line != located.line]
    return f"; the same path is on line{'s' if len(lines) > 1 else ''} {', '.join(lines)}" if lines else ""


def _label_map_id(code: str) -> str:
    return code if code.startswith("label-map") else f"label-map-{code}"


def _label_map_outcome(code: str, unreadable: str) -> str:
    """A label map that does not load stops the run (or its evaluation); a duplicate id or name
    does not: the OD API keeps one of them, and the other class is lost without a word."""
    return SILENT_LOSS if code in _DUPLICATES else unreadable


@emits({"label-map-not-checked": NOTE, "label-map-missing": (RUN_FAILS, MAY_GO_WRONG),
        "label-map-duplicate-id": SILENT_LOSS, "label-map-duplicate-name": SILENT_LOSS,
        "label-map-*": (RUN_FAILS, MAY_GO_WRONG)})
def label_map_files(data: ValidationInput) -> List[Finding]:
    """Each label map exists, parses, and has sound ids and names."""
    findings = []
    for entry in data.label_maps:
        outcome = RUN_FAILS if entry.used_for_training else MAY_GO_WRONG
        consequence = "training fails when it builds its input" if entry.used_for_training else _EVALUATION_FAILS
        if entry.not_checked:
            findings.append(at(data.config, "label-map-not-checked", NOTE,
                               f'label_map_path "{entry.located.value}" is not checked: {entry.not_checked}', "",
                               entry.located))
        elif entry.missing:
            findings.append(at(data.config, "label-map-missing", outcome,
                               f'label_map_path "{entry.located.value}" does not exist: {consequence}',
                               f"check the path ({_FROM_CWD}){_same_path_elsewhere(data, entry.located)}",
                               entry.located))
        else:
            if entry.relative_to_config:
                findings.append(at(data.config, "label-map-missing", outcome,
                                   f'label_map_path "{entry.located.value}" does not exist from the working '
                                   f"directory: {consequence}", _relative_hint(entry.relative_to_config),
                                   entry.located))
            findings += [predicting(_label_map_id(error.code), _label_map_outcome(error.code, outcome), error.problem,
                                    error.file, error.line or None, error.fix)
                         for error in entry.problems]
    return findings


@emits({"label-map-exceeds-num-classes": SILENT_LOSS, "num-classes-exceeds-label-map": MAY_GO_WRONG})
def label_map_classes(data: ValidationInput) -> List[Finding]:
    """The label map's ids against ``num_classes``."""
    if data.config.num_classes is None:
        return []
    findings = []
    for entry in data.label_maps:
        problem = check_num_classes(entry.label_map, data.config.num_classes) if entry.label_map else None
        if problem is not None:
            findings.append(predicting(problem.code, _CLASS_COUNT_OUTCOMES[problem.code], problem.message,
                                       problem.file, None, problem.fix))
    return findings


@emits({"input-not-checked": NOTE, "input-missing": (RUN_FAILS, MAY_GO_WRONG)})
def input_files(data: ValidationInput) -> List[Finding]:
    """Each ``input_path`` (a file or a glob) matches at least one file."""
    findings = []
    for entry in data.input_files:
        pattern = entry.located.value
        if entry.not_checked:
            findings.append(at(data.config, "input-not-checked", NOTE,
                               f'input_path "{pattern}" is not checked: {entry.not_checked}', "", entry.located))
            continue
        if entry.matches:
            continue
        outcome = RUN_FAILS if entry.used_for_training else MAY_GO_WRONG
        consequence = ('training fails ("Did not find any input files matching the glob pattern")'
                       if entry.used_for_training else _EVALUATION_FAILS)
        hint = _relative_hint(entry.relative_to_config) if entry.relative_to_config else f"check the path ({_FROM_CWD})"
        findings.append(at(data.config, "input-missing", outcome, f'input_path "{pattern}" matches no file: '
                           f"{consequence}", hint, entry.located))
    return findings


@emits({"input-not-set": RUN_FAILS})
def input_not_set(data: ValidationInput) -> List[Finding]:
    """A ``tf_record_input_reader`` in the train reader without any ``input_path``."""
    reader = data.config.get("train_input_reader.tf_record_input_reader")
    if data.config.train_input_paths or not reader.is_set:
        return []
    return [at(data.config, "input-not-set", RUN_FAILS,
               "train_input_reader.tf_record_input_reader has no input_path: training fails (\"At least one input "
               'path must be specified")', 'add input_path: "path/to/train.tfrecord" (globs such as '
               '"train-*.tfrecord" work)', reader)]


RULES = (checkpoint_not_checked, checkpoint_not_found, checkpoint_is_directory, checkpoint_names_file,
         checkpoint_incomplete, tf1_checkpoint, checkpoint_version, checkpoint_not_in_config, model_dir_state,
         label_map_files, label_map_classes, input_files, input_not_set)
