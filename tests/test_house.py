"""The project's own habits: ruff's lint and format hold on the whole tree, and fail on a
planted violation (so a green run means something)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

RUFF = [sys.executable, "-m", "ruff"]


def _ruff(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*RUFF, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_ruff_check_and_format_hold_on_the_tree():
    checked = _ruff("check", "--no-cache", ".")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    formatted = _ruff("format", "--no-cache", "--check", ".")
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr


def test_ruff_fails_on_a_planted_violation(tmp_path):
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "ivrc").mkdir()
    module = (ROOT / "ivrc" / "language" / "suggest.py").read_text(encoding="utf-8")
    (tmp_path / "ivrc" / "suggest.py").write_text("import os\n" + module, encoding="utf-8")
    checked = _ruff("check", "--no-cache", ".", cwd=tmp_path)
    assert checked.returncode == 1 and "F401" in checked.stdout, checked.stdout
    (tmp_path / "ivrc" / "suggest.py").write_text(module + "\nLIMITS=[1,2]\n", encoding="utf-8")
    formatted = _ruff("format", "--no-cache", "--check", ".", cwd=tmp_path)
    assert formatted.returncode == 1 and "ivrc/suggest.py" in formatted.stdout + formatted.stderr, formatted.stdout


def test_mypy_strict_holds_and_fails_on_a_planted_error(tmp_path):
    clean = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    planted = tmp_path / "planted.py"
    planted.write_text("from ivrc.language.phone import read\n\nreading = read(972, None)\n", encoding="utf-8")
    found = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", str(planted)], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert found.returncode == 1 and 'Argument 1 to "read" has incompatible type "int"' in found.stdout, found.stdout


def test_the_projects_pre_commit_configuration_is_valid():
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config", ".pre-commit-config.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _cycles(package: str) -> list[list[str]]:
    """The import circles among a package's modules, every import counted (inside functions too)."""
    import grimp

    graph = grimp.build_graph(package, cache_dir=None)
    imports = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:  # Tarjan's strongly connected components
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in imports[module]:
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(imports):
        if module not in index:
            visit(module)
    return found


def test_no_module_imports_itself_round_a_circle():
    assert _cycles("ivrc") == []


def test_the_layers_hold_and_fail_on_a_planted_import(tmp_path):
    lint_imports = str(Path(sys.executable).parent / "lint-imports")
    kept = subprocess.run([lint_imports, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert kept.returncode == 0, kept.stdout + kept.stderr
    shutil.copytree(ROOT / "ivrc", tmp_path / "ivrc", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    # The build reaching up into the command line, and the language into the checks above it.
    for module, planted in (("build/batch.py", "ivrc.cli.app"), ("language/model.py", "ivrc.checks.dangling_goto")):
        path = tmp_path / "ivrc" / module
        path.write_text(
            path.read_text(encoding="utf-8") + f"\n\ndef _planted() -> None:\n    import {planted}  # noqa: F401\n",
            encoding="utf-8",
        )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    broken = subprocess.run(
        [lint_imports, "--no-cache"], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300
    )
    said = broken.stdout + broken.stderr
    assert broken.returncode == 1, said
    assert "ivrc.build is not allowed to import ivrc.cli" in said and "ivrc.build.batch -> ivrc.cli.app" in said, said
    assert "ivrc.language is not allowed to import ivrc.checks" in said, said


def test_the_public_api_is_where_users_import_it():
    import ivrc
    from ivrc import ast, batch

    assert batch.run is ivrc.batch.run and ast.Flow is ivrc.ast.Flow
    assert callable(ivrc.analyze) and callable(ivrc.compile) and ivrc.__version__
