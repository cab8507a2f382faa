"""Drive the stand-in trainer and evaluator (``odapi_roles.py``) and a keep-best process from a
test: one line out, one line back, with a timeout so that a hang fails instead of blocking."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

HERE = Path(__file__).parent
REPO = HERE.parent.parent
ANSWER_TIMEOUT = 120


def _pump(stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put(line.rstrip("\n"))
    lines.put(None)


class Process:
    """A child process whose output lines (stdout, or stderr with ``read="stderr"``) arrive in a queue."""

    def __init__(self, argv: list[str], read: str = "stdout") -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               "TF_CPP_MIN_LOG_LEVEL": "3"}
        self.popen = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True, env=env, cwd=REPO)
        self.lines: queue.Queue = queue.Queue()
        self.seen: list[str] = []
        watched = self.popen.stdout if read == "stdout" else self.popen.stderr
        self.other = self.popen.stderr if read == "stdout" else self.popen.stdout
        self.other_lines: queue.Queue = queue.Queue()
        self.pumps = [threading.Thread(target=_pump, args=(watched, self.lines), daemon=True),
                      threading.Thread(target=_pump, args=(self.other, self.other_lines), daemon=True)]
        for pump in self.pumps:
            pump.start()

    def next_line(self, timeout: float = ANSWER_TIMEOUT) -> str:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no output within {timeout} s; seen so far: {self.seen[-10:]}") from None
        if line is None:
            raise AssertionError(f"the process ended (code {self.popen.wait()}); seen: {self.seen[-10:]}; "
                                 f"other stream: {self.drain_other()[-2000:]}")
        self.seen.append(line)
        return line

    def wait_for(self, text: str, timeout: float = ANSWER_TIMEOUT) -> str:
        """The first new line containing ``text``."""
        while True:
            line = self.next_line(timeout)
            if text in line:
                return line

    def ask(self, command: str) -> str:
        self.popen.stdin.write(command + "\n")
        self.popen.stdin.flush()
        return self.next_line()

    def drain_other(self) -> str:
        out = []
        while not self.other_lines.empty():
            line = self.other_lines.get()
            if line is not None:
                out.append(line)
        return "\n".join(out)

    def close(self) -> int:
        """Ask the process to quit (kill it if it does not), close its pipes; returns its exit code."""
        if self.popen.poll() is None:
            try:
                self.popen.stdin.write("quit\n")
                self.popen.stdin.flush()
                self.popen.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self.popen.kill()
                self.popen.wait()
        for pump in self.pumps:
            pump.join(timeout=10)
        for stream in (self.popen.stdin, self.popen.stdout, self.popen.stderr):
            stream.close()
        return self.popen.returncode


def start_roles() -> tuple[Process, Process]:
    """The trainer and the evaluator, started side by side (each imports TensorFlow)."""
    trainer, evaluator = (Process([sys.executable, str(HERE / "odapi_roles.py"), role])
                          for role in ("trainer", "evaluator"))
    assert trainer.next_line() == "ready"
    assert evaluator.next_line() == "ready"
    return trainer, evaluator


class Run:
    """A trainer and an evaluator working on one MODEL_DIR."""

    def __init__(self, trainer: Process, evaluator: Process, model_dir: Path) -> None:
        self.trainer, self.evaluator, self.model_dir = trainer, evaluator, model_dir
        model_dir.mkdir(parents=True, exist_ok=True)
        assert trainer.ask(f"open {model_dir}") == "opened"
        assert evaluator.ask(f"open {model_dir}") == "opened"

    def save(self, step: int) -> str:
        """Train to ``step`` and save; returns the checkpoint's name."""
        answer = self.trainer.ask(f"save {step}").split()
        assert answer[0] == "saved" and answer[2] == str(step), answer
        return answer[1]

    def evaluate(self, value: float, partial: bool = False) -> int:
        """Score the newest checkpoint; returns the step the evaluator found in it."""
        kind = "partial" if partial else "eval"
        answer = self.evaluator.ask(f"{kind} {value}").split()
        assert answer[0] in ("evaluated", "partial"), answer
        return int(answer[1])


def snapshot(folder: Path, skip: str = "best") -> dict:
    """Every file directly in ``folder`` (not ``skip``) with its inode, size and mtime."""
    return {entry.name: (entry.stat().st_ino, entry.stat().st_size, entry.stat().st_mtime_ns)
            for entry in os.scandir(folder) if entry.name != skip}


def load_checkpoint(tf, prefix: str):
    """Restore ``prefix`` into fresh objects, requiring every saved object to match; returns
    ``(step, kernel, bias)`` as numbers."""
    from odapi_roles import TinyDetector

    step = tf.Variable(0, dtype=tf.int64)
    model = TinyDetector()
    tf.train.Checkpoint(step=step, model=model).read(prefix).assert_existing_objects_matched()
    return int(step.numpy()), model.kernel.numpy(), model.bias.numpy()
