"""Severity follows the predicted outcome, for every registered rule and every finding id it emits.

Each rule declares (``@emits``) the ids it emits and what each predicts; the severity is derived
from that. Three properties keep the declarations honest:

1. statically, every ``at(...)``/``predicting(...)`` call a rule makes (in its own body or a helper
   of its module it calls) names a declared id with a declared outcome, and every declared id is
   emitted somewhere;
2. the wording of each such call agrees with its outcome: a message that says the run fails is a
   ``run fails`` finding (an error), and a ``run fails`` message says how it fails;
3. at run time, over real inputs, ``run_rules`` refuses undeclared findings (so every other validate
   test checks the declarations too), and every finding's wording agrees with its severity.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import pytest

from tfckpt.validate import RULES, validate
from tfckpt.validate import findings as findings_module
from tfckpt.validate.findings import OUTCOMES, RUN_FAILS, SEVERITY_OF_OUTCOME, Finding, declared_outcomes, emits
from tfckpt.validate.registry import run_rules

from validate_helpers import CKPT2

EMITTERS = {"at": (1, 2, 3), "predicting": (0, 1, 2)}  # call -> positions of id, outcome, message
# a failure the message claims for the run itself; hedged or elsewhere claims are removed first
FAILURE = re.compile(r"\b(fails?|failing|refuses?|will stop|cannot build)\b")
HEDGED = re.compile(r"(evaluation fails|fails if|fail if|may (not )?\w+|expected to fail|could fail)")
HOW_IT_FAILS = re.compile(r"\b(fails?|refuses?|stop|Error)\b")
PIPELINE_DATA = Path(__file__).resolve().parents[1] / "data" / "pipeline"


def _module_functions(module) -> Dict[str, ast.FunctionDef]:
    tree = ast.parse(textwrap.dedent(inspect.getsource(module)))
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def _reached(rule) -> List[ast.FunctionDef]:
    """The rule's own definition and the module functions it calls, transitively."""
    functions = _module_functions(inspect.getmodule(rule))
    seen, todo = [], [rule.__name__]
    while todo:
        name = todo.pop()
        if name in seen or name not in functions:
            continue
        seen.append(name)
        todo += [node.func.id for node in ast.walk(functions[name])
                 if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)]
    return [functions[name] for name in seen]


def _outcome_names(node: ast.expr) -> Optional[List[str]]:
    """The outcome constants an argument can be; None when it is computed elsewhere."""
    if isinstance(node, ast.Name) and hasattr(findings_module, node.id) \
            and getattr(findings_module, node.id) in OUTCOMES:
        return [getattr(findings_module, node.id)]
    if isinstance(node, ast.IfExp):
        body, orelse = _outcome_names(node.body), _outcome_names(node.orelse)
        return body + orelse if body is not None and orelse is not None else None
    return None


