"""The one list of rules ``validate`` runs, in order, and the function that runs them.

A rule is a pure function ``(ValidationInput) -> list[Finding]``: it reads no file (everything is
gathered first, by :mod:`tfckpt.validate.gather`). A new check is one more function in one of the
``rules_*`` modules and one more entry in its ``RULES``, declared with
:func:`~tfckpt.validate.findings.emits`: the ids it emits and what each predicts (the run fails, a
silent loss, may go wrong, a note). The severity follows from that outcome, and a finding its rule
did not declare, or that predicts another outcome, is refused here.

Example:
    >>> len(RULES) == len(set(RULES))
    True
    >>> all(rule.outcomes for rule in RULES)
    True
"""

from __future__ import annotations

from typing import Callable, List, Sequence, Tuple

from tfckpt.validate import rules_config, rules_copies, rules_model, rules_paths, rules_restore
from tfckpt.validate.findings import Finding, declared_outcomes, severity_rank
from tfckpt.validate.inputs import ValidationInput

Rule = Callable[[ValidationInput], List[Finding]]

RULES: Tuple[Rule, ...] = (*rules_model.RULES, *rules_paths.RULES, *rules_restore.RULES, *rules_copies.RULES,
                           *rules_config.RULES)


def run_rules(data: ValidationInput, rules: Sequence[Rule] = RULES) -> Tuple[Finding, ...]:
    """Every finding of every rule, each once (a checkpoint both fine-tuned from and resumed gives
    its findings once): errors first, then warnings, then info. Within each, those about the config
    come first, by line; then those about other files, in rule order."""
    found = list(dict.fromkeys(_declared(rule, finding) for rule in rules for finding in rule(data)))

    def order(finding: Finding) -> tuple:
        in_config = finding.file == data.config.file
        return severity_rank(finding), not in_config, (finding.line or 0) if in_config else 0

    return tuple(sorted(found, key=order))


def _declared(rule: Rule, finding: Finding) -> Finding:
    """``finding``, once checked against what ``rule`` declares it emits."""
    if finding.outcome is None or finding.outcome not in declared_outcomes(rule, finding.id):
        raise AssertionError(f"tfckpt bug: rule {rule.__name__} emitted {finding.id!r} predicting "
                             f"{finding.outcome!r}, which it does not declare; please report it")
    return finding
