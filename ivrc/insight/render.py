"""Diagnostics out: one function per format. Text is for people (rustc's layout); JSON, SARIF,
GitHub workflow commands and GitLab Code Quality (`ci_report.py`) are for machines and never
coloured."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import quote

from ivrc.insight.ci_report import gitlab_report, repository_root
from ivrc.language.diagnostics import Diagnostic, Severity
from ivrc.language.diagnostics import FileReport as FileReport  # where the findings' printers are

# A line longer than this is shown as a window around the span.
WINDOW = 120
_COLOURS = {Severity.ERROR: "1;31", Severity.WARNING: "1;33", Severity.INFO: "1;36"}


def _paint(text: str, code: str, colour: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if colour else text


def _width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _shown(char: str) -> str:
    """What stands for a character in the excerpt: tabs as spaces, control characters as �."""
    if char == "\t":
        return "    "
    if not char.isprintable() and unicodedata.category(char) != "Cf":
        return "\ufffd"
    return char


def excerpt(line: str, start: int, end: int) -> tuple[str, str]:
    """The line as shown and its underline, for 0-based character offsets [start, end)."""
    end = max(end, start + 1)
    if len(line) > WINDOW:
        left = max(0, start - WINDOW // 3)
        right = min(len(line), max(left + WINDOW, end))
        right = min(right, left + WINDOW * 2)
        prefix = "…" if left else ""
        line = prefix + line[left:right] + ("…" if right < len(line) else "")
        shift = left - len(prefix)
        start, end = start - shift, min(end - shift, len(line))
    if line.isascii() and line.isprintable():  # most lines: each character one column wide, shown as it is
        inside = max(0, min(end, len(line)) - start)
        return line.rstrip(), " " * min(start, len(line)) + "^" * (inside or 1)
    shown = [_shown(c) for c in line]
    pad = sum(sum(_width(c) for c in s) for s in shown[:start])
    marks = sum(sum(_width(c) for c in s) for s in shown[start:end]) or 1
    return "".join(shown).rstrip(), " " * pad + "^" * marks


def text(diagnostic: Diagnostic, source: str | list[str] | None, colour: bool = False) -> str:
    """`path:line:col: error[rule]: message`, the source line underlined, then `help:`.
    `source` is the file's text, or its lines when many findings share one file."""
    d = diagnostic
    head = _paint(f"{d.severity.value}[{d.rule}]", _COLOURS[d.severity], colour)
    # A file that cannot be read at all (not a bad byte in it) has no place to point at: its name alone.
    placeless = d.rule == "unreadable-file" and (d.line, d.column) == (1, 1) and "(byte 0x" not in d.message
    place = "" if placeless else f":{d.line}:{d.column}"
    out = [f"{_printable(d.path)}{place}: {head}: {d.message}"]
    lines = (source.split("\n") if isinstance(source, str) else source) if source is not None else []
    if 0 < d.line <= len(lines):
        line = lines[d.line - 1].rstrip("\r")
        end = d.end_column - 1 if d.end_line == d.line else len(line)
        shown, underline = excerpt(line, d.column - 1, end)
        gutter = " " * len(str(d.line))
        bar = _paint("|", "1;34", colour)
        out.append(f"{gutter} {bar}")
        out.append(f"{_paint(str(d.line), '1;34', colour)} {bar} {shown}")
        out.append(f"{gutter} {bar} {_paint(underline, _COLOURS[d.severity], colour)}")
    if d.help:
        gutter = " " * len(str(d.line))
        out.append(f"{gutter} = {_paint('help', '1', colour)}: {d.help}")
    return "\n".join(out)


def texts(diagnostics: Iterable[Diagnostic], source: str | None, colour: bool = False) -> str:
    """Each finding as `text` shows it, one after another; the source is split into lines once,
    not once a finding (which made printing thousands of findings quadratic)."""
    lines = source.split("\n") if source is not None else None
    return "".join(text(diagnostic, lines, colour) + "\n" for diagnostic in diagnostics)


