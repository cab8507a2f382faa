"""Small helpers shared by the validate tests (not a conftest: pytest swaps modules of that name)."""

from __future__ import annotations

CKPT2 = {"ckpt-1": "ckpt-2"}  # point the real fine-tune config at the checkpoint that holds a model
OK_INFO = [("info", "heads-start-fresh", "pipeline.config:3"), ("info", "optimizer-not-restored", "pipeline.config:64")]


def summary(report):
    """``(severity, id, file:line)`` of every finding, in report order."""
    return [(finding.severity, finding.id, finding.where) for finding in report.findings]


def only(report, finding_id):
    """The one finding with ``finding_id`` (fails if there are none or several)."""
    [finding] = [finding for finding in report.findings if finding.id == finding_id]
    return finding
