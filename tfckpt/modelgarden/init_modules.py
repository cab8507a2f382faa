"""What ``task.init_checkpoint_modules`` makes a Model Garden task restore -- read as the task reads it.

``RetinaNetTask.initialize`` and ``MaskRCNNTask.initialize`` (tf-models-official) restore the whole
model when the value *equals* the string ``'all'``; otherwise the backbone when ``'backbone' in
value`` and the decoder when ``'decoder' in value``. On a string that is a substring test, so
``'backbones'`` still restores the backbone and ``'Backbone'`` restores nothing, with no error. On a
list it is membership, so ``['backbone', 'decoder']`` works, ``['all']`` restores nothing (it is not
the string ``'all'``) and ``['backbones']`` restores nothing either.

Example:
    >>> modules_restored("all"), modules_restored(["backbone", "decoder"]), modules_restored("Backbone")
    (('all',), ('backbone', 'decoder'), ())
    >>> modules_restored("backbones"), is_exact("backbones"), modules_restored(["all"])
    (('backbone',), False, ())
"""

from __future__ import annotations

from typing import Sequence, Tuple, Union

ALL, BACKBONE, DECODER = "all", "backbone", "decoder"
VALID = (ALL, BACKBONE, DECODER)

Modules = Union[str, Sequence[object]]


def modules_restored(value: Modules) -> Tuple[str, ...]:
    """``("all",)``, or the parts among ``("backbone", "decoder")`` the task restores; ``()`` for none."""
    if value == ALL:
        return (ALL,)
    if isinstance(value, str):
        return tuple(part for part in (BACKBONE, DECODER) if part in value)
    return tuple(part for part in (BACKBONE, DECODER) if part in list(value))


def is_exact(value: object) -> bool:
    """True for a value written as one of ``all``, ``backbone``, ``decoder``."""
    return isinstance(value, str) and value in VALID


def describe(parts: Tuple[str, ...]) -> str:
    """``"the whole model"``, ``"the backbone and the decoder"``, ``"nothing"``."""
    if parts == (ALL,):
        return "the whole model"
    return " and ".join(f"the {part}" for part in parts) or "nothing"
