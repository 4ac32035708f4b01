"""Settings: `[tool.ivrc]` in pyproject.toml or `ivrc.toml`, found by walking up from a file."""

from __future__ import annotations

import functools
import sys
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from ivrc.language.diagnostics import Severity

if TYPE_CHECKING:
    from ivrc.language.environments import Environment
    from ivrc.language.policy import Policy
    from ivrc.language.pricing import Pricing

DEFAULT_LONG_WAIT = Decimal(60)
DEFAULT_LONG_PROMPT = Decimal(30)
_UNITS = {"ms": Decimal("0.001"), "s": Decimal(1), "m": Decimal(60), "h": Decimal(3600)}
KEYS = (
    "region",
    "recordings",
    "recipients",
    "recipients_delimiter",
    "select",
    "ignore",
    "severity",
    "long-wait-limit",
    "long-prompt-limit",
    "call-too-long-limit",
    "policy",
    "pricing",
    "env",
)
DELIMITERS = {",": ",", ";": ";", "\t": "\t", "tab": "\t", "comma": ",", "semicolon": ";"}


class ConfigError(Exception):
    """A config file that cannot be used; the message names the file and the key."""


_NONE: Mapping[str, Any] = MappingProxyType({})


class Config(NamedTuple):
    """The settings that apply to a file. A named tuple, not a dataclass: a lint answered from
    the cache imports no `dataclasses` (and its `inspect`) at all."""

    region: str | None = None
    recordings: Path | None = None
    recipients: Path | None = None  # a template flow's recipients file
    recipients_delimiter: str | None = None  # None: told from the CSV's header
    select: frozenset[str] | None = None  # None: every rule
    ignore: frozenset[str] = frozenset()
    severity: Mapping[str, Severity] = _NONE
    long_wait_limit: Decimal = DEFAULT_LONG_WAIT
    long_prompt_limit: Decimal = DEFAULT_LONG_PROMPT
    call_too_long_limit: Decimal | None = None  # the service's own limit is not in its document
    suppress: bool = True
    source: Path | None = None
    # A number's length checked against the numbers that begin like it (`09-774-220` is too
    # short). The emulator, like the service, asks only for a length its country has.
    prefix_lengths: bool = True
    policy: Policy | None = None  # `[tool.ivrc.policy]`: whom, when and how often
    pricing: Pricing | None = None  # `[tool.ivrc.pricing]`: what a minute costs, by prefix
    environments: Mapping[str, Environment] = _NONE  # `[tool.ivrc.env.NAME]`
    env_policies: Mapping[str, Policy] = _NONE  # each environment's policy, read whole
    env: str | None = None  # the environment picked (`--env`)
    overrides: Mapping[str, str] = _NONE  # what the environment sets in every request

    def enabled(self, rule: str) -> bool:
        return (self.select is None or rule in self.select) and rule not in self.ignore

    def severity_of(self, rule: str, default: Severity) -> Severity:
        return self.severity.get(rule, default)

    def with_env(self, name: str | None) -> Config:
        """These settings as the environment `name` has them (None: as they are). ConfigError for
        an environment that is not configured, with the closest name."""
        if name is None:
            return self
        from ivrc.language.environments import EnvironmentError_, pick

        try:
            chosen = pick(dict(self.environments), name, self.source)
        except EnvironmentError_ as error:
            raise ConfigError(str(error)) from None
        return self._replace(
            env=name,
            recipients=chosen.recipients or self.recipients,
            policy=self.env_policies.get(name, self.policy),
            overrides=chosen.overrides,
        )

    def override(self, **changes: Any) -> Config:
        """These settings with the command line's flags on top; None leaves a setting alone."""
        return self._replace(**{k: v for k, v in changes.items() if v is not None})