def _printable(path: str) -> str:
    """A file's name on one line: a newline, a tab or another control character in it escaped."""
    if path.isprintable():
        return path
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in path)


def summary(diagnostics: Iterable[Diagnostic], files: int) -> str:
    counts = {s: 0 for s in Severity}
    for d in diagnostics:
        counts[d.severity] += 1
    parts = [f"{n} {s.value}{'s' if n != 1 else ''}" for s, n in counts.items() if n]
    noun = "file" if files == 1 else "files"
    if not parts:
        return f"All checks passed ({files} {noun})."
    return f"Found {', '.join(parts)} in {files} {noun}."


# In text, a file with many findings of one rule (a recipients file with many bad rows) shows
# the first ones and a count of the rest; the machine formats list every finding.
SHOWN_PER_RULE = 20


def text_report(reports: list[FileReport], colour: bool = False) -> str:
    out: list[str] = []
    for report in reports:
        lines = report.source.split("\n") if isinstance(report.source, str) else report.source
        shown: dict[str, int] = {}
        for d in report.diagnostics:
            shown[d.rule] = shown.get(d.rule, 0) + 1
            if shown[d.rule] <= SHOWN_PER_RULE:
                out.append(text(d, lines, colour) + "\n")
        for rule, count in shown.items():
            if count > SHOWN_PER_RULE:
                rest = count - SHOWN_PER_RULE
                out.append(
                    f"{report.path}: … and {rest} more {rule} finding{'s' if rest != 1 else ''} (--format json lists "
                    "every one)\n"
                )
    return "".join(out)


def json_report(reports: list[FileReport], colour: bool = False) -> str:
    """One JSON array; each finding has exactly the keys below, `help` null when there is none."""
    items = [
        {
            "path": d.path,
            "line": d.line,
            "column": d.column,
            "end_line": d.end_line,
            "end_column": d.end_column,
            "rule": d.rule,
            "severity": d.severity.value,
            "message": d.message,
            "help": d.help,
        }
        for r in reports
        for d in r.diagnostics
    ]
    from ivrc.language.pretty_json import dumps as indented

    return indented(items) + "\n"


_GITHUB_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _github_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(value: str) -> str:
    return _github_data(value).replace(":", "%3A").replace(",", "%2C")


def github_report(reports: list[FileReport], colour: bool = False) -> str:
    """GitHub Actions workflow commands, which annotate the lines of a pull request."""
    lines = []
    for report in reports:
        for d in report.diagnostics:
            props = ",".join(
                f"{key}={_github_property(str(value))}"
                for key, value in (
                    ("file", _relative(d.path)),
                    ("line", d.line),
                    ("col", d.column),
                    ("endLine", d.end_line),
                    ("endColumn", d.end_column),
                    ("title", f"ivrc ({d.rule})"),
                )
            )
            message = d.message + (f"\nhelp: {d.help}" if d.help else "")
            lines.append(f"::{_GITHUB_LEVELS[d.severity]} {props}::{_github_data(message)}\n")
    return "".join(lines)


_SARIF_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_MANUAL_LABELS = frozenset({"documentation", "docs", "manual"})


def manual_site(project_urls: list[str] | None = None) -> str | None:
    """Where the manual is published, as the installed package declares it
    (`[project.urls] Documentation = "https://…"`), or None: a rule's page is then
    `docs/rules/NAME.md` in the repository, and SARIF carries no `helpUri`."""
    if project_urls is None:
        try:
            from importlib.metadata import metadata

            project_urls = metadata("ivrc").get_all("Project-URL") or []
        except Exception:  # an ivrc run from a source tree that is not installed
            project_urls = []
    for entry in project_urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() in _MANUAL_LABELS and url.strip().startswith(("https://", "http://")):
            return url.strip().rstrip("/")
    return None


