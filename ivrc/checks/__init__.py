"""Every rule ivrc knows, in one explicit table."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

from ivrc.checks import (
    ambiguous_key_prefix,
    ambiguous_timezone,
    attempt_cap,
    call_too_long,
    conflicting_settings,
    consent_expired,
    count_steps_mismatch,
    dangling_goto,
    duplicate_key,
    duplicate_recipient,
    duplicate_setting,
    duplicate_step,
    empty_value,
    fractional_duration,
    goto_ignored,
    hidden_caller_id,
    invalid_dtmf_chars,
    invalid_key,
    invalid_phone_number,
    invalid_range,
    invalid_suppression,
    invalid_time,
    invisible_characters,
    key_not_offered,
    key_without_action,
    long_prompt,
    long_wait,
    malformed_row,
    misplaced_step,
    missing_column,
    missing_consent,
    missing_identification,
    missing_number,
    missing_opt_out,
    missing_recipients,
    missing_recording,
    missing_request,
    missing_return_address,
    missing_sound,
    missing_step,
    multiple_requests,
    no_exit_loop,
    not_expressible,
    opted_out,
    outside_calling_hours,
    overlapping_range,
    placeholder_in_value,
    recording_not_wav,
    reserved_placeholder,
    retries_past_window,
    schedule_in_past,
    schema_violation,
    sleep_rounded_up,
    stale_suppression_list,
    suppressed_recipient,
    syntax_error,
    unallocated_phone_number,
    undefined_placeholder,
    unknown_region,
    unreachable_action,
    unreachable_step,
    unreadable_file,
    unspeakable_value,
    unsupported_tts_language,
    unused_column,
    unused_placeholder,
    unused_suppression,
    value_out_of_range,
    voicemail_risk,
)
from ivrc.language import suppression
from ivrc.language.diagnostics import Diagnostic, Severity

if TYPE_CHECKING:
    from ivrc.language.ast import Flow
    from ivrc.language.config import Config
    from ivrc.language.model import Model


@dataclass(frozen=True)
class Rule:
    name: str
    severity: Severity
    docs: str
    check: Callable[[Model], Iterator[Diagnostic]] | None
    whole_file: bool = False  # needs every statement: skipped on a file with syntax errors

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
        return cls(
            module.NAME, module.SEVERITY, inspect.getdoc(documented) or "", check, getattr(module, "WHOLE_FILE", False)
        )


RULES: tuple[Rule, ...] = tuple(
    Rule.of(module)
    for module in (
        syntax_error,
        unreadable_file,
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
        invisible_characters,
        unallocated_phone_number,
        invalid_time,
        schedule_in_past,
        fractional_duration,
        value_out_of_range,
        count_steps_mismatch,
        duplicate_step,
        dangling_goto,
        unreachable_step,
        goto_ignored,
        no_exit_loop,
        unreachable_action,
        invalid_key,
        invalid_range,
        duplicate_key,
        overlapping_range,
        key_not_offered,
        key_without_action,
        ambiguous_key_prefix,
        invalid_dtmf_chars,
        long_wait,
        long_prompt,
        call_too_long,
        sleep_rounded_up,
        missing_recording,
        recording_not_wav,
        unsupported_tts_language,
        reserved_placeholder,
        undefined_placeholder,
        unused_placeholder,
        invalid_suppression,
        unused_suppression,
        not_expressible,
        missing_recipients,
        malformed_row,
        missing_column,
        unused_column,
        empty_value,
        duplicate_recipient,
        placeholder_in_value,
        unspeakable_value,
        outside_calling_hours,
        ambiguous_timezone,
        retries_past_window,
        suppressed_recipient,
        stale_suppression_list,
        missing_consent,
        consent_expired,
        attempt_cap,
        opted_out,
        missing_opt_out,
        hidden_caller_id,
        missing_identification,
        voicemail_risk,
    )
)

BY_NAME = {rule.name: rule for rule in RULES}


def run(
    model: Model, complete: bool = True, only: frozenset[str] | None = None, found_by: set[str] | None = None
) -> list[Diagnostic]:
    """The findings of every check the config enables, in source order. For a file that did
    not parse (`complete` false), only the checks that look at one statement at a time. `only`
    runs just the checks named; `found_by` is told the name of each check that found something
    (a JSON request read again for positions runs only those again)."""
    found: list[Diagnostic] = []
    for rule in RULES:
        if rule.check is None or not model.config.enabled(rule.name) or not (complete or not rule.whole_file):
            continue
        if only is not None and rule.name not in only:
            continue
        before = len(found)
        found.extend(rule.check(model))
        if found_by is not None and len(found) > before:
            found_by.add(rule.name)
    return sorted(found, key=lambda d: d.sort_key)


def configure(
    diagnostics: list[Diagnostic], config: Config, flow: Flow | None = None, complete: bool = True
) -> list[Diagnostic]:
    """Findings as the config wants them: selected rules only, at their configured severity,
    less those that an inline suppression covers, plus a finding for each suppression that
    covers nothing (of a rule that ran over the whole file, so that it could have)."""
    kept = []
    for d in diagnostics:
        if not config.enabled(d.rule):
            continue
        severity = config.severity_of(d.rule, d.severity)
        kept.append(d if severity is d.severity else d._replace(severity=severity))
    if config.suppress and flow is not None:
        kept, unused = suppression.apply(kept, flow)
        if complete and config.enabled(unused_suppression.NAME):
            severity = config.severity_of(unused_suppression.NAME, unused_suppression.SEVERITY)
            for name, span in unused:
                rule = BY_NAME.get(name)
                if rule is not None and _could_have_run(rule, config):
                    kept.append(unused_suppression.diagnose(name, span)._replace(severity=severity))
    return sorted(kept, key=lambda d: d.sort_key)


def _could_have_run(rule: Rule, config: Config) -> bool:
    """Whether a rule ran on this file as checked, so that a suppression of it that covered
    nothing is known to be unused: not a rule made outside the checks (the schema's, the
    decompiler's), nor one switched off, nor missing-recording without a recordings folder."""
    if rule.check is None or not config.enabled(rule.name) or rule.name == unused_suppression.NAME:
        return False
    return rule.name != missing_recording.NAME or config.recordings is not None
