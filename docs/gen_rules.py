"""The manual's rule pages, made from each rule's own documentation (its check's docstring), as
ruff makes its rule pages: `python docs/gen_rules.py` writes `docs/rules/`; a test holds the
committed pages to what this writes."""

from __future__ import annotations

import sys
from pathlib import Path

SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead")
INTRO = """# Rules

Every finding ivrc reports comes from one of these rules. `ivrc rule NAME` prints a rule's page
on a terminal; `--select`, `--ignore` and `[tool.ivrc.severity]` choose and weigh them
([Configuration](../configuration.md)), and `# ivrc: ignore[NAME] reason` silences one finding.

| rule | severity | what it flags |
|---|---|---|
"""


def page(name: str, severity: str, docs: str) -> str:
    """One rule's page: its name, default severity and documentation, each section a heading."""
    out = [f"# {name}", "", f"Default severity: **{severity}**. Print it with `ivrc rule {name}`.", ""]
    lines = docs.splitlines()
    fence = False
    for index, line in enumerate(lines):
        if line.startswith("```"):
            following = lines[index + 1] if index + 1 < len(lines) else ""
            out.append(f"```{_language(following)}" if not fence and line == "```" else line)
            fence = not fence
        elif not fence and line in SECTIONS:
            out += [f"## {line}", ""]
        else:
            out.append(line)
    return "\n".join(out).rstrip() + "\n"


def _language(first: str) -> str:
    """What an example is written in, by its first line: a request, a recipients file, or a flow."""
    stripped = first.strip()
    if stripped.startswith(("{", "[")):
        return "json"
    if "," in stripped and "{" not in stripped and '"' not in stripped.split(",")[0]:
        return "csv"
    return "ivr"


def pages() -> dict[str, str]:
    """Every page of `docs/rules/`, by file name, the index first."""
    from ivrc.checks import RULES

    rows = [f"| [`{r.name}`]({r.name}.md) | {r.severity.value} | {r.summary} |" for r in RULES]
    made = {"index.md": INTRO + "\n".join(rows) + "\n"}
    for rule in RULES:
        made[f"{rule.name}.md"] = page(rule.name, rule.severity.value, rule.docs)
    return made


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    made = pages()
    for stale in folder.glob("*.md"):
        if stale.name not in made:
            stale.unlink()
    for name, text in made.items():
        (folder / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "rules")
