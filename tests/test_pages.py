"""The HTML pages (`ivrc report`, `ivrc test --report`) opened in a real headless Chromium, as a
campaign manager or a reviewer opens them: they render with no console error, their figures match
the call records, they work from the keyboard, and their text is readable. A screenshot of each is
kept as a CI artifact, in $IVRC_ARTIFACTS (default: build/artifacts)."""

from __future__ import annotations

import os
import shutil
from collections import Counter
from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT, run_ivrc

from ivrc.running.records import parse_cdr

ARTIFACTS = Path(os.environ.get("IVRC_ARTIFACTS") or ROOT / "build" / "artifacts")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SURVEY = EXAMPLES / "satisfaction_survey.ivr"
SURVEY_RECORDS = EXAMPLES / "satisfaction_survey.cdr.csv"

# WCAG 2 contrast of text against its background, worked out in the page itself.
CONTRAST = """
() => {
  function rgb(text) { return text.match(/[\\d.]+/g).slice(0, 3).map(Number); }
  function luminance(colour) {
    const [r, g, b] = rgb(colour).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  function background(element) {
    for (let e = element; e; e = e.parentElement) {
      const colour = getComputedStyle(e).backgroundColor;
      if (colour && !colour.startsWith('rgba(0, 0, 0, 0)') && colour !== 'transparent') { return colour; }
    }
    return 'rgb(255, 255, 255)';
  }
  const worst = [];
  for (const element of document.querySelectorAll('h1, h2, p, li, td, th, caption, figcaption, strong, svg text')) {
    if (!element.textContent.trim()) { continue; }
    const style = getComputedStyle(element);
    const colour = element instanceof SVGElement ? (element.getAttribute('fill') && element.getAttribute('fill') !== 'none' ? style.fill : style.color) : style.color;
    const a = luminance(colour), b = luminance(background(element));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) { worst.push([element.tagName, element.textContent.trim().slice(0, 30), ratio]); }
  }
  return worst;
}
"""


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("these tests open the pages in Chromium: install Debian's `chromium` package (.ci/run does)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS, headless=True)
        yield launched
        launched.close()


def _open(browser, path: Path, width: int = 1200, height: int = 900):
    """The page, and the console errors and uncaught exceptions it produced."""
    page = browser.new_page(viewport={"width": width, "height": height})
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    requests: list[str] = []
    page.on(
        "request",
        lambda request: requests.append(request.url) if not request.url.startswith(("file:", "data:")) else None,
    )
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, errors, requests


@pytest.fixture(scope="module")
def survey_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report.html"
    result = run_ivrc("report", str(SURVEY), "--cdr", str(SURVEY_RECORDS), "-o", str(out))
    assert result.returncode == 0, result.stderr
    return out


def test_the_report_renders_with_no_console_error_and_fetches_nothing(browser, survey_report):
    page, errors, requests = _open(browser, survey_report)
    assert errors == []
    assert requests == [], "the page is self-contained"
    assert page.locator("svg.flow").count() == 1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    page.close()


def test_the_report_figures_match_the_records(browser, survey_report):
    records = parse_cdr(SURVEY_RECORDS.read_text(encoding="utf-8"))
    page, _, _ = _open(browser, survey_report)
    answered = [r for r in records if r.answered]
    assert page.locator('[data-figure="calls placed"] strong').inner_text() == str(len(records))
    assert (
        page.locator('[data-figure="answered"] strong').inner_text()
        == f"{len(answered)} ({len(answered) / len(records):.0%})"
    )
    # Keys taken at each step, counted from the records' own step reports.
    pressed = Counter((step, keys) for r in records for step, keys in r.keys)
    service = page.locator("#step-s1 td").all_inner_texts()
    assert service[0] == "service" and service[2] == str(len(answered)), "every answered call hears the rating question"
    by_range = {
        "1..2": pressed["service", "1"] + pressed["service", "2"],
        "3": pressed["service", "3"],
        "4..5": pressed["service", "4"] + pressed["service", "5"],
    }
    assert service[5] == ", ".join(f"{key} → callback: {count}" for key, count in by_range.items())
    callback = page.locator("#step-s2 td").all_inner_texts()
    assert callback[5] == f"1 → goodbye: {pressed['callback', '1']}, 9 → goodbye: {pressed['callback', '9']}"
    # The drawn edges carry the same counts as the table.
    labels = [label.strip() for label in page.locator("svg.flow g.edge text").all_text_contents()]
    for key, count in by_range.items():
        assert f"{key} · {count}" in labels
    marks = Counter(mark for r in records for mark in r.marks)
    rows = {
        row[0]: row[1]
        for row in (
            r.split("\t")
            for r in page.locator("table:has(caption:text('Marks set during calls')) tbody tr").all_inner_texts()
        )
    }
    assert rows == {mark: str(count) for mark, count in marks.items()}
    page.close()


def test_the_report_works_from_the_keyboard_and_the_pointer(browser, survey_report):
    page, errors, _ = _open(browser, survey_report)
    detail = page.locator(".detail")
    page.locator("svg.flow g#node-s1 a").hover()
    assert detail.inner_text().startswith("service: ")
    # The prompt is isolated (U+2068 ... U+2069), so that the Hebrew keeps its order in the line.
    assert "Prompt: \u2068כמה היית ממליץ עלינו, מ-1 עד 5?\u2069" in detail.inner_text()
    assert "Marks: custom:detractor 16" in detail.inner_text()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.closest('svg.flow') !== null"):
            break
    else:
        pytest.fail("no step of the diagram takes the keyboard's focus")
    assert " calls reached it" in detail.inner_text()
    assert errors == []
    page.close()


def test_the_report_is_accessible(browser, survey_report):
    page, _, _ = _open(browser, survey_report)
    assert page.evaluate("document.documentElement.lang") == "en"
    # Every drawing has a role and a name; the diagram a description as well.
    for svg in page.locator("main svg").all():
        assert svg.get_attribute("role") == "img"
        assert svg.get_attribute("aria-label") or svg.get_attribute("aria-labelledby")
    assert page.locator("#flow-title").text_content().startswith("Flow diagram of")
    assert "service: " in page.locator("#flow-desc").text_content()
    ids = page.evaluate("[...document.querySelectorAll('[id]')].map(e => e.id)")
    assert len(ids) == len(set(ids)), "every id is unique"
    # Every table has a caption and column headers.
    assert page.locator("table").count() == page.locator("table caption").count() > 0
    assert page.evaluate(CONTRAST) == []
    # Hebrew prompts run right to left in the table.
    hebrew = page.locator("#step-s0 td").nth(1)
    assert hebrew.evaluate("cell => getComputedStyle(cell).direction") == "rtl"
    page.close()


def test_the_coverage_report_renders_and_marks_what_is_untested(browser, tmp_path):
    out = tmp_path / "coverage.html"
    result = run_ivrc("test", str(EXAMPLES), "--report", str(out))
    assert result.returncode == 0, result.stderr
    page, errors, requests = _open(browser, out)
    assert errors == [] and requests == []
    assert page.locator("svg.flow").count() == len(list(EXAMPLES.glob("*.ivr")))
    untested = page.locator("svg.flow g.untested").count()
    listed = sum(line.count(", ") + 1 for line in result.stdout.splitlines() if ": not tested: " in line)
    assert 0 < untested <= listed, (
        "each untested step and key is marked (wrong keys and silences are listed, not drawn)"
    )
    ids = page.evaluate("[...document.querySelectorAll('[id]')].map(e => e.id)")
    assert len(ids) == len(set(ids)), "every id is unique"
    for svg in page.locator("svg.flow").all():
        names = svg.get_attribute("aria-labelledby").split()
        assert all(page.locator(f"#{name}").count() == 1 for name in names)
    assert page.evaluate(CONTRAST) == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "coverage.png"), full_page=True)
    page.close()


