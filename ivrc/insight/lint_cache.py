"""The cache of `ivrc lint`, as ruff keeps one: each file's findings, under a key made of all
they depend on, so that a run over unchanged files prints the same findings, in every format,
byte for byte, without loading the parser, the phone numbering data or the schema validator.

The key holds the file's path and text, its configuration file's bytes, the command line's
options that change findings, the environment named by IVRC_ENV, the recordings folder's
names, the recipients file's bytes, and ivrc's version. A file checked under a compliance
policy is not kept: what the policy says of it depends on the clock. One that names a moment
(`schedule at`, `dial_at`) is kept until that moment, when `schedule-in-past` may say otherwise
(or until the next minute, when a past moment's finding says what time it is). An entry that
cannot be read is a miss; entries are written to a temporary file and renamed into place, so
two ivrc processes at once never see half of one.

The folder is `.ivrc_cache/` beside the configuration (else in the current folder), or
`--cache-dir`, or IVRC_CACHE_DIR; it holds a `.gitignore` that keeps it out of git, and a
CACHEDIR.TAG that keeps it out of backups. `ivrc fmt --check` keeps its own marks there, and
the language server reads what a plain `ivrc lint` kept for a file it opens unchanged."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ivrc.insight.render import FileReport
    from ivrc.language.config import Config
    from ivrc.language.diagnostics import Diagnostic

FOLDER = ".ivrc_cache"
# The options of a plain `ivrc lint FILE` (none given), as a pre-commit hook runs it; the
# language server reads the entries such a run kept.
PLAIN_FLAGS: dict[str, Any] = {"region": None, "recordings": None, "select": None, "ignore": None, "suppress": None}
_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# The lint cache of ivrc: see https://bford.info/cachedir/\n"


class LintCache:
    def __init__(self, folder: Path | None, enabled: bool) -> None:
        self.folder = folder or (Path(os.environ["IVRC_CACHE_DIR"]) if os.environ.get("IVRC_CACHE_DIR") else None)
        self.enabled = enabled and not os.environ.get("IVRC_NO_CACHE")

    def key(
        self, file: Path, source: str, config: Config, flags: dict[str, Any], recipients: Path | None
    ) -> str | None:
        """The entry's name, or None for a file whose findings are not to be kept."""
        if not self.enabled or config.policy is not None:
            return None
        from ivrc import __version__

        digest = hashlib.sha256()
        for part in (
            __version__,
            str(file),
            source,
            os.environ.get("IVRC_ENV", ""),
            json.dumps({name: _plain(value) for name, value in sorted(flags.items())}),
            str(config.source or ""),
            _bytes_of(config.source),
            str(recipients or config.recipients or ""),
            _bytes_of(recipients or config.recipients),
            _names_in(config.recordings),
        ):
            data = part if isinstance(part, bytes) else part.encode("utf-8", "surrogateescape")
            digest.update(len(data).to_bytes(8, "big") + data)
        return digest.hexdigest()

    def root(self, config: Config) -> Path:
        if self.folder is not None:
            return self.folder
        return (config.source.parent if config.source is not None else Path.cwd()) / FOLDER

    def get(self, config: Config, key: str) -> list[dict[str, Any]] | None:
        try:
            entry = json.loads((self._entry(config, key)).read_text(encoding="utf-8"))
            reports = entry["reports"]
            expires = entry.get("expires")
            if entry.get("key") != key or not isinstance(reports, list):
                return None
            if expires is not None and time.time() >= float(expires):
                return None  # a moment it names has come: schedule-in-past may say otherwise
            return reports
        except (OSError, ValueError, KeyError, TypeError):
            return None  # none yet, or damaged: the file is checked again

    def put(
        self, config: Config, key: str, reports: list[FileReport], file: Path, expires: float | None = None
    ) -> None:
        """Keep the findings (until `expires`, when given); a cache that cannot be written is no
        reason to fail a lint."""
        self.put_kept(config, key, kept_form(reports, file), expires)

    def put_kept(self, config: Config, key: str, kept: list[dict[str, Any]], expires: float | None) -> None:
        entry = {"key": key, "expires": expires, "reports": kept}
        self._write(self._entry(config, key), json.dumps(entry, ensure_ascii=False), self.root(config))

    def _write(self, entry: Path, data: str, root: Path) -> None:
        """Atomically: to a temporary file beside it, then renamed into place."""
        import tempfile

        try:
            self._prepare(root)
            entry.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    out.write(data)
                os.replace(temporary, entry)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError:
            pass

    def sarif_rules(self, config: Config | None) -> list[dict[str, Any]]:
        """The rules' SARIF metadata, kept beside the entries: the same for one version of ivrc
        and one manual's address, and making it loads every check."""
        from ivrc import __version__
        from ivrc.insight.render import rule_docs, sarif_rules

        if config is None or not self.enabled:
            return sarif_rules()
        site = hashlib.sha256((rule_docs() or "").encode()).hexdigest()[:16]
        kept = self.root(config) / __version__ / f"sarif-rules-{site}.json"
        try:
            rules = json.loads(kept.read_text(encoding="utf-8"))
            if isinstance(rules, list):
                return rules
        except (OSError, ValueError):
            pass
        rules = sarif_rules()
        self._write(kept, json.dumps(rules, ensure_ascii=False), self.root(config))
        return rules

    def note(self, mark: Path) -> None:
        """An empty file whose name says something is so (`ivrc fmt`: this text is formatted)."""
        self._write(mark, "", self.folder if self.folder is not None else mark.parents[3])

    def _entry(self, config: Config, key: str) -> Path:
        from ivrc import __version__

        return self.root(config) / __version__ / key[:2] / f"{key}.json"

    @staticmethod
    def _prepare(root: Path) -> None:
        if (root / ".gitignore").exists():
            return
        root.mkdir(parents=True, exist_ok=True)
        (root / ".gitignore").write_text("# Made by ivrc: the lint cache is never committed.\n*\n", encoding="utf-8")
        (root / "CACHEDIR.TAG").write_text(_TAG, encoding="utf-8")


