"""`ivrc graph`: Mermaid and DOT, checked with the real Graphviz."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLES, run_ivrc

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.ivr"))
HEAD = 'region IL\ndialer { return_address "https://example.com/r"; numbers from queue }\n'


@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_dot_of_every_example_renders_with_graphviz(example, tmp_path):
    dot = run_ivrc("graph", str(example), "--format", "dot")
    assert dot.returncode == 0, dot.stderr
    rendered = subprocess.run(["dot", "-Tsvg"], input=dot.stdout.encode("utf-8"), capture_output=True, check=False)
    assert rendered.returncode == 0, rendered.stderr.decode()
    assert rendered.stdout.startswith(b"<?xml") and b"<svg" in rendered.stdout


def test_svg_format_through_graphviz(tmp_path):
    out = tmp_path / "flow.svg"
    result = run_ivrc("graph", str(EXAMPLES / "white_rabbit.ivr"), "--format", "svg", "-o", str(out))
    assert result.returncode == 0, result.stderr
    svg = out.read_text(encoding="utf-8")
    assert "<svg" in svg and "foo" in svg and "hang up" in svg


def test_svg_without_graphviz_says_so_clearly(tmp_path):
    bare = tmp_path / "bin"
    bare.mkdir()
    env = {**os.environ, "PATH": str(bare)}
    result = subprocess.run(
        [sys.executable, "-m", "ivrc", "graph", str(EXAMPLES / "white_rabbit.ivr"), "--format", "svg"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 2
    assert "--format svg needs Graphviz's `dot` program" in result.stderr
    assert shutil.which("dot"), "Graphviz itself is installed for the other tests"


def test_mermaid_shows_steps_keys_ends_and_unreachable_steps(tmp_path):
    flow = tmp_path / "flow.ivr"
    flow.write_text(
        HEAD
        + 'step menu { say "Press \\"1\\" <now>"; on 1 -> goto sales; on 10..12 -> call "054-600-0000" cli ""; on 9 -> goto nowhere }\nstep sales { say "Sales"; on 1 -> hangup }\nstep lost { say "Nobody" }\n',
        encoding="utf-8",
    )
    result = run_ivrc("graph", str(flow))
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "flowchart TD"
    assert '    s0["menu<br/>Press #quot;1#quot; #lt;now#gt;"]' in lines
    assert '    s0 -->|"1"| s1' in lines
    assert '    s0 -->|"10..12"| call_054_600_0000' in lines
    assert '    s1 -->|"1"| hangup' in lines
    assert any(line.startswith('    s0 -->|"9"| missing_') for line in lines)
    assert lines[-1].startswith("    class s2,missing_") and lines[-1].endswith(" problem;")


def test_sequential_flow_edges_follow_the_step_order():
    result = run_ivrc("graph", str(EXAMPLES / "satisfaction_survey.ivr"), "--format", "dot")
    assert "  s0 -> s1;" in result.stdout
    assert '  s1 -> s2 [label="1..2"];' in result.stdout
    assert '  s3 -> hangup [label="0"];' in result.stdout


def test_graph_output_is_deterministic():
    outputs = {
        subprocess.run(
            [sys.executable, "-m", "ivrc", "graph", str(EXAMPLES / "white_rabbit.ivr")],
            capture_output=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1


def test_graph_of_a_file_with_syntax_errors(tmp_path: Path):
    flow = tmp_path / "flow.ivr"
    flow.write_text("step {", encoding="utf-8")
    result = run_ivrc("graph", str(flow))
    assert result.returncode == 1
    assert "error[syntax-error]" in result.stderr


def test_graph_of_a_file_without_a_request_fails_as_lint_does(tmp_path):
    (tmp_path / "empty.ivr").write_text("", encoding="utf-8")
    result = run_ivrc("graph", "empty.ivr", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "empty.ivr:1:1: error[missing-request]" in result.stderr
    assert result.stderr.endswith(
        "ivrc: error: empty.ivr: nothing drawn; the flow has errors that leave no call to draw\n"
    )
