"""Every rule ivrc knows, in one explicit table."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

from ivrc.checks import (
    conflicting_settings,
    dangling_goto,
    duplicate_key,
    duplicate_setting,
    duplicate_step,
    fractional_duration,
    invalid_key,
    invalid_phone_number,
    invalid_range,
    invalid_time,
    misplaced_step,
    missing_number,
    missing_request,
    missing_return_address,
    missing_sound,
    missing_step,
    multiple_requests,
    overlapping_range,
    reserved_placeholder,
    schema_violation,
    syntax_error,
    unallocated_phone_number,
    undefined_placeholder,
    unknown_region,
    unreachable_step,
    unused_placeholder,
    value_out_of_range,
)
from ivrc.diagnostics import Diagnostic, Severity

if TYPE_CHECKING:
    from ivrc.model import Model


@dataclass(frozen=True)
class Rule:
    name: str
    severity: Severity
    docs: str
    check: Callable[[Model], Iterator[Diagnostic]] | None

    @property
    def summary(self) -> str:
        """The first sentence of "What it does"."""
        paragraph = self.docs.split("\n\n", 1)[0].split("\n")[1:]
        text = " ".join(line.strip() for line in paragraph)
        end = text.find(". ")
        return text if end < 0 else text[: end + 1]

    @classmethod
    def of(cls, module: ModuleType) -> Rule:
        """A rule module has NAME, SEVERITY and either `check(model)` or, for the findings
        made outside the checks (the parser's, the schema's), `diagnose(...)`."""
        check = getattr(module, "check", None)
        documented = check or module.diagnose
        return cls(module.NAME, module.SEVERITY, inspect.getdoc(documented) or "", check)


RULES: tuple[Rule, ...] = tuple(
    Rule.of(module)
    for module in (
        syntax_error,
        schema_violation,
        missing_request,
        multiple_requests,
        missing_step,
        misplaced_step,
        missing_return_address,
        missing_number,
        missing_sound,
        conflicting_settings,
        duplicate_setting,
        unknown_region,
        invalid_phone_number,
        unallocated_phone_number,
        invalid_time,
        fractional_duration,
        value_out_of_range,
        duplicate_step,
        dangling_goto,
        unreachable_step,
        invalid_key,
        invalid_range,
        duplicate_key,
        overlapping_range,
        reserved_placeholder,
        undefined_placeholder,
        unused_placeholder,
    )
)

BY_NAME = {rule.name: rule for rule in RULES}


def run(model: Model) -> list[Diagnostic]:
    """Every check's findings on one file, in source order."""
    found = [d for rule in RULES if rule.check is not None for d in rule.check(model)]
    return sorted(found, key=lambda d: d.sort_key)
