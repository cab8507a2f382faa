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
from tfckpt.validate.findings import ERROR, INFO, WARNING, Finding
from tfckpt.validate.inputs import CheckpointTarget, ValidationInput
from tfckpt.validate.wording import at, named, where_to_fix

_FROM_CWD = "relative paths are resolved from the folder model_main_tf2 runs in"
_DATA_IDS = {"missing-data": "checkpoint-data-missing", "truncated-data": "checkpoint-data-truncated",
             "checksum-mismatch": "checkpoint-checksum-mismatch"}
_DATA_FAILURES = {"missing-data": "No such file or directory", "truncated-data": "Read less bytes than requested",
                  "checksum-mismatch": "DataLossError: Checksum does not match"}


def _targets(data: ValidationInput) -> List[CheckpointTarget]:
    found = [data.fine_tune, data.model_dir.checkpoint if data.model_dir else None]
    return [target for target in found if target is not None]


def _relative_hint(config_folder_spelling: str) -> str:
    return (f'it exists relative to the config\'s folder: write "{config_folder_spelling}", or run '
            f"model_main_tf2 from the config's folder ({_FROM_CWD})")


def checkpoint_not_checked(data: ValidationInput) -> List[Finding]:
    """A ``gs://`` checkpoint is not read (that needs TensorFlow)."""
    return [Finding("checkpoint-not-checked", INFO, f"{named(target)} is not checked: {target.not_checked}",
                    *where_to_fix(data.config, target), "check it with: tfckpt inspect " + target.given)
            for target in _targets(data) if target.not_checked]


def checkpoint_not_found(data: ValidationInput) -> List[Finding]:
    """No checkpoint where the config points (or its index does not decode): the restore fails."""
    findings = []
    for target in _targets(data):
        file, line = where_to_fix(data.config, target)
        if target.relative_to_config:
            findings.append(Finding("checkpoint-not-found", ERROR,
                                    f"{named(target)} does not exist from the working directory: model_main_tf2 "
                                    "fails to restore it", file, line, _relative_hint(target.relative_to_config)))
        elif target.problem is not None:
            problem = target.problem
            detail = problem.message if problem.file.rstrip("/") in (target.given.rstrip("/"), target.prefix) \
                else f"{problem.file}: {problem.message}"
            fix = problem.fix
            if fix == "check the path" and not os.path.isabs(target.given):
                fix += f" ({_FROM_CWD})"
            findings.append(Finding(problem.code, ERROR, f"{named(target)}: {detail}", file, line, fix))
    return findings


def checkpoint_is_directory(data: ValidationInput) -> List[Finding]:
    """``fine_tune_checkpoint`` names a folder: listing works, the restore does not."""
    target = data.fine_tune
    if target is None or not target.from_config or not target.from_directory or target.prefix is None:
        return []
    return [at(data.config, "checkpoint-is-directory", ERROR,
               f'{named(target)} is a directory, not a checkpoint prefix: model_main_tf2 lists its variables, then '
               f'the restore fails ("Unable to open table file {target.given}: ... Is a directory")',
               f'write fine_tune_checkpoint: "{target.prefix}" (its latest checkpoint)', target.located)]


def checkpoint_names_file(data: ValidationInput) -> List[Finding]:
    """``fine_tune_checkpoint`` names ``ckpt-0.index``: TensorFlow reads it as an empty TF1 checkpoint."""
    target = data.fine_tune
    if target is None or not target.from_config or not target.names_file or target.prefix is None:
        return []
    return [at(data.config, "checkpoint-names-file", ERROR,
               f"{named(target)} names a file of the checkpoint, not its prefix: TensorFlow reads it as an empty TF1 "
               'checkpoint and model_main_tf2 fails ("Checkpoint is expected to be an object-based checkpoint")',
               f'write fine_tune_checkpoint: "{target.prefix}"', target.located)]


def checkpoint_incomplete(data: ValidationInput) -> List[Finding]:
    """A data shard is missing, short or damaged: early checks pass, the restore fails."""
    findings = []
    for target in _targets(data):
        for problem in target.summary.problems if target.summary else ():
            if problem.severity != ERROR:
                continue
            failure = _DATA_FAILURES.get(problem.code, "the restore fails")
            findings.append(Finding(
                _DATA_IDS.get(problem.code, problem.code), ERROR,
                f"{problem.message}: tf.train.list_variables still works, but restoring {target.prefix} fails "
                f'("{failure}")', problem.file, None, problem.fix))
    return findings