def _text(node: ast.expr) -> Optional[str]:
    """The literal text of a message argument (f-string holes as ``{}``); None when computed."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _text(node.left), _text(node.right)
        return left + right if left is not None and right is not None else None
    return None


def emitted(rule) -> Iterator[Tuple[Optional[str], Optional[List[str]], Optional[str]]]:
    """``(id, outcomes, message text)`` of every emitting call the rule reaches; parts that are
    computed, not written, are None (an f-string id comes back as a ``*`` pattern)."""
    for function in _reached(rule):
        for node in ast.walk(function):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in EMITTERS):
                continue
            id_at, outcome_at, message_at = EMITTERS[node.func.id]
            args = node.args
            if len(args) <= message_at:
                continue
            finding_id = _text(args[id_at])
            if finding_id is not None and "{}" in finding_id:
                finding_id = finding_id[:finding_id.index("{}")] + "*"
            yield finding_id, _outcome_names(args[outcome_at]), _text(args[message_at])


def claims_failure(message: str) -> bool:
    return bool(FAILURE.search(HEDGED.sub("", message)))


RULE_IDS = [rule.__name__ for rule in RULES]


def test_outcomes_are_four_and_each_has_one_severity():
    assert set(SEVERITY_OF_OUTCOME) == set(OUTCOMES) and SEVERITY_OF_OUTCOME[RUN_FAILS] == "error"
    with pytest.raises(ValueError):
        Finding("x", "warning", "training fails", None, None, "", RUN_FAILS)
    with pytest.raises(ValueError):
        emits({"x": "fails somewhat"})


@pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
def test_every_rule_declares_what_each_of_its_findings_predicts(rule):
    assert rule.outcomes, f"{rule.__name__} declares no finding"
    for finding_id, outcomes in rule.outcomes.items():
        assert outcomes and outcomes <= set(OUTCOMES), finding_id


@pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
def test_every_finding_a_rule_writes_is_declared_with_its_outcome(rule):
    calls = list(emitted(rule))
    assert calls, f"{rule.__name__} emits nothing tfckpt can see"
    written = set()
    for finding_id, outcomes, _ in calls:
        if finding_id is None:
            continue  # a code passed through from a reader: covered by a "*" declaration at run time
        written.add(finding_id)
        declared = declared_outcomes(rule, finding_id) if not finding_id.endswith("*") else \
            frozenset().union(*(o for key, o in rule.outcomes.items() if key.startswith(finding_id[:-1])))
        assert declared, f"{rule.__name__} writes {finding_id!r} without declaring it"
        if outcomes is not None:
            assert set(outcomes) <= declared, (rule.__name__, finding_id, outcomes, declared)
    for declared_id in rule.outcomes:
        if declared_id.endswith("*"):
            continue
        assert declared_id in written or any(pattern.endswith("*") and declared_id.startswith(pattern[:-1])
                                             for pattern in written) or _passed_through(rule, declared_id), \
            f"{rule.__name__} declares {declared_id!r} but never writes it"


def _passed_through(rule, declared_id: str) -> bool:
    """Ids that reach a rule as data (a reader's problem code), named in its module's source."""
    return f'"{declared_id}"' in inspect.getsource(inspect.getmodule(rule)) or \
        f'"{declared_id}"' in _reader_sources()


def _reader_sources() -> str:
    import tfckpt.pipeline.label_map as label_map
    import tfckpt.validate.gather as gather
    return inspect.getsource(gather) + inspect.getsource(label_map)


@pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
def test_the_wording_of_every_finding_a_rule_writes_agrees_with_its_outcome(rule):
    for finding_id, outcomes, message in emitted(rule):
        if message is None or outcomes is None:
            continue
        for outcome in outcomes:
            if outcome == RUN_FAILS:
                assert HOW_IT_FAILS.search(message), (rule.__name__, finding_id, message)
            elif len(outcomes) == 1:
                assert not claims_failure(message), (rule.__name__, finding_id, outcome, message)


def test_run_rules_refuses_a_finding_its_rule_did_not_declare(workspace):
    from tfckpt.validate import gather
    from tfckpt.validate.findings import NOTE, predicting

    @emits({"declared": NOTE})
    def drifting(data):
        return [predicting("declared", RUN_FAILS, "the run fails", None, None)]

    with pytest.raises(AssertionError, match="does not declare"):
        run_rules(gather(workspace.config(CKPT2)), (drifting,))


def _wording_agrees(finding: Finding) -> bool:
    if finding.severity == "error":
        return bool(HOW_IT_FAILS.search(finding.message))
    return not claims_failure(finding.message)


IRV2_TYPE = "faster_rcnn_inception_resnet_v2_keras"


@pytest.mark.parametrize("replacements", [
    {}, CKPT2, {**CKPT2, '"detection"': '"full"'}, {**CKPT2, IRV2_TYPE: "faster_rcnn_inception_resnet_v2"},
    {**CKPT2, IRV2_TYPE: "faster_rcnn_resnet50_keras"},
    {**CKPT2, "data/train.tfrecord": "data/none-*.tfrecord"},
], ids=["ckpt-1", "clean", "full", "tf1-extractor", "other-extractor", "no-input"])
def test_every_finding_on_real_inputs_says_what_its_severity_says(workspace, replacements):
    for model_dir in (None, "ckpts/ssd_mobilenet_v2_90cls", "ckpts/frcnn_irv2_90cls_momentum"):
        report = validate(workspace.config(replacements), model_dir=model_dir)
        for finding in report.findings:
            assert finding.outcome is not None and SEVERITY_OF_OUTCOME[finding.outcome] == finding.severity
            assert _wording_agrees(finding), finding


@pytest.mark.parametrize("path", sorted(PIPELINE_DATA.glob("[rv]*/*.config")), ids=lambda path: path.stem)
def test_every_finding_on_the_real_configs_says_what_its_severity_says(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for config_only in (True, False):
        for finding in validate(path, config_only=config_only).findings:
            assert _wording_agrees(finding), finding
