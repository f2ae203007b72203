"""report/mermaid.py: the comment's chart draws every bar where a reader can see it, says what
each bar is, and no score name breaks it; drawn by the real mermaid (npm) in headless Chromium.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from testing import mermaid_render
from testing.browser import BrowserPageFactory
from testing.mermaid_render import decoded
from testing.project import make_record

from scoregate.config.model import GateConfig
from scoregate.decide.compare import compare
from scoregate.decide.gate import decide, evaluate
from scoregate.report import markdown, mermaid
from scoregate.values.model import ItemResult, RunRecord, Verdict

HOSTILE_NAMES = (
    'tone "formal"',
    "a|b",
    "</script><img src=x onerror=\"document.title='pwned'\">",
    "style: #quot; x; classDef y:#f00;",
    "```\n%%{init: {'theme': 'dark'}}%%\nflowchart LR",
    'x-axis ["]", bar [9]',
    "émoji 🚀 & ümlaut",
    "long " * 30,
    "W" * 40,
    "🚀" * 30,
)
UNESCAPED_PIPE = re.compile(r"(?<!\\)(?:\\\\)*\|")


def with_scores(names: tuple[str, ...], values: list[dict[str, float]], run_id: str) -> RunRecord:
    """A record with one score per name; ``values[i]`` are score ``names[i]``'s item values."""
    records = [
        make_record(v, score=name, run_id=run_id) for name, v in zip(names, values, strict=True)
    ]
    first = records[0]
    items = []
    for index, result in enumerate(first.items):
        samples = []
        for sample_index, sample in enumerate(result.samples):
            scores = tuple(
                score for r in records for score in r.items[index].samples[sample_index].scores
            )
            samples.append(replace(sample, scores=scores))
        items.append(ItemResult(result.item, tuple(samples)))
    defs = {k: v for r in records for k, v in r.score_defs.items()}
    return replace(first, items=tuple(items), score_defs=defs)


def verdict(names: tuple[str, ...] = HOSTILE_NAMES) -> Verdict:
    """Every score a little different: some dropped, some rose, one equal."""
    count = len(names)
    base = [{"i1": 0.9, "i2": 0.5 + 0.04 * k, "i3": 0.2} for k in range(count)]
    cand = [
        {"i1": 0.9 - 0.1 * (k % 3), "i2": 0.5 + 0.04 * k, "i3": 0.2 + 0.05 * k}
        for k in range(count)
    ]
    comparison = compare(
        with_scores(names, cand, "cand"),
        with_scores(names, base, "base"),
        baseline_note=None,
        pass_marks=dict.fromkeys(names, 0.5),
        count_flaky=True,
    )
    return decide(evaluate(comparison, GateConfig(scores={})), [comparison])


# --- the chart's text --------------------------------------------------------------------------


def test_a_label_keeps_only_plain_characters_and_entities() -> None:
    for name in HOSTILE_NAMES:
        shown = mermaid.label(name)
        assert re.fullmatch(r'(?:[^"#%:;<>&\x00-\x1f]|#\d+;)*', shown), shown
    assert mermaid.label('tone "formal"') == "tone #34;formal#34;"
    assert decoded(mermaid.label("émoji 🚀 & ümlaut")) == "émoji 🚀 & ümlaut"
    # One line, cut with an ellipsis: controls are shown as escapes, never sent.
    assert decoded(mermaid.label("a\nb\x1bc")) == "a\\nb\\x1bc"
    assert decoded(mermaid.label("long " * 30)).endswith("…")
    assert len(decoded(mermaid.label("long " * 30))) == mermaid.NAME_WIDTH


def statements(lines: list[str]) -> list[str]:
    """The diagram's lines after its front matter, without the fences."""
    assert lines[0] == "```mermaid"
    end = lines.index("```", 1)
    assert lines[1] == "---"
    return lines[lines.index("---", 2) + 1 : end]


def test_two_labelled_bars_per_score_in_one_series() -> None:
    [comparison] = verdict(("correct", "similar")).comparisons
    lines = mermaid.chart(comparison)
    assert lines[1:7] == [
        "---",
        "config:",
        "  xyChart:",
        "    width: 900",
        "    height: 400",
        "---",
    ]
    assert statements(lines) == [
        "xychart-beta horizontal",
        '    title "qa, mean per score, baseline then candidate"',
        '    x-axis ["correct (baseline)", "correct (candidate)", "similar (baseline)", '
        '"similar (candidate)"]',
        '    y-axis "mean over the items (0 to 1)" 0 --> 1',
        "    bar [0.533, 0.533, 0.547, 0.530]",
    ]
    assert lines[-3:] == [
        "",
        "_Chart: two bars per score, its baseline mean over the items and then its candidate "
        "mean; the table gives the paired delta with its 95% interval and p._",
        "",
    ]
    # The bars are the table's figures.
    table = markdown.render(verdict(("correct", "similar")))
    assert "| `similar` | 0.547 | 0.530 | -0.017 [" in table