def tf1_checkpoint(data: ValidationInput) -> List[Finding]:
    """A TF1 name-based checkpoint (no object graph) under model_main_tf2."""
    return [Finding("tf1-checkpoint", ERROR,
                    f"{named(target)} is a TF1 name-based checkpoint (no object graph): model_main_tf2 refuses it "
                    '("Checkpoint is expected to be an object-based checkpoint")',
                    *where_to_fix(data.config, target),
                    "use a TF2 checkpoint (the TF2 model zoo has one for each model), or train it with the TF1 "
                    "model_main.py and a TF1 config")
            for target in _targets(data) if target.summary is not None and target.summary.kind == TF1]


def checkpoint_version(data: ValidationInput) -> List[Finding]:
    """``fine_tune_checkpoint_version`` must be V2 (the default is V1) whenever a fine-tune happens."""
    version = data.config.fine_tune_checkpoint_version
    if not data.fine_tunes or version.value == "V2":
        return []
    state = "is V1" if version.is_set else "is not set, and its default is V1"
    return [at(data.config, "checkpoint-version", ERROR,
               f'fine_tune_checkpoint_version {state}: model_main_tf2 refuses to fine-tune ("Checkpoint version '
               'should be V2")', "add fine_tune_checkpoint_version: V2 to train_config",
               version, data.config.fine_tune_checkpoint, data.config.get("train_config"))]


def checkpoint_not_in_config(data: ValidationInput) -> List[Finding]:
    """The CKPT given on the command line is not what the config restores."""
    target, written = data.fine_tune, data.config.fine_tune_checkpoint
    if target is None or target.from_config:
        return []
    suggested = target.prefix or target.given
    if not written.value:
        return [at(data.config, "checkpoint-not-in-config", INFO,
                   f"checked {suggested}, but the config has no fine_tune_checkpoint: training restores nothing",
                   f'add fine_tune_checkpoint: "{suggested}" to train_config', data.config.get("train_config"))]
    if os.path.normpath(written.value) in (os.path.normpath(target.given), os.path.normpath(suggested)):
        return []
    return [at(data.config, "checkpoint-not-in-config", INFO,
               f'checked {suggested}, but training restores fine_tune_checkpoint "{written.value}"',
               f'write fine_tune_checkpoint: "{suggested}" to train from what was checked', written)]


_MODEL_DIR_STATES = {
    "missing": (INFO, "does not exist: training starts there at step 0", ""),
    "empty": (INFO, "holds no checkpoint: training starts there at step 0", ""),
    "not-checked": (INFO, "is not checked: reading gs:// paths needs TensorFlow", ""),
}


def model_dir_state(data: ValidationInput) -> List[Finding]:
    """What ``--model-dir`` resumes from, when it is not simply its latest checkpoint."""
    model_dir = data.model_dir
    if model_dir is None or model_dir.state == "resume":
        return []
    if model_dir.state in _MODEL_DIR_STATES:
        severity, text, hint = _MODEL_DIR_STATES[model_dir.state]
        return [Finding(f"model-dir-{model_dir.state}", severity, f"--model-dir {model_dir.path} {text}",
                        model_dir.path, None, hint)]
    if model_dir.state == "unreadable-state":
        problem = model_dir.problem
        return [Finding("model-dir-state-unreadable", WARNING,
                        f"{problem.message}: model_main_tf2 may not resume from {model_dir.path}", problem.file, None,
                        problem.fix)]
    why = ("has no checkpoint state file" if model_dir.state == "no-state-file"
           else f'has a checkpoint state file naming "{model_dir.listed}", which is not there')
    return [Finding(f"model-dir-{model_dir.state}", WARNING,
                    f"--model-dir {model_dir.path} {why}: tf.train.latest_checkpoint finds nothing, so model_main_tf2 "
                    f"does not resume from {model_dir.on_disk} and starts again at step 0",
                    os.path.join(model_dir.path, "checkpoint"), None,
                    f'write a checkpoint state file with model_checkpoint_path: "{os.path.basename(model_dir.on_disk)}"'
                    " to resume")]


