"""What a newcomer reads: each command's --help with its own exit codes, a top-level help naming
every command, one JSON object on stdout for --json even when the input cannot be read, what
--deep verified, and what keep-best says while no evaluator has written anything."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tfckpt.checkpoint.index import read_index
from tfckpt.cli import demo_command, diff_command, keep_best_command, validate_command
from tfckpt.cli.main import EXIT_CODES_HELP, build_parser, main

GOLDEN = Path(__file__).parent.parent / "data" / "golden"
OWN_EXIT_CODES = {"inspect": EXIT_CODES_HELP, "validate": validate_command.EXIT_CODES,
                  "diff": diff_command.EXIT_CODES, "keep-best": keep_best_command.EXIT_CODES,
                  "demo": demo_command.EXIT_CODES}


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def commands() -> list[str]:
    parser = build_parser()
    return sorted(parser._subparsers._group_actions[0].choices)


def test_top_level_help_is_golden_and_names_every_command(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    code, out, _ = run(capsys, "--help")
    assert code == 0
    assert out == (GOLDEN / "help_tfckpt.txt").read_text()
    listing = out.split("\ncommands:\n")[1].split("\nexit codes:")[0]  # each command once, with its help
    assert [line.split()[0] for line in listing.splitlines() if line.startswith("    ") and line[4] != " "] == \
        ["inspect", "validate", "diff", "keep-best", "demo"]
    assert sorted(["inspect", "validate", "diff", "keep-best", "demo"]) == commands()
    assert not any(block in out for block in OWN_EXIT_CODES.values())  # no command's codes pass for all


@pytest.mark.parametrize("command", sorted(OWN_EXIT_CODES))
def test_each_command_help_shows_its_own_exit_codes(capsys, command):
    assert sorted(OWN_EXIT_CODES) == commands()
    code, out, _ = run(capsys, command, "--help")
    assert code == 0 and out.endswith(OWN_EXIT_CODES[command])
    others = {text for name, text in OWN_EXIT_CODES.items() if name != command} - {OWN_EXIT_CODES[command]}
    assert not any(text in out for text in others)


@pytest.mark.parametrize("argv, exit_code", [
    (["inspect", "{missing}", "--json"], 3),
    (["validate", "{missing}", "--json"], 3),
    (["diff", "{missing}", "{missing}", "--json"], 2),
    (["keep-best", "{missing}", "--once", "--json"], 3),
])
def test_json_with_unreadable_input_still_prints_one_json_object(capsys, tmp_path, argv, exit_code):
    missing = str(tmp_path / "nothing-here")
    code, out, err = run(capsys, *[a.replace("{missing}", missing) for a in argv])
    document = json.loads(out)
    assert code == exit_code == document["exit_code"]
    assert err == f"tfckpt: error: {document['error']}\n" and missing in document["error"]
    assert document == {"schema_version": 1, "command": argv[0], "ok": False, "error": document["error"],
                        "exit_code": exit_code}


def test_json_error_text_is_golden(capsys):
    _, out, _ = run(capsys, "inspect", "runs/nothing-here", "--json")
    assert out == (GOLDEN / "json_error_inspect.txt").read_text()


def test_deep_says_what_it_verified(capsys, odapi_dir):
    folder = odapi_dir("ssd_mobilenet_v2_90cls")  # sparse data files: the right sizes, zero bytes
    tensors = sum(len(read_index(str(folder / name)).entries) for name in ("ckpt-1", "ckpt-2"))
    code, out, _ = run(capsys, "inspect", str(folder))
    assert "deep check" not in out
    code, out, _ = run(capsys, "inspect", str(folder), "--deep")
    last = out.splitlines()[-1]
    assert code == 1 and last.startswith(f"deep check: read {tensors:,} tensors (")
    assert last.endswith("and checked each one's CRC-32C against the index: 2 data file(s) with mismatches, above")
    code, out, _ = run(capsys, "inspect", str(folder), "--deep", "--json")
    check = json.loads(out)["deep_check"]
    assert (check["tensors_checked"], check["checksum_mismatches"], check["not_read"]) == (tensors, 2, [])


def test_keep_best_once_says_no_evaluator_has_written_yet(capsys, tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    code, _, err = run(capsys, "keep-best", str(run_dir), "--once", "--framework", "odapi")
    assert code == 0
    assert err.splitlines()[-1] == (
        f"keep-best: no evaluator event files (events.out.tfevents.*) under {run_dir}/eval*/ yet: start the "
        f"evaluator (model_main_tf2.py --checkpoint_dir={run_dir}), or pass --events DIR where it writes them")
    code, _, err = run(capsys, "keep-best", str(run_dir), "--once", "--framework", "modelgarden",
                       "--into", str(tmp_path / "mg-best"))
    assert err.splitlines()[-1].startswith(
        f"keep-best: no evaluator event files (events.out.tfevents.*) under {run_dir}/validation/ yet: start the "
        "evaluator (official/vision/train.py")
    events = tmp_path / "elsewhere"
    events.mkdir()
    code, _, err = run(capsys, "keep-best", str(run_dir), "--once", "--framework", "odapi", "--events", str(events),
                       "--into", str(tmp_path / "events-best"))
    assert err.splitlines()[-1].startswith(f"keep-best: no evaluator event files (events.out.tfevents.*) in {events}")