def test_every_line_of_a_hostile_chart_is_one_mermaid_statement() -> None:
    [comparison] = verdict().comparisons
    body = statements(mermaid.chart(comparison))
    assert len(body) == 5
    assert re.fullmatch(r'    x-axis \["[^"]*"(?:, "[^"]*")*\]', body[2]), body[2]
    axis = re.findall(r'"([^"]*)"', body[2])
    assert len(axis) == 2 * len(HOSTILE_NAMES) == len(set(axis))
    assert [decoded(a) for a in axis[:2]] == [
        'tone "formal" (baseline)',
        'tone "formal" (candidate)',
    ]
    for line in body[1:3]:
        # Nothing Mermaid reads before it parses (an entity, a directive, a style) is left.
        assert not re.search(r"[#%:;<>&]", re.sub(r"#\d+;", "", line)), line


def test_names_cut_to_the_same_label_stay_apart() -> None:
    names = ("x" * 80 + "1", "x" * 80 + "2")
    [comparison] = verdict(names).comparisons
    axis = re.findall(r'"([^"]*)"', statements(mermaid.chart(comparison))[2])
    assert len(set(axis)) == 4


def test_the_chart_grows_with_its_bars() -> None:
    names = tuple(f"score{k}" for k in range(20))
    [comparison] = verdict(names).comparisons
    assert "    height: 1420" in mermaid.chart(comparison)


def test_no_chart_without_a_baseline_and_plain_scores_named_under_it() -> None:
    [comparison] = verdict(("correct",)).comparisons
    assert mermaid.chart(replace(comparison, baseline=None)) == []
    plain = replace(comparison.scores[0], name="latency", plain=True)
    lines = mermaid.chart(replace(comparison, scores=(*comparison.scores, plain)))
    assert "latency" not in "".join(statements(lines))
    assert lines[-2].endswith(
        "Plain numbers (`latency`) have units of their own and are in the table only."
    )
    assert mermaid.chart(replace(comparison, scores=(plain,))) == []


def test_every_markdown_table_keeps_its_shape_with_hostile_score_names() -> None:
    text = markdown.render(verdict())
    blocks: list[list[str]] = []
    previous = ""
    for line in text.splitlines():
        if line.startswith("|"):
            if previous.startswith("|"):
                blocks[-1].append(line)
            else:
                blocks.append([line])
        previous = line
    assert blocks
    for block in blocks:
        columns = len(UNESCAPED_PIPE.findall(block[0]))
        for row in block:
            assert len(UNESCAPED_PIPE.findall(row)) == columns, row
    assert "| `a\\|b` |" in text


# --- drawn by the real mermaid in Chromium -----------------------------------------------------


def test_hostile_score_names_parse_and_draw_in_the_real_mermaid(
    browser_page: BrowserPageFactory, tmp_path: Path
) -> None:
    diagrams = mermaid_render.blocks(markdown.render(verdict()))
    assert len(diagrams) == 1
    opened, [result] = mermaid_render.render(browser_page, tmp_path, diagrams)
    mermaid_render.assert_drawn(result, diagrams[0])
    assert 'tone "formal" (baseline)' in result["text"]
    assert "a|b (candidate)" in result["text"]
    assert "</script>… (baseline)" in result["text"]
    assert "```\\n%%{init… (candidate)" in result["text"]
    assert opened.page.title() == mermaid_render.SENTINEL  # nothing in a name ran
    assert opened.page.locator("img").count() == 0
    opened.screenshot("hostile-names")
    opened.assert_clean()


def test_a_broken_chart_is_reported_by_the_real_mermaid(
    browser_page: BrowserPageFactory, tmp_path: Path
) -> None:
    """The harness can fail: the old chart's unescaped quote is a parse error."""
    old = 'xychart-beta\n    x-axis ["tone "formal""]\n    y-axis "mean" 0 --> 1\n    bar [0.5]'
    _, [result] = mermaid_render.render(browser_page, tmp_path, [old])
    assert not result["parsed"]
    assert result["error"]


def test_with_items_new_since_the_baseline_the_bars_are_the_paired_means() -> None:
    names = ("correct",)
    candidate = with_scores(names, [{"i1": 0.5, "i2": 0.5, "new": 0.0}], "cand")
    baseline = with_scores(names, [{"i1": 1.0, "i2": 0.5}], "base")
    comparison = compare(
        candidate, baseline, baseline_note=None, pass_marks={"correct": 0.5}, count_flaky=True
    )
    body = statements(mermaid.chart(comparison))
    # Over i1 and i2: 0.750 then 0.500, not the whole candidate run's 0.333.
    assert body[3:] == [
        '    y-axis "mean over the items in both runs (0 to 1)" 0 --> 1',
        "    bar [0.750, 0.500]",
    ]
