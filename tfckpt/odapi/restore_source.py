"""Interpret the source of an OD API copy's ``CenterNetMetaArch.restore_from_objects``.

Its ``if``/``elif`` chain on ``fine_tune_checkpoint_type`` is read: for each type compared, does its
branch raise, return ``{"model": ...}`` or return ``{"feature_extractor": ...}``; the last ``else``
covers the types not compared. ``detection`` binding ``model`` is today's code; ``fine_tune``
binding ``model`` while ``detection`` does not is the 2020 code. Loaded only when a copy is installed.

Example:
    >>> source = '''
    ... class CenterNetMetaArch:
    ...   def restore_from_objects(self, fine_tune_checkpoint_type="detection"):
    ...     if fine_tune_checkpoint_type == "detection":
    ...       return {"model": Holder(_feature_extractor=self._feature_extractor)}
    ...     elif fine_tune_checkpoint_type == "fine_tune":
    ...       raise ValueError("no longer supported")
    ...     return {"model": self}
    ... '''
    >>> sorted(branch_targets(source).items())
    [('*', 'model'), ('detection', 'model'), ('fine_tune', 'raises')]
    >>> generation_of(branch_targets(source))
    'current'
"""

from __future__ import annotations

import ast
from typing import Dict, List, Optional

from tfckpt.odapi.restore_rules import CURRENT, DETECTION, FINE_TUNE, LEGACY

CLASS_NAME, METHOD_NAME, ARGUMENT = "CenterNetMetaArch", "restore_from_objects", "fine_tune_checkpoint_type"
OTHERS = "*"  # the types no branch compares
MODEL, FEATURE_EXTRACTOR, RAISES = "model", "feature_extractor", "raises"


def _branch_target(body: List[ast.stmt]) -> Optional[str]:
    """``"raises"``, or the root key of the dict a branch returns; None when neither is seen."""
    for node in (child for statement in body for child in ast.walk(statement)):
        if isinstance(node, ast.Raise):
            return RAISES
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Dict):
            keys = [key.value for key in node.value.keys if isinstance(key, ast.Constant)]
            if keys:
                return str(keys[0])
    return None


def _compared_types(test: ast.expr) -> List[str]:
    """The types an ``if`` test picks: ``type == "x"`` or ``type in ("x", "y")``."""
    if not (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == ARGUMENT
            and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Eq, ast.In))):
        return []
    right = test.comparators[0]
    values = right.elts if isinstance(right, (ast.Tuple, ast.List, ast.Set)) else [right]
    return [value.value for value in values if isinstance(value, ast.Constant) and isinstance(value.value, str)]


def _method(tree: ast.Module) -> Optional[ast.FunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == CLASS_NAME:
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == METHOD_NAME:
                    return item
    return None


def _walk(statements: List[ast.stmt], targets: Dict[str, str]) -> bool:
    """Reads an ``if``/``elif``/``else`` chain into ``targets``; True once a statement ends the method
    for the types not yet compared (a ``return`` or ``raise`` outside any comparison)."""
    for statement in statements:
        if isinstance(statement, ast.If):
            target = _branch_target(statement.body)
            for kind in _compared_types(statement.test):
                if target is not None:
                    targets.setdefault(kind, target)
            if _walk(statement.orelse, targets):  # elif / else; a guard without one falls through
                return True
        elif isinstance(statement, (ast.Return, ast.Raise)):
            target = _branch_target([statement])
            if target is not None:
                targets.setdefault(OTHERS, target)
            return True
    return False


def branch_targets(source: str) -> Dict[str, str]:
    """``{type: "model" | "feature_extractor" | "raises"}`` for each type the method compares,
    and ``"*"`` for the rest; empty when the method is not found or the source does not parse."""
    try:
        method = _method(ast.parse(source))
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # not Python tfckpt can read: no answer
        return {}
    if method is None:
        return {}
    targets: Dict[str, str] = {}
    _walk(method.body, targets)
    return targets


def generation_of(targets: Dict[str, str]) -> Optional[str]:
    """Today's code binds ``model`` for ``detection``; the 2020 code did so only for ``fine_tune``."""
    def target(kind: str) -> Optional[str]:
        return targets.get(kind, targets.get(OTHERS))

    if target(DETECTION) == MODEL:
        return CURRENT
    if target(FINE_TUNE) == MODEL:
        return LEGACY
    return None