def reports_of(kept: list[dict[str, Any]], file: Path, source: str) -> list[FileReport]:
    """The findings kept for a file, with the texts their excerpts are taken from."""
    from ivrc.insight.render import FileReport
    from ivrc.language.files import Unreadable, read_text

    reports = []
    for report in kept:
        text: str | None = source if report["source"] == "file" else None
        if report["source"] == "other":
            try:
                text = read_text(Path(report["path"]))
            except Unreadable:
                text = None
        reports.append(FileReport(report["path"], text, tuple(_diagnostic(d) for d in report["diagnostics"])))
    return reports


def kept_form(reports: list[FileReport], file: Path) -> list[dict[str, Any]]:
    """Findings as the cache keeps them: plain data, without the texts they were found in."""
    return [_report(report, file) for report in reports]


def _report(report: FileReport, file: Path) -> dict[str, Any]:
    return {
        "path": report.path,
        # whose text its excerpts come from: the file's, another's (its recipients), or none
        "source": None if report.source is None else "file" if report.path == str(file) else "other",
        "diagnostics": [
            [d.rule, d.severity.value, d.message, list(d.span), d.help, d.path] for d in report.diagnostics
        ],
    }


def _diagnostic(kept: list[Any]) -> Diagnostic:
    from ivrc.language.diagnostics import Diagnostic, Severity
    from ivrc.language.span import Span

    rule, severity, message, span, help_text, path = kept
    return Diagnostic(rule, Severity(severity), message, Span(*span), help_text, path)


def _plain(value: Any) -> Any:
    if isinstance(value, (frozenset, set)):
        return sorted(value)
    if isinstance(value, Path):
        return str(value)
    return value


def _bytes_of(path: Path | None) -> bytes:
    """The digest of a file's bytes, worked out once a run for each version of it: a folder of
    flows that share one large recipients file reads it once, not once a flow."""
    if path is None:
        return b""
    try:
        seen = path.stat()
    except OSError:
        return b"(unreadable)"
    return _digest(str(path.resolve()), seen.st_mtime_ns, seen.st_size)


@functools.lru_cache(maxsize=64)
def _digest(path: str, modified: int, size: int) -> bytes:
    try:
        return hashlib.sha256(Path(path).read_bytes()).digest()
    except OSError:
        return b"(unreadable)"


def _names_in(folder: Path | None) -> str:
    """The recordings a flow may name: which files there are decides `missing-recording`."""
    if folder is None or not folder.is_dir():
        return ""
    found = []
    for base, _, names in os.walk(folder):
        found += [os.path.relpath(os.path.join(base, name), folder) for name in names]
    return "\n".join(sorted(found))
