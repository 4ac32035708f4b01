"""The built wheel works on its own: grammar and schemas inside, no source tree needed."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from conftest import EXAMPLES, GOLDEN, ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    [built] = out.glob("ivrc-*.whl")
    return built


def test_wheel_carries_grammar_and_schemas(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {
        "ivrc/grammar/ivr.lark",
        "ivrc/schemas/dialer.schema.json",
        "ivrc/schemas/simple_dialer.schema.json",
    } <= names
    assert not any(name.startswith(("tests/", "examples/")) for name in names)


def test_installed_wheel_compiles_an_example_in_a_fresh_venv(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], check=True, capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run(
        [str(python), "-c", "import ivrc; print(ivrc.__file__)"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(env_dir)), "ivrc comes from the wheel, not the source tree"
    result = subprocess.run(
        [str(env_dir / "bin" / "ivrc"), "compile", str(EXAMPLES / "white_rabbit.ivr")],
        cwd=elsewhere,
        capture_output=True,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == (GOLDEN / "white_rabbit.json").read_bytes()