def rule_docs() -> str | None:
    """Where each rule's page is, with `{rule}` for its name: IVRC_RULE_DOCS (the GitHub Action
    sets it to the rule pages of the ref it runs at), else the published manual's, else None.
    ValueError for an IVRC_RULE_DOCS that is not an http(s) address with `{rule}` in it."""
    import os

    pattern = os.environ.get("IVRC_RULE_DOCS", "").strip()
    if pattern:
        if not pattern.startswith(("https://", "http://")) or "{rule}" not in pattern:
            raise ValueError(
                "IVRC_RULE_DOCS: expected an http(s) address with `{rule}` where a rule's name goes, such as "
                "https://github.com/OWNER/ivrc/blob/v1/docs/rules/{rule}.md"
            )
        return pattern
    site = manual_site()
    return f"{site}/rules/{{rule}}/" if site else None


def rule_page(name: str, pattern: str | None) -> str:
    """A rule's page of the manual: at the address `rule_docs` gives, else the file in the
    repository (MkDocs' source of the page)."""
    return pattern.replace("{rule}", name) if pattern else f"docs/rules/{name}.md"


SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


def sarif_rules() -> list[dict[str, object]]:
    """Every rule's SARIF metadata: its name, its documentation, its level, its page."""
    from ivrc.checks import RULES

    pages = rule_docs()
    return [
        {
            "id": rule.name,
            "name": "".join(part.title() for part in rule.name.split("-")),
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": rule.docs, "markdown": _markdown(rule.docs)},
            "help": {"text": rule.docs, "markdown": _markdown(rule.docs)},
            "defaultConfiguration": {"level": _SARIF_LEVELS[rule.severity]},
            # An absolute address only (SARIF 3.49.12): given when the rule pages have one.
            **({"helpUri": rule_page(rule.name, pages)} if pages else {}),
        }
        for rule in RULES
    ]


def sarif_report(reports: list[FileReport], colour: bool = False, rules: list[dict[str, object]] | None = None) -> str:
    """SARIF 2.1.0 for code scanning: every rule's metadata (`rules`, when kept from an earlier
    run: the same for one version of ivrc), stable ruleIds, relative paths."""
    from ivrc import __version__

    rules = sarif_rules() if rules is None else rules
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results = [
        {
            "ruleId": d.rule,
            "ruleIndex": index[d.rule],
            "level": _SARIF_LEVELS[d.severity],
            "message": {"text": d.message + (f" Help: {d.help}" if d.help else "")},
            "locations": [{"physicalLocation": {"artifactLocation": _artifact(d.path), "region": _region(d)}}],
        }
        for r in reports
        for d in r.diagnostics
    ]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {"name": "ivrc", "version": __version__, "semanticVersion": __version__, "rules": rules}
                },
                # Paths are from the repository's top, wherever ivrc ran from.
                "originalUriBaseIds": {
                    "%SRCROOT%": {
                        "uri": repository_root().as_uri() + "/",
                        "description": {"text": "The top of the repository (git's top level)."},
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, ensure_ascii=False, indent=2) + "\n"


def _markdown(docs: str) -> str:
    headings = ("What it does", "Why is this bad?", "Example", "Use instead")
    return "\n".join(f"## {line}" if line in headings else line for line in docs.split("\n"))


def _relative(path: str) -> str:
    """A path from the repository's top (git's top level), as GitHub and GitLab read them."""
    from ivrc.insight.ci_report import from_root

    return from_root(path)


def _artifact(path: str) -> dict[str, str]:
    relative = _relative(path)
    if Path(relative).is_absolute():
        return {"uri": Path(path).resolve().as_uri()}
    return {"uri": quote(relative), "uriBaseId": "%SRCROOT%"}


def _region(d: Diagnostic) -> dict[str, int]:
    # SARIF's end column is exclusive, like ours; an empty span still covers one column.
    end_column = d.end_column if (d.end_line, d.end_column) > (d.line, d.column) else d.column + 1
    return {"startLine": d.line, "startColumn": d.column, "endLine": d.end_line, "endColumn": end_column}


FORMATS: dict[str, Callable[[list[FileReport], bool], str]] = {
    "text": text_report,
    "json": json_report,
    "sarif": sarif_report,
    "github": github_report,
    "gitlab": gitlab_report,
}