def toml() -> Any:
    """The TOML reader, imported when a file is read: most runs find no config file."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    return tomllib


def _load_toml(path: Path) -> dict[str, Any]:
    return _load_toml_text(path)[0]


def _load_toml_text(path: Path) -> tuple[dict[str, Any], str]:
    from ivrc.language.files import Unreadable, read_text

    tomllib = toml()
    try:
        text = read_text(path)
        loaded: dict[str, Any] = tomllib.loads(text)
        return loaded, text
    except Unreadable as problem:
        raise ConfigError(str(problem)) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None


def find(start: Path) -> Path | None:
    """The nearest ivrc.toml, or pyproject.toml with a [tool.ivrc] table, at or above `start`."""
    folder = start if start.is_dir() else start.parent
    return _find_in(folder.resolve())


@functools.cache
def _find_in(folder: Path) -> Path | None:
    for candidate in (folder / "ivrc.toml", folder / "pyproject.toml"):
        if candidate.is_file() and (candidate.name == "ivrc.toml" or "ivrc" in _load_toml(candidate).get("tool", {})):
            return candidate
    return None if folder.parent == folder else _find_in(folder.parent)


@functools.cache
def load(path: Path) -> Config:
    """Read one config file; ConfigError for anything that is not a known key of the right kind."""
    data, text = _load_toml_text(path)
    table = data if path.name == "ivrc.toml" else data.get("tool", {}).get("ivrc", {})
    where = "" if path.name == "ivrc.toml" else "[tool.ivrc] "
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {where.strip() or 'the file'} must be a table")
    settings: dict[str, Any] = {"source": path}
    for key, value in table.items():
        if key not in KEYS:
            raise ConfigError(f"{path}: {where}unknown key `{key}`; the keys are {', '.join(KEYS)}")
        if key == "severity" and isinstance(value, dict):
            _misplaced_options(path, where, value)
        if key == "policy":
            from ivrc.language import policy

            try:
                settings["policy"] = policy.read(value, path, text, "tool.ivrc.policy" if where else "policy")
            except policy.PolicyError as error:
                raise ConfigError(str(error)) from None
            continue
        if key == "pricing":
            from ivrc.language import pricing

            try:
                settings["pricing"] = pricing.read(value, path, text, "tool.ivrc.pricing" if where else "pricing")
            except pricing.PricingError as error:
                raise ConfigError(str(error)) from None
            continue
        if key == "env":
            settings.update(_environments(value, table.get("policy"), path, text, "tool.ivrc.env" if where else "env"))
            continue
        try:
            settings.update(_read_key(key, value, path.parent))
        except ValueError as error:
            raise ConfigError(f"{path}: {where}`{key}`: {error}") from None
    return Config(**settings)


def _environments(value: Any, base_policy: Any, path: Path, text: str, where: str) -> dict[str, Any]:
    """The environments, and the policy of each that changes it: its keys over the file's own."""
    from ivrc.language import environments, policy

    try:
        found = environments.read(value, path, where)
    except environments.EnvironmentError_ as error:
        raise ConfigError(str(error)) from None
    policies = {}
    for name, environment in found.items():
        if environment.policy:
            merged = {**(base_policy if isinstance(base_policy, dict) else {}), **environment.policy}
            try:
                policies[name] = policy.read(merged, path, text, f"{where}.{name}.policy")
            except policy.PolicyError as error:
                raise ConfigError(str(error)) from None
    return {"environments": found, "env_policies": policies}


def _misplaced_options(path: Path, where: str, severity: dict[str, Any]) -> None:
    """An option written after the severity table's header lands inside it, as TOML reads it."""
    for name in severity:
        if name in KEYS:
            header = "[tool.ivrc.severity]" if where else "[severity]"
            owner = "[tool.ivrc]" if where else "the top of the file"
            raise ConfigError(
                f"{path}: `{name}` is an option of {owner}, but it is written under {header}, so TOML reads it "
                f"as a rule's severity; move `{name} = …` above the {header} line"
            )


def _read_key(key: str, value: Any, base: Path) -> dict[str, Any]:
    if key == "region":
        return {"region": region_code(_string(value))}
    if key in ("recordings", "recipients"):
        return {key: base / _string(value)}
    if key == "recipients_delimiter":
        if not isinstance(value, str) or value not in DELIMITERS:
            raise ValueError('expected ",", ";" or "\\t" (or "comma", "semicolon", "tab")')
        return {"recipients_delimiter": DELIMITERS[value]}
    if key in ("select", "ignore"):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError("expected a list of rule names")
        return {key: frozenset(rule_names(value))}
    if key == "severity":
        if not isinstance(value, dict):
            raise ValueError('expected a table such as { unreachable-step = "error" }')
        return {
            "severity": {
                name: severity_level(level) for name, level in zip(rule_names(list(value)), value.values(), strict=True)
            }
        }
    if key == "long-prompt-limit":
        return {"long_prompt_limit": duration(value)}
    if key == "call-too-long-limit":
        return {"call_too_long_limit": duration(value)}
    return {"long_wait_limit": duration(value)}


def _string(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("expected a text")
    return value


def region_code(value: str) -> str:
    from ivrc.language.regions import supported as supported_region

    if not supported_region(value):
        raise ValueError(f"`{value}` is not a region phone numbers can be read for; use a code such as IL or US")
    return value.upper()


def rule_names(values: list[str]) -> list[str]:
    from ivrc.language.rule_names import rule_names as known

    for name in values:
        if name not in known():
            import difflib

            close = difflib.get_close_matches(name, sorted(known()), n=1)
            raise ValueError(f"no rule named `{name}`" + (f"; did you mean `{close[0]}`?" if close else ""))
    return values


def severity_level(value: Any) -> Severity:
    try:
        return Severity(value)
    except ValueError:
        raise ValueError(f"`{value}` is not a severity; use error, warning or info") from None


def duration(value: Any) -> Decimal:
    """Seconds, as a number or a text with a unit (`90s`, `2m`)."""
    if isinstance(value, bool):
        raise ValueError("expected seconds or a duration such as `90s`")
    if isinstance(value, (int, float)):
        number = Decimal(str(value))
    elif isinstance(value, str):
        unit = next((u for u in ("ms", "s", "m", "h") if value.endswith(u)), None)
        try:
            number = Decimal(value[: -len(unit)] if unit else value) * _UNITS[unit or "s"]
        except InvalidOperation:
            raise ValueError(f"`{value}` is not a duration such as `90s`") from None
    else:
        raise ValueError("expected seconds or a duration such as `90s`")
    if number < 0 or not number.is_finite():
        raise ValueError("expected a duration of zero or more")
    return number


def for_file(path: Path, config: Path | None = None) -> Config:
    """The settings that apply to `path`: an explicit config file, or the nearest one, or none."""
    source = config or find(path)
    return load(source.resolve()) if source else Config()
