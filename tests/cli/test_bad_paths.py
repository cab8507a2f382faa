"""Paths no reader can use, given to every command: one line naming the path, what is wrong and the
fix, exit code 3 (2 for diff, whose exit codes say so), no traceback -- and no hang: a named pipe
given as a config or an index is refused before it is opened (real processes with a time limit)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tfckpt.cli.main import main

REPO = Path(__file__).resolve().parents[2]
LOOP = "symbolic links loop here (a link leads back to itself); repair or remove the link: ls -l shows where each " \
    "link points"
FIFO = "is a named pipe (FIFO), not a regular file; reading it could wait forever; pass the file itself"
COMMANDS = [["inspect"], ["inspect", "--deep"], ["validate"], ["keep-best", "--once"], ["diff", "--config"]]


def run(capsys, *argv):
    code = main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def one_error_line(err: str) -> str:
    assert err.count("\n") == 1 and err.startswith("tfckpt: error: "), err
    return err[len("tfckpt: error: "):-1]


def exit_code(command) -> int:
    return 2 if command[0] == "diff" else 3


def argv_for(command, path, tmp_path):
    if command[0] == "diff":  # diff reads two configs; the bad one first
        return ["diff", path, tmp_path / "other.config"]
    return [command[0], path, *command[1:]]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_symlink_loop(capsys, tmp_path, command):
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    code, out, err = run(capsys, *argv_for(command, loop, tmp_path))
    assert (code, out) == (exit_code(command), "")
    assert one_error_line(err) == f"{loop}: {LOOP}"


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_path_longer_than_the_system_allows(capsys, tmp_path, command):
    long_path = tmp_path / ("a" * 300) / ("b" * 5000)
    code, out, err = run(capsys, *argv_for(command, long_path, tmp_path))
    assert (code, out) == (exit_code(command), "")
    line = one_error_line(err)
    assert "...b" in line and len(line) < 500
    assert line.endswith(f": the path is too long for this system ({len(str(long_path)):,} characters; a name may "
                         "have at most 255 bytes, a path about 4,096); check the path; move the files to a shorter "
                         "one if it is right")


@pytest.mark.parametrize("command", [["inspect"], ["validate"]], ids=" ".join)
def test_a_nul_byte_in_a_path(capsys, tmp_path, command):
    code, out, err = run(capsys, *argv_for(command, f"{tmp_path}/a\0b", tmp_path))
    assert (code, out) == (3, "")
    assert one_error_line(err) == (f"{tmp_path}/a\\x00b: the path holds a NUL byte (\\x00), which no file name can; "
                                   "check how the path was written (a stray byte from a script or a C string?)")


def run_process(*argv) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "tfckpt", *map(str, argv)], capture_output=True, text=True,
                          timeout=60, env=env)


@pytest.mark.parametrize("role", ["config", "experiment yaml", "index", "prefix", "label map"])
def test_a_named_pipe_is_refused_not_waited_on(tmp_path, role):
    names = {"index": "ckpt-1.index", "prefix": "ckpt-1.index", "experiment yaml": "params.yaml"}
    pipe = tmp_path / names.get(role, "pipeline.config")
    os.mkfifo(pipe)
    if role in ("config", "experiment yaml"):
        argv = ["validate", pipe]
    elif role == "label map":
        config = tmp_path / "labels.config"
        config.write_text(f'model {{ ssd {{ num_classes: 1 }} }}\ntrain_input_reader {{ label_map_path: "{pipe}" }}\n')
        argv = ["validate", config]
    else:
        argv = ["inspect", pipe if role == "index" else tmp_path / "ckpt-1"]
    result = run_process(*argv)  # before the fix: blocked in open() until the time limit
    assert "Traceback" not in result.stderr
    if role == "label map":  # an error finding about the label map, as for a missing one
        assert result.returncode == 1 and str(pipe) in result.stderr, result.stderr
        return
    assert result.returncode == 3
    assert result.stderr == f"tfckpt: error: {pipe}: {FIFO}\n"
