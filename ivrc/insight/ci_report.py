"""Findings as CI platforms read them beyond GitHub's annotations: GitLab's Code Quality report
(the subset of the Code Climate issue format that GitLab shows in a merge request), and where a
path is written from: the repository's top, as the platforms expect, wherever ivrc runs."""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path

from ivrc.language.diagnostics import Severity

# GitLab's scale is info, minor, major, critical, blocker; an error ranks above a warning.
_GITLAB_SEVERITY = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


@functools.cache
def repository_root(start: str | None = None) -> Path:
    """The top of the git repository holding `start` (the working folder): the folder with a
    `.git` (a folder, or a file in a worktree), found by walking up; the working folder itself
    outside a repository."""
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return here


def from_root(path: str) -> str:
    """A file's path from the repository's top, with forward slashes; `<stdin>` and the like as
    they are; a file outside the repository as its absolute path."""
    if path.startswith("<"):
        return path
    absolute = Path(path).resolve()
    try:
        return absolute.relative_to(repository_root()).as_posix()
    except ValueError:
        return absolute.as_posix()


def gitlab_report(reports: list, colour: bool = False) -> str:  # type: ignore[type-arg]
    """GitLab Code Quality: one issue per finding. The fingerprint is made of the file, the rule,
    the text of the line the finding is on (its message, when the line is not at hand) and which
    of the same it is: a finding keeps its fingerprint when unrelated lines move."""
    issues = []
    for report in reports:
        lines = report.source.split("\n") if isinstance(report.source, str) else report.source
        path = from_root(report.path)
        seen: dict[tuple[str, str], int] = {}
        for d in report.diagnostics:
            text = _line(lines, d.line).strip() or d.message
            nth = seen[(d.rule, text)] = seen.get((d.rule, text), 0) + 1
            fingerprint = hashlib.sha256(f"{path}\0{d.rule}\0{text}\0{nth}".encode()).hexdigest()[:32]
            issues.append(
                {
                    "description": d.message + (f" (help: {d.help})" if d.help else ""),
                    "check_name": d.rule,
                    "fingerprint": fingerprint,
                    "severity": _GITLAB_SEVERITY[d.severity],
                    "location": {
                        "path": path,
                        "lines": {"begin": d.line, **({"end": d.end_line} if d.end_line > d.line else {})},
                    },
                }
            )
    return json.dumps(issues, ensure_ascii=False, indent=2) + "\n"


def _line(lines, number: int) -> str:  # type: ignore[no-untyped-def]
    if lines is None or number < 1:
        return ""
    try:
        return str(lines[number - 1]) if number - 1 < len(lines) else ""
    except (IndexError, TypeError):
        return ""
