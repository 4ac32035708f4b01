"""Environments: one configuration, a staging and a production service, each with its credentials
read from variables it names, its overrides, and journals of its own, against `ivrc emulator`."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from test_service import PASSWORD, USER, Emulator

FLOW = """\
region IL
dialer "{name}" {{
    return_address "https://hooks.example.com/ivr"
    number recipient.phone
    cli "03-123-4567"
}}
step a {{
    say "Hello $name$" with name = recipient.name
    on 1 -> hangup
}}
"""
CONFIG = """\
region = "IL"
recipients = "patients.csv"

[env.staging]
base_url = "{url}"
username_env = "STAGING_USER"
password_env = "STAGING_PASSWORD"
recipients = "staff.csv"
return_address = "https://staging.example.com/ivr"

[env.production]
base_url = "{url}"
username_env = "PROD_USER"
password_env = "PROD_PASSWORD"
cli = "03-555-0000"
policy = {{ suppress = ["dnc.csv"] }}
"""


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    folder = tmp_path_factory.mktemp("envs")
    running = Emulator(folder / "data", folder / "emulator.log", "--no-wait")
    yield running
    running.stop()


def _run(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The command line with only the credentials the environments name (no IVRC_* of the test's)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("IVRC_")}
    done = subprocess.run(
        [sys.executable, "-m", "ivrc", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**clean, "NO_COLOR": "1", "XDG_STATE_HOME": os.environ["XDG_STATE_HOME"], **env},
        timeout=120,
    )
    return done


CREDENTIALS = {"STAGING_USER": USER, "STAGING_PASSWORD": PASSWORD, "PROD_USER": USER, "PROD_PASSWORD": PASSWORD}


def _project(tmp_path: Path, emulator: Emulator, name: str) -> Path:
    (tmp_path / "ivrc.toml").write_text(CONFIG.format(url=emulator.url), encoding="utf-8")
    (tmp_path / "patients.csv").write_text(
        "name,phone\nDana,+972520000001\nAvi,+972520000002\nNoa,+972520000003\n", encoding="utf-8"
    )
    (tmp_path / "staff.csv").write_text("name,phone\nTester,+972520000009\n", encoding="utf-8")
    (tmp_path / "dnc.csv").write_text("phone\n0520000003\n", encoding="utf-8")
    flow = tmp_path / f"{name}.ivr"
    flow.write_text(FLOW.format(name=name), encoding="utf-8")
    return flow


def _campaigns(emulator: Emulator, prefix: str) -> list[dict]:
    with sqlite3.connect(emulator.data / "emulator.sqlite3") as db:
        rows = db.execute("SELECT request FROM campaigns WHERE unique_id LIKE ?", ("%/" + prefix + "-%",)).fetchall()
    return [json.loads(r[0]) for r in rows]


def test_staging_and_production_each_call_their_own_with_their_own_settings(emulator, tmp_path):
    flow = _project(tmp_path, emulator, "env-campaign")
    staging = _run("deploy", flow.name, "--env", "staging", "--yes", cwd=tmp_path, **CREDENTIALS)
    assert staging.returncode == 0, staging.stderr
    called = _campaigns(emulator, "env-campaign")
    assert [(c["number"], c["return_address"], c["cli"]) for c in called] == [
        ("972520000009", "https://staging.example.com/ivr", "97231234567")
    ]
    production = _run("deploy", flow.name, "--yes", cwd=tmp_path, IVRC_ENV="production", **CREDENTIALS)
    assert production.returncode == 0, production.stderr
    assert "1 on the do-not-call list dnc.csv" in production.stdout
    by_number = {c["number"]: c for c in _campaigns(emulator, "env-campaign")}
    assert sorted(by_number) == ["972520000001", "972520000002", "972520000009"]
    assert by_number["972520000001"]["cli"] == "97235550000"
    assert by_number["972520000001"]["return_address"] == "https://hooks.example.com/ivr"
    journals = sorted(p.relative_to(tmp_path).as_posix() for p in (tmp_path / ".ivrc").rglob("*.sqlite3"))
    assert journals == [
        ".ivrc/deploys/production/env-campaign.ivr.batch.sqlite3",
        ".ivrc/deploys/staging/env-campaign.ivr.batch.sqlite3",
    ]
    again = _run("deploy", flow.name, "--env", "staging", "--yes", cwd=tmp_path, **CREDENTIALS)
    assert again.stdout.splitlines()[-1].startswith("Nothing to send")
    # The results of each environment's campaign, with its credentials and its journal.
    results = _run("cdr", "--recipients", "staff.csv", "--flow", flow.name, "--env", "staging", "--format", "json",
                   cwd=tmp_path, **CREDENTIALS)  # fmt: skip
    assert results.returncode == 0, results.stderr
    assert [r["row"] for r in json.loads(results.stdout)] == [1]


def test_bad_environments_are_one_line_and_send_nothing(emulator, tmp_path):
    flow = _project(tmp_path, emulator, "env-bad")
    unknown = _run("deploy", flow.name, "--env", "prodution", "--yes", cwd=tmp_path, **CREDENTIALS)
    assert unknown.returncode == 2
    assert unknown.stderr.strip().endswith("--env prodution: no such environment; did you mean `production`?")
    missing = _run("deploy", flow.name, "--env", "production", "--yes", cwd=tmp_path, PROD_USER=USER)
    assert missing.returncode == 2
    assert "--env production: its password is in $PROD_PASSWORD, which is not set; nothing was sent" in missing.stderr
    (tmp_path / "ivrc.toml").write_text(
        CONFIG.format(url=emulator.url).replace("cli = ", "caller_id = "), encoding="utf-8"
    )
    typo = _run("deploy", flow.name, "--env", "production", "--yes", cwd=tmp_path, **CREDENTIALS)
    assert typo.returncode == 2 and "[env.production]: unknown key `caller_id`" in typo.stderr
    assert _campaigns(emulator, "env-bad") == []


def test_ivrc_env_lists_the_environments_and_the_missing_credentials_by_name(emulator, tmp_path):
    _project(tmp_path, emulator, "env-list")
    done = _run("env", cwd=tmp_path, STAGING_USER=USER, STAGING_PASSWORD="s3cret-value")
    assert done.returncode == 1
    assert "production: " + emulator.url + "; $PROD_USER MISSING, $PROD_PASSWORD MISSING" in done.stdout
    assert "staging: " + emulator.url + "; $STAGING_USER set, $STAGING_PASSWORD set" in done.stdout
    assert "s3cret-value" not in done.stdout + done.stderr
    listed = json.loads(_run("env", "--format", "json", cwd=tmp_path, **CREDENTIALS).stdout)
    assert [e["name"] for e in listed["environments"]] == ["production", "staging"]


def test_compile_takes_the_environments_recipients_and_overrides(emulator, tmp_path):
    flow = _project(tmp_path, emulator, "env-compile")
    done = _run("compile", flow.name, "--env", "staging", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (request,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert request["number"] == "972520000009" and request["return_address"] == "https://staging.example.com/ivr"
    assert str(ROOT) not in done.stderr
