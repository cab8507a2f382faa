"""Read Keras weight files without Keras: ``.weights.h5``, legacy ``.h5`` and ``.keras`` archives.

A ``.keras`` file is a zip holding ``config.json`` and ``model.weights.h5``; the others are HDF5.
Wholeness: the container opens (a cut-short file does not) and, with ``deep``, every dataset
reads back and every zip member matches its CRC.

Example:
    >>> contents = read_keras_file("best.weights.h5")  # doctest: +SKIP
    >>> contents.variables[0]  # doctest: +SKIP
    ('layers/dense/vars/0', (4, 3), 'float32')
"""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from dataclasses import dataclass, field

from tfckpt.checkpoint.problems import Problem
from tfckpt.errors import CorruptCheckpointError, MissingDependencyError, clip
from tfckpt.io.fs import FileSystem, filesystem_for

_WEIGHTS_MEMBER = "model.weights.h5"
_ITERATION_KEYS = ("optimizer/vars/0", "optimizer_weights/iteration:0")
_MOST_DEFLATE_RATIO = 1100  # deflate cannot expand data more than about 1,032 times
_MOST_JSON_BYTES = 64 << 20
_FIX = "the file is damaged or cut short; save it again, or copy it again from where it was saved"


@dataclass
class KerasFileContents:
    """What a Keras file holds: ``(name, shape, dtype)`` of each array, and what was found."""

    path: str
    kind: str  # "keras-archive" (.keras) or "keras-h5"
    variables: list[tuple[str, tuple[int, ...], str]] = field(default_factory=list)
    optimizer: str | None = None
    step: int | None = None
    keras_version: str | None = None
    problems: list[Problem] = field(default_factory=list)


def _h5py():
    try:
        import h5py
    except ImportError:
        raise MissingDependencyError("", "reading Keras .h5/.keras files needs h5py", "pip install h5py") from None
    return h5py


def _dict(value) -> dict:
    """``value`` when it is a JSON object; ``{}`` for anything else (a string, a list, null)."""
    return value if isinstance(value, dict) else {}


def _json_member(archive: zipfile.ZipFile, name: str) -> dict:
    """A JSON member of the archive, which Keras always writes as an object."""
    _check_member_size(archive.getinfo(name), _MOST_JSON_BYTES)
    value = json.loads(archive.read(name))
    if not isinstance(value, dict):
        raise ValueError(f"{name} holds a JSON {type(value).__name__}, not an object")
    return value


def _check_member_size(info: zipfile.ZipInfo, limit: int | None = None) -> None:
    """Refuse a member whose unpacked size no compressed size could give (or above ``limit``)."""
    if info.file_size > _MOST_DEFLATE_RATIO * info.compress_size + 4096 or (limit and info.file_size > limit):
        raise zipfile.BadZipFile(f"member {info.filename} claims {info.file_size:,} bytes from "
                                 f"{info.compress_size:,} compressed")


def _optimizer_from_config(config: dict | str | None) -> str | None:
    """``{"class_name": "SGD", "config": {"momentum": 0.9}}`` -> ``"momentum"``; ``"adam"`` -> ``"adam"``."""
    if isinstance(config, str):
        return config.lower()
    if not isinstance(config, dict):
        return None
    name = str(config.get("class_name", ""))[:100].split(">")[-1].lower()
    if name == "sgd":
        momentum = _dict(config.get("config")).get("momentum") or 0
        return "momentum" if momentum else "sgd"
    return name or None


def _read_h5(contents: KerasFileContents, handle, deep: bool) -> None:
    h5py = _h5py()
    with h5py.File(handle, "r") as h5:
        datasets = []
        h5.visititems(lambda name, obj: datasets.append((name, obj)) if isinstance(obj, h5py.Dataset) else None)
        # a damaged name can come back as bytes (h5py 3.10)
        datasets = [(name if isinstance(name, str) else name.decode("utf-8", "replace"), obj) for name, obj in datasets]
        contents.variables = [(name, tuple(obj.shape), str(obj.dtype)) for name, obj in datasets]
        names = {name for name, _ in datasets}
        for key in _ITERATION_KEYS:
            if key in names and h5[key].shape == () and h5[key].dtype.kind in "iu":
                contents.step = int(h5[key][()])
                break
        if contents.optimizer is None and "training_config" in h5.attrs:
            training = _dict(json.loads(h5.attrs["training_config"]))
            contents.optimizer = _optimizer_from_config(training.get("optimizer_config"))
        if "keras_version" in h5.attrs:
            contents.keras_version = str(h5.attrs["keras_version"])[:100]
        if contents.optimizer is None and any(name.startswith(("optimizer/", "optimizer_weights/")) for name in names):
            contents.optimizer = "unknown"
        if deep:
            for _, obj in datasets:
                obj[()]


def _read_archive(contents: KerasFileContents, data: bytes, deep: bool) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if deep and archive.testzip() is not None:
            raise zipfile.BadZipFile(f"member {archive.testzip()} does not match its CRC")
        names = archive.namelist()
        if "config.json" in names:
            config = _json_member(archive, "config.json")
            contents.optimizer = _optimizer_from_config(_dict(config.get("compile_config")).get("optimizer"))
        if "metadata.json" in names:
            version = _json_member(archive, "metadata.json").get("keras_version")
            contents.keras_version = None if version is None else str(version)[:100]
        if _WEIGHTS_MEMBER not in names:
            contents.problems.append(Problem("missing-weights", contents.path,
                                             f"the archive has no {_WEIGHTS_MEMBER}", "save the model again"))
            return
        _check_member_size(archive.getinfo(_WEIGHTS_MEMBER))
        _read_h5(contents, io.BytesIO(archive.read(_WEIGHTS_MEMBER)), deep)


def read_keras_file(path: str, fs: FileSystem | None = None, deep: bool = False) -> KerasFileContents:
    """Read the variables of a Keras file.

    Raises:
        CorruptCheckpointError: the file is not a readable HDF5 file or zip archive.
        MissingDependencyError: h5py is not installed.
    """
    fs = fs or filesystem_for(path)
    data = fs.read(path)
    kind = "keras-archive" if path.endswith(".keras") else "keras-h5"
    contents = KerasFileContents(path=path, kind=kind)
    try:
        if kind == "keras-archive":
            _read_archive(contents, data, deep)
        else:
            _read_h5(contents, io.BytesIO(data), deep)
    except MissingDependencyError as err:
        raise MissingDependencyError(path, err.problem, err.fix) from None
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, RuntimeError, TypeError, OverflowError,
            AttributeError, IndexError, EOFError, NotImplementedError, SystemError, zlib.error) as err:
        # h5py and zipfile raise all of these on damaged bytes (a flipped bit in an HDF5 header
        # gives RuntimeError, TypeError or OverflowError); each means the same: damaged.
        what = "zip archive" if kind == "keras-archive" else "HDF5 file"
        detail = clip(str(err).splitlines()[0], 200) if str(err).strip() else type(err).__name__
        raise CorruptCheckpointError(path, f"not a readable Keras {what} ({detail})", _FIX) from None
    return contents