def test_each_coverage_diagram_has_its_panel_beside_it_and_is_not_cut_off(browser, tmp_path):
    """At 1400x1000 pointing at a step of any diagram shows its figures in a panel that is on the
    screen with it, and a diagram the window has room for is drawn whole."""
    out = tmp_path / "coverage.html"
    assert run_ivrc("test", str(EXAMPLES), "--report", str(out)).returncode == 0
    page, errors, _ = _open(browser, out, width=1400, height=1000)
    diagrams = page.locator(".diagram").all()
    assert len(diagrams) == len(list(EXAMPLES.glob("*.ivr")))
    for diagram in diagrams:
        link = diagram.locator("svg.flow g.node a").first
        link.hover()
        panel = diagram.locator(".detail")
        assert "tested" in panel.inner_text() or "covered" in panel.inner_text(), panel.inner_text()
        seen = page.evaluate(
            """([p, l]) => {
            const a = p.getBoundingClientRect(), b = l.getBoundingClientRect();
            return {top: a.top, bottom: a.bottom, left: a.left, inView: a.top >= 0 && a.bottom <= innerHeight,
                    right: b.right};
        }""",
            [panel.element_handle(), link.element_handle()],
        )
        assert seen["inView"], seen  # the panel is on the screen while its step is pointed at
        assert seen["left"] >= seen["right"] - 1 or seen["top"] >= 0  # beside the diagram
        figure = diagram.locator("figure")
        widths = figure.evaluate(
            "f => [f.scrollWidth, f.clientWidth, f.querySelector('svg').getBoundingClientRect().width]"
        )
        if widths[2] <= 1400 - 2 * 24 - 320 - 16:  # the window has room for this drawing: it is whole
            assert widths[0] <= widths[1] + 1, widths
    others = page.locator(".detail").all_inner_texts()
    assert len(others) == len(diagrams)  # one panel a diagram, not one for the page
    assert errors == []
    page.close()


