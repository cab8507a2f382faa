"""The real tf-models-official in tests: import it, or skip -- but only where it may be missing.

CI's TF 2.15.1 suite installs ``tf-models-official==2.15.0`` and sets ``TFCKPT_REQUIRE_MODELGARDEN=1``:
there a missing or broken library fails the test instead of skipping it.

Example:
    >>> official_vision()  # doctest: +SKIP
"""

from __future__ import annotations

import importlib.util
import os
import warnings
from pathlib import Path

import pytest

REQUIRE = "TFCKPT_REQUIRE_MODELGARDEN"
MAKER = Path(__file__).resolve().parent.parent / "data" / "modelgarden" / "make_checkpoints.py"


def official_vision():
    """``official.vision`` (its experiments registered), or a skip / a failure as above."""
    try:
        with warnings.catch_warnings():  # its dependencies warn at import time (google.api_core, ...)
            warnings.simplefilter("ignore")
            import official.vision as vision
    except ImportError as err:
        if os.environ.get(REQUIRE):
            pytest.fail(f"{REQUIRE} is set but tf-models-official does not import ({err}); "
                        "pip install tf-models-official==2.15.0 beside tensorflow==2.15.1")
        pytest.skip("tf-models-official is not installed (set TFCKPT_REQUIRE_MODELGARDEN=1 to require it)")
    return vision


def checkpoint_maker():
    """``tests/data/modelgarden/make_checkpoints.py`` as a module: the builders the test data came from."""
    official_vision()
    spec = importlib.util.spec_from_file_location("mg_make_checkpoints", MAKER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