def _same_path_elsewhere(data: ValidationInput, located) -> str:
    """``"; the same path is on lines 149, 160"``: other readers that name this label map."""
    lines = [str(other.line) for other in data.config.label_map_paths
             if other.value == located.value and other.line is not None and other.line != located.line]
    return f"; the same path is on line{'s' if len(lines) > 1 else ''} {', '.join(lines)}" if lines else ""


def label_map_files(data: ValidationInput) -> List[Finding]:
    """Each label map exists, parses, and has sound ids and names."""
    findings = []
    for entry in data.label_maps:
        severity = ERROR if entry.used_for_training else WARNING
        consequence = "training fails when it builds its input" if entry.used_for_training else "evaluation fails"
        if entry.not_checked:
            findings.append(at(data.config, "label-map-not-checked", INFO,
                               f'label_map_path "{entry.located.value}" is not checked: {entry.not_checked}', "",
                               entry.located))
        elif entry.missing:
            findings.append(at(data.config, "label-map-missing", severity,
                               f'label_map_path "{entry.located.value}" does not exist: {consequence}',
                               f"check the path ({_FROM_CWD}){_same_path_elsewhere(data, entry.located)}",
                               entry.located))
        else:
            if entry.relative_to_config:
                findings.append(at(data.config, "label-map-missing", severity,
                                   f'label_map_path "{entry.located.value}" does not exist from the working '
                                   f"directory: {consequence}", _relative_hint(entry.relative_to_config),
                                   entry.located))
            findings += [Finding(f"label-map-{error.code}" if not error.code.startswith("label-map") else error.code,
                                 severity, error.problem, error.file, error.line or None, error.fix)
                         for error in entry.problems]
    return findings


def label_map_classes(data: ValidationInput) -> List[Finding]:
    """The label map's ids against ``num_classes``."""
    if data.config.num_classes is None:
        return []
    findings = []
    for entry in data.label_maps:
        problem = check_num_classes(entry.label_map, data.config.num_classes) if entry.label_map else None
        if problem is not None:
            severity = ERROR if problem.severity == ERROR else WARNING
            findings.append(Finding(problem.code, severity, problem.message, problem.file, None, problem.fix))
    return findings


def input_files(data: ValidationInput) -> List[Finding]:
    """Each ``input_path`` (a file or a glob) matches at least one file."""
    findings = []
    for entry in data.input_files:
        pattern = entry.located.value
        if entry.not_checked:
            findings.append(at(data.config, "input-not-checked", INFO,
                               f'input_path "{pattern}" is not checked: {entry.not_checked}', "", entry.located))
            continue
        if entry.matches:
            continue
        severity = ERROR if entry.used_for_training else WARNING
        consequence = ('training fails ("Did not find any input files matching the glob pattern")'
                       if entry.used_for_training else "evaluation fails")
        hint = _relative_hint(entry.relative_to_config) if entry.relative_to_config else f"check the path ({_FROM_CWD})"
        findings.append(at(data.config, "input-missing", severity, f'input_path "{pattern}" matches no file: '
                           f"{consequence}", hint, entry.located))
    return findings


def input_not_set(data: ValidationInput) -> List[Finding]:
    """A ``tf_record_input_reader`` in the train reader without any ``input_path``."""
    reader = data.config.get("train_input_reader.tf_record_input_reader")
    if data.config.train_input_paths or not reader.is_set:
        return []
    return [at(data.config, "input-not-set", ERROR,
               "train_input_reader.tf_record_input_reader has no input_path: training fails (\"At least one input "
               'path must be specified")', 'add input_path: "path/to/train.tfrecord" (globs such as '
               '"train-*.tfrecord" work)', reader)]


RULES = (checkpoint_not_checked, checkpoint_not_found, checkpoint_is_directory, checkpoint_names_file,
         checkpoint_incomplete, tf1_checkpoint, checkpoint_version, checkpoint_not_in_config, model_dir_state,
         label_map_files, label_map_classes, input_files, input_not_set)
