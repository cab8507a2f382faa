"""What ``--json`` prints on stdout when the input cannot be read, so ``tfckpt ... --json | jq``
always gets one JSON object: ``{"schema_version": 1, "command", "ok": false, "error", "exit_code"}``.
The one-line error still goes to stderr.

Example:
    >>> print(error_document("inspect", "runs/x: no such file or folder; check the path", 3), end="")
    {
      "schema_version": 1,
      "command": "inspect",
      "ok": false,
      "error": "runs/x: no such file or folder; check the path",
      "exit_code": 3
    }
"""

from __future__ import annotations

import json
import sys

SCHEMA_VERSION = 1


def error_document(command: str, message: str, exit_code: int) -> str:
    """The JSON text (ending in a newline) for an error ``message`` that ends ``command``."""
    document = {"schema_version": SCHEMA_VERSION, "command": command, "ok": False, "error": message,
                "exit_code": exit_code}
    return json.dumps(document, indent=2) + "\n"


def report_error(args, message: str, exit_code: int) -> int:
    """Print ``message`` on stderr (and, under ``--json``, its JSON document on stdout); return
    ``exit_code``."""
    print(f"tfckpt: error: {message}", file=sys.stderr)
    if getattr(args, "json", False):
        sys.stdout.write(error_document(args.command, message, exit_code))
        sys.stdout.flush()
    return exit_code
