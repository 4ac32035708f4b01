"""Shared test setup: paths, the CLI runner, and hypothesis profiles."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
GOLDEN = Path(__file__).resolve().parent / "golden"
SCHEMAS = ROOT / "schemas"
# A template example (its recipients CSV beside it) is one request per recipient, not one request.
SINGLE_REQUEST_EXAMPLES = [e for e in sorted(EXAMPLES.glob("*.ivr")) if not e.with_suffix(".csv").is_file()]

# CI runs property tests derandomized and bounded; `HYPOTHESIS_PROFILE=fuzz` runs a long local fuzz.
settings.register_profile(
    "ci", derandomize=True, max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=300, deadline=None)
settings.register_profile("fuzz", max_examples=20_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Derandomized unless asked otherwise: the same inputs on every run, for a newcomer's `pytest`
# and for CI alike. `HYPOTHESIS_PROFILE=dev` explores new inputs on each run.
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def run_ivrc(
    *args: str, cwd: Path | None = None, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The real command line, in a fresh interpreter."""
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "ivrc", *args],
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=full_env,
        input=stdin.decode() if stdin else None,
        timeout=120,
    )


@pytest.fixture(scope="session", autouse=True)
def _state_home(tmp_path_factory: pytest.TempPathFactory):
    """The deploy journals' key is kept in the user's state folder (`XDG_STATE_HOME`): the tests,
    and every command they start, keep theirs in a folder of their own."""
    previous = os.environ.get("XDG_STATE_HOME")
    os.environ["XDG_STATE_HOME"] = str(tmp_path_factory.mktemp("state"))
    yield
    if previous is None:
        del os.environ["XDG_STATE_HOME"]
    else:
        os.environ["XDG_STATE_HOME"] = previous


@pytest.fixture
def ivrc_cli():
    return run_ivrc
