"""Syntax errors read as sentences, at the right place, and parsing goes on after them."""

from __future__ import annotations

import pytest

import ivrc
from ivrc.language.parser import MAX_SYNTAX_ERRORS, lark_parser


def syntax(text: str) -> list[tuple[int, int, str, str | None]]:
    return [(d.line, d.column, d.message, d.help) for d in ivrc.lint(text) if d.rule == "syntax-error"]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("step a { on 1 -> goto }", (1, 23, "expected a step name after `goto`, found `}`", None)),
        ("step { }", (1, 6, "expected a step name after `step`, found `{`", None)),
        (
            "step a { on -> hangup }",
            (1, 13, 'expected a key after `on`, such as `1`, `11`, `10..12` or `"#"`, found `->`', None),
        ),
        (
            "step a { on # -> hangup }",
            (
                1,
                26,
                'the file ends too soon; expected a key after `on`, such as `1`, `11`, `10..12` or `"#"`',
                '`#` starts a comment; write the key as `"#"`',
            ),
        ),
        (
            "step a { say hello }",
            (1, 14, "expected `file` or a quoted text, found `hello`", 'texts are quoted: `"hello"`'),
        ),
        (
            "step a { on 1 -> goto b hangup }",
            (
                1,
                25,
                "expected a step statement (`say`, `on`, `voice`, `timeout`, …) or `}`, found `hangup`",
                '`->` takes one action; put several in braces: `on 1 { play "…"; hangup }`',
            ),
        ),
        (
            "step a { on 1 -> goto say }",
            (
                1,
                23,
                "expected a step name after `goto`, found `say`",
                '`say` is a keyword; a step of that name is written quoted: `"say"`',
            ),
        ),
        (
            'step a { say "x" timeuot 3s }',
            (
                1,
                18,
                "expected a step statement (`say`, `on`, `voice`, `timeout`, …), `,`, `with` or `}`, found `timeuot`",
                "did you mean `timeout`?",
            ),
        ),
        (
            'dialer { retrun_address "x" }',
            (
                1,
                10,
                "expected a dialer setting (`return_address`, `number`, `schedule`, …) or `}`, found `retrun_address`",
                "did you mean `return_address`?",
            ),
        ),
        (
            'step a { say "x"',
            (
                1,
                17,
                "the file ends too soon; expected a step statement (`say`, `on`, `voice`, `timeout`, …), `,`, `with` or `}`",
                None,
            ),
        ),
        (
            'step a { say "unterminated }',
            (
                1,
                14,
                'this text has no closing `"`',
                'a text ends with `"` on the same line; write `\\"` for a quote inside it',
            ),
        ),
        ("@", (1, 1, "unexpected character `@`; expected a `dialer`, `simple_dialer`, `step` or `region`", None)),
        (
            'step a { on 1 { play "x" voice robot } }',
            (1, 32, "expected `male` or `female` after `voice`, found `robot`", None),
        ),
    ],
)
def test_message_in_words_at_the_right_place(text, expected):
    assert syntax(text)[0] == expected


def test_messages_never_name_tokens():
    for text in ["step a { on 1 -> }", "dialer { number 5 }", "step a { keys }", "region", "step a { on 1..x }"]:
        for _, _, message, _ in syntax(text):
            for token_name in ("STRING", "NAME", "KEY", "DURATION", "__ANON", "RBRACE", "LBRACE", "$END"):
                assert token_name not in message, message


def test_errors_in_separate_statements_are_all_reported():
    text = "step a {\n    say 1\n    timeout 3\n    on 1 -> goto\n}\nstep b { voice robot }\n"
    assert [(line, column) for line, column, _, _ in syntax(text)] == [(2, 9), (3, 13), (5, 1), (6, 16)]


def test_junk_is_capped():
    assert len(syntax("@" * 10_000)) <= MAX_SYNTAX_ERRORS


def test_after_a_syntax_error_whole_file_checks_wait_for_a_clean_parse():
    """A goto to a step that failed to parse must not be called dangling."""
    found = ivrc.lint("step a { on 1 -> goto nowhere; say 5 }")
    assert {d.rule for d in found} == {"syntax-error"}


def test_one_typo_does_not_hide_the_findings_below_it():
    text = (
        'region IL\ndialer { return_address "https://example.com/r"; numbers from queue }\n'
        'step a {\n    sya "typo"\n    on 1 -> call "054-000" cli "03-000-0000"\n    on 10..5 -> hangup\n}\n'
        "step b {\n    on 2 { wait 1.5s }\n"
    )
    found = [(d.rule, d.line) for d in ivrc.lint(text)]
    assert found == [
        ("syntax-error", 4),
        ("invalid-phone-number", 5),
        ("invalid-range", 6),
        ("sleep-rounded-up", 9),
        ("syntax-error", 9),
    ]
    assert ivrc.analyze(text, emit_request=True).request is None, "nothing is compiled from a file with syntax errors"


def test_parser_is_built_once():
    assert lark_parser() is lark_parser()


def test_parse_gives_a_typed_tree_with_spans():
    flow = ivrc.parse("region IL\nstep menu {\n    on 10..12 -> goto menu\n}\n")
    step = flow.steps[0]
    assert step.name.text == "menu"
    handler = step.handlers[0]
    assert (handler.key.span.line, handler.key.span.column, handler.key.span.end_column) == (3, 8, 14)
    with pytest.raises(ivrc.CompileError) as raised:
        ivrc.parse("step {")
    assert raised.value.diagnostics[0].rule == "syntax-error"
