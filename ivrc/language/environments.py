"""Environments: `[tool.ivrc.env.NAME]` in pyproject.toml or `[env.NAME]` in ivrc.toml, one per
service a flow is deployed to (staging, production). Each names its service and the environment
variables that hold its credentials (never the credentials themselves), and overrides what
differs: the caller id, the return address, the recipients (staging calls a staff list) and keys
of the policy. `--env NAME` (or `IVRC_ENV`) picks one."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KEYS = ("base_url", "username_env", "password_env", "cli", "return_address", "recipients", "policy")
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class EnvironmentError_(ValueError):  # noqa: N801 - not the builtin EnvironmentError (OSError)
    """An environment table that cannot be used, or one asked for that does not exist."""


@dataclass(frozen=True)
class Environment:
    name: str
    base_url: str | None = None
    username_env: str | None = None
    password_env: str | None = None
    cli: str | None = None
    return_address: str | None = None
    recipients: Path | None = None
    policy: dict[str, Any] = field(default_factory=dict)  # policy keys over the configuration's own

    @property
    def overrides(self) -> dict[str, str]:
        """What it sets in every request of a flow deployed to it."""
        return {k: v for k, v in (("cli", self.cli), ("return_address", self.return_address)) if v is not None}


def read(tables: Any, path: Path, where: str) -> dict[str, Environment]:
    """The environments of one configuration file; `where` is how the file names their table."""
    if not isinstance(tables, dict):
        raise EnvironmentError_(f"{path}: `{where}` must hold a table per environment, such as [{where}.staging]")
    found: dict[str, Environment] = {}
    for name, table in tables.items():
        if not _NAME.match(name):
            raise EnvironmentError_(
                f"{path}: [{where}.{name}]: an environment's name is letters, digits, `-`, `_`, `.`"
            )
        if not isinstance(table, dict):
            raise EnvironmentError_(f"{path}: [{where}.{name}] must be a table of settings")
        settings: dict[str, Any] = {"name": name}
        for key, value in table.items():
            if key not in KEYS:
                close = difflib.get_close_matches(key, KEYS, n=1)
                hint = f"; did you mean `{close[0]}`?" if close else f"; an environment may set {', '.join(KEYS)}"
                raise EnvironmentError_(f"{path}: [{where}.{name}]: unknown key `{key}`{hint}")
            settings[key] = _value(key, value, path, f"[{where}.{name}]")
        found[name] = Environment(**settings)
    return found


def _value(key: str, value: Any, path: Path, table: str) -> Any:
    if key == "policy":
        if not isinstance(value, dict):
            raise EnvironmentError_(f"{path}: {table}: `policy` must be a table of policy keys")
        return value
    if not isinstance(value, str) or not value.strip():
        raise EnvironmentError_(f"{path}: {table}: `{key}` must be a text")
    if key in ("username_env", "password_env") and not _VARIABLE.match(value):
        raise EnvironmentError_(
            f"{path}: {table}: `{key}` names an environment variable (such as PROD_PASSWORD), not a value"
        )
    if key == "base_url" and not value.startswith(("http://", "https://")):
        raise EnvironmentError_(f"{path}: {table}: `base_url` must be an http(s) address")
    if key == "recipients":
        return path.parent / value
    return value.strip()


def pick(environments: dict[str, Environment], name: str, source: Path | None) -> Environment:
    """The environment named, or an error that lists them (and suggests the closest)."""
    if name in environments:
        return environments[name]
    if not environments:
        where = f" in {source}" if source else " (no ivrc.toml or [tool.ivrc] found)"
        raise EnvironmentError_(f"--env {name}: no environments are configured{where}; add [env.{name}] to ivrc.toml")
    close = difflib.get_close_matches(name, list(environments), n=1)
    listed = ", ".join(sorted(environments))
    raise EnvironmentError_(
        f"--env {name}: no such environment" + (f"; did you mean `{close[0]}`?" if close else f"; there are {listed}")
    )