AUDIT_RECORDS = """\
cli,phone_number,start_time,answer_time,hangup_time,duration,billsec,hangup_cause,unique_campaign_id,steps
031234567,972546000001,2026-12-07 09:00:00+02,,,30,0,NO_ANSWER,a,
031234567,12125550100,2026-12-07 09:00:00+02,,,30,0,NO_ANSWER,a,
,972546000002,2026-12-07 10:00:00+02,,,30,0,NO_ANSWER,a,
"""


@pytest.mark.parametrize("width,height", [(1280, 900), (375, 812)], ids=["desktop", "phone"])
def test_the_audit_page_passes_axe_core_at_desktop_and_phone_widths(browser, tmp_path, width, height):
    from axe_playwright_python.sync_playwright import Axe

    (tmp_path / "ivrc.toml").write_text(
        '[policy]\ncalling_hours = "08:00-21:00"\ndefault_timezone = "Asia/Jerusalem"\npurpose = "marketing"\n',
        encoding="utf-8",
    )
    (tmp_path / "records.csv").write_text(AUDIT_RECORDS, encoding="utf-8")
    out = tmp_path / "audit.html"
    done = run_ivrc("audit", "--cdr", "records.csv", "--format", "html", "-o", str(out), cwd=tmp_path)
    assert done.returncode == 1, done.stderr  # two breaches: the page shows them
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(out.as_uri())
    page.wait_for_load_state("load")
    assert page.locator("table tbody tr").count() == 2
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    assert page.evaluate(CONTRAST) == []
    # Nothing is wider than the phone's screen but the table, which scrolls in its own box.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"audit-{width}.png"), full_page=True)
    page.close()


@pytest.mark.parametrize("width,height", [(1400, 1000), (390, 844)], ids=["desktop", "phone"])
def test_every_page_passes_axe_core_and_fits_the_screen(browser, survey_report, tmp_path, width, height):
    """The report and the coverage page, at a desktop's and a phone's width: no axe-core
    violation, and nothing wider than the screen but the boxes that scroll inside themselves."""
    from axe_playwright_python.sync_playwright import Axe

    coverage = tmp_path / "coverage.html"
    done = run_ivrc("test", str(EXAMPLES), "--coverage", "--report", str(coverage))
    assert done.returncode == 0, done.stdout + done.stderr
    for path in (survey_report, coverage):
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        results = Axe().run(page)
        assert results.violations_count == 0, (path.name, results.generate_report())
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path.name
        page.close()


def test_the_report_speaks_in_words_not_graphviz_names_or_emoji(browser, survey_report):
    page, _, _ = _open(browser, survey_report)
    titles = page.evaluate("[...document.querySelectorAll('svg.flow title')].map(t => t.textContent)")
    assert titles == [page.locator("#flow-title").text_content()], titles  # no `s0`, no `start->s0`
    legend = page.evaluate("[...document.querySelectorAll('svg.chart text')].map(t => t.textContent)")
    assert "placed" in legend and "answered" in legend  # the two shades of calls by hour
    page.close()


def test_a_recording_is_labelled_in_words():
    from ivrc.insight import graph as diagrams
    from ivrc.language import model as semantics

    flow = ivrc_analyze('region IL\ndialer { return_address "https://e.com/r"; numbers from queue }\n'
                        'step a {\n    say file "hello.wav"\n    on 1 -> hangup\n}\n')  # fmt: skip
    mermaid = diagrams.mermaid(diagrams.build(semantics.build(flow)))
    assert "recording: hello.wav" in mermaid and "\U0001f50a" not in mermaid


def ivrc_analyze(text: str):  # type: ignore[no-untyped-def]
    from ivrc.build.library import analyze

    result = analyze(text, path="a.ivr")
    assert result.flow is not None
    return result.flow
