"""``scoregate run`` writes report.html; ``scoregate report RUN`` builds it from stored runs.

Every run here is the real console script; the reports it writes are checked for agreement
with the terminal by ``run_cli`` (testing/agreement.py reads report.html's checks too)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from testing.browser import BrowserPageFactory
from testing.hostile_html import HOSTILE_HTML, SENTINEL_JS, TASK, rows
from testing.project import Project, write_jsonl


def _items(page: Path) -> list[dict[str, object]]:
    text = page.read_text(encoding="utf-8")
    found = re.search(r'id="report-data">(.*?)</script>', text, re.S)
    assert found is not None
    items: list[dict[str, object]] = json.loads(found[1])["experiments"][0]["items"]
    return items


def _two_runs(project: Project) -> tuple[Path, Path]:
    """A baseline run where every item is right, then a candidate where b and c are wrong."""
    code, _, err = project.run_cli("run")
    assert code == 0, err
    (baseline,) = project.records()
    project.write_config(
        project.experiment(task_kwargs={"wrong": ["b", "c"]}, baseline=str(baseline))
    )
    code, _, err = project.run_cli("run")
    assert code == 1, err
    candidate = project.records()[-1]
    return baseline, candidate


def test_run_writes_the_html_report_beside_the_others(project: Project) -> None:
    _two_runs(project)
    page = project.output_dir / "report.html"
    statuses = {str(i["id"]): i["st"] for i in _items(page)}
    assert statuses == {
        "a": ["unchanged"],
        "b": ["regressed"],
        "c": ["regressed"],
        "d": ["unchanged"],
        "e": ["unchanged"],
    }
    assert "<title>scoregate: failed</title>" in page.read_text(encoding="utf-8")


def test_html_moves_the_report(project: Project) -> None:
    code, out, err = project.run_cli("run", "--html", "out/page.html")
    assert code == 0, err
    assert (project.root / "out" / "page.html").is_file()
    assert not (project.output_dir / "report.html").exists()
    assert out.rstrip().endswith(
        "Reports: .scoregate/junit.xml, .scoregate/report.md, out/page.html"
    )


def test_report_builds_the_page_from_stored_runs(project: Project) -> None:
    baseline, candidate = _two_runs(project)
    (project.output_dir / "report.html").unlink()
    code, out, err = project.run_cli("report", candidate.stem, "--html", "again.html")
    assert (code, err) == (0, "")
    assert out == "HTML report (qa, gate failed): again.html\n"
    regressed = [i["id"] for i in _items(project.root / "again.html") if "regressed" in i["st"]]
    assert regressed == ["b", "c"]
    # --baseline: the other way round, the candidate's wrong answers are the baseline's.
    code, out, err = project.run_cli("report", str(baseline), "--baseline", candidate.stem)
    assert (code, err) == (0, "")
    target = project.output_dir / "reports" / f"{baseline.stem}.html"
    assert out == f"HTML report (qa, gate passed): .scoregate/reports/{baseline.stem}.html\n"
    improved = [i["id"] for i in _items(target) if "improved" in i["st"]]
    assert improved == ["b", "c"]


def test_html_items_bounds_the_unchanged_items_listed_and_the_page_says_how_many_are_not(
    project: Project,
) -> None:
    _, candidate = _two_runs(project)  # five items: b and c regressed, a, d, e unchanged
    code, out, err = project.run_cli(
        "report", candidate.stem, "--html-items", "1", "--html", "p.html"
    )
    assert (code, err) == (0, "")
    assert out == "HTML report (qa, gate failed): p.html\n"
    page = project.root / "p.html"
    assert [(i["id"], i["st"]) for i in _items(page)] == [
        ("a", ["unchanged"]),
        ("b", ["regressed"]),
        ("c", ["regressed"]),
    ]
    text = page.read_text(encoding="utf-8")
    found = re.search(r'id="report-data">(.*?)</script>', text, re.S)
    assert found is not None
    experiment = json.loads(found[1])["experiments"][0]
    assert experiment["total"] == 5
    assert experiment["counts"]["unchanged"] == 3  # of every item, not of those listed
    assert experiment["counts"]["regressed"] == 2
    assert "3 of 5 items are listed. 2 unchanged items are not listed" in text
    assert "the first 1 unchanged items" in text
    # the default lists them all, and says nothing of items left out
    code, _, err = project.run_cli("report", candidate.stem, "--html", "all.html")
    assert (code, err) == (0, "")
    assert len(_items(project.root / "all.html")) == 5
    assert "items are listed" not in (project.root / "all.html").read_text(encoding="utf-8")
    code, _, err = project.run_cli("report", candidate.stem, "--html-items", "-1")
    assert code == 2
    assert "--html-items" in err


def test_report_with_history_draws_the_trends(project: Project) -> None:
    _, candidate = _two_runs(project)
    code, _, err = project.run_cli(
        "report", str(candidate), "--history", str(project.output_dir / "runs" / "qa")
    )
    assert (code, err) == (0, "")
    page = (project.output_dir / "reports" / f"{candidate.stem}.html").read_text(encoding="utf-8")
    assert page.count('<figure class="chart trend">') == 1
    assert "mean of each run, oldest on the left, this run last" in page
    assert page.count("<circle") >= 2 + 1  # two runs on the trend, the delta's point


def test_report_of_an_unknown_run_is_a_usage_error(project: Project) -> None:
    project.run_cli("run")
    code, out, err = project.run_cli("report", "20990101T000000Z-nope")
    assert code == 2
    assert out == ""
    assert err.startswith(
        "error: 20990101T000000Z-nope: no such run record file, and no run record "
    )
    code, _, err = project.run_cli("report", str(project.records()[0]), "--history", "nowhere")
    assert code == 2
    assert "nowhere" in err
    (project.root / "empty").mkdir()
    code, _, err = project.run_cli("report", str(project.records()[0]), "--history", "empty")
    assert code == 2
    assert err == (
        "error: --history empty: the folder holds no run record (*.json); give a folder of run "
        "records, such as OUTPUT_DIR/runs/<experiment>, or run records.\n"
    )


def test_hostile_rows_through_a_real_run_run_nothing_in_the_browser(
    project: Project, browser_page: BrowserPageFactory
) -> None:
    project.write(f"{project.module}.py", TASK)
    write_jsonl(project.root / "data.jsonl", rows())
    judged = {"python": f"{project.module}:judge_like", "scale": [0, 1]}
    evaluators = [{"type": "exact", "name": "correct"}, judged]
    project.write_config(project.experiment(evaluators=evaluators))
    code, _, err = project.run_cli("run")
    assert code == 0, err
    (baseline,) = project.records()
    wrong = project.experiment(
        task_kwargs={"wrong": True}, evaluators=evaluators, baseline=str(baseline)
    )
    project.write_config(wrong)
    code, _, err = project.run_cli("run")
    assert code == 1, err
    opened = browser_page(project.output_dir / "report.html", wait_for="body[data-ready]")
    page = opened.page
    assert page.locator("tr.item-row").count() == len(HOSTILE_HTML)
    for row in page.locator("tr.item-row").all():
        row.click()
    assert page.locator(".detail del").count() >= len(HOSTILE_HTML)
    assert page.evaluate(SENTINEL_JS) is False
    assert page.title() == "scoregate: failed"
    assert HOSTILE_HTML["endjson"] in page.inner_text("table.item-table")
    opened.screenshot("hostile-run")
    opened.assert_clean()


def test_compare_and_merge_write_the_html_report_too(project: Project) -> None:
    baseline, candidate = _two_runs(project)
    code, out, err = project.run_cli("compare", candidate, baseline, "--html", "cmp.html")
    assert (code, err) == (1, "")
    assert out.rstrip().endswith(
        "Reports: .scoregate/compare/junit.xml, .scoregate/compare/report.md, cmp.html"
    )
    assert [i["id"] for i in _items(project.root / "cmp.html") if i["st"] == ["regressed"]] == [
        "b",
        "c",
    ]
    code, out, err = project.run_cli("run", "--shard", "1/1")
    assert code == 0, err
    shard = project.records()[-1]
    code, out, err = project.run_cli("merge", shard, "--html", "merged.html")
    assert code == 1, err
    assert out.rstrip().endswith("Reports: .scoregate/junit.xml, .scoregate/report.md, merged.html")
    assert (project.root / "merged.html").is_file()


def test_run_compare_and_merge_take_html_items(project: Project) -> None:
    """--html-items is one of the report options run, compare and merge share with report."""
    baseline, candidate = _two_runs(project)
    code, _, _ = project.run_cli("run", "--html-items", "0", "--html", "run.html")
    assert code == 1
    assert [i["id"] for i in _items(project.root / "run.html")] == ["b", "c"]
    code, _, _ = project.run_cli(
        "compare", candidate, baseline, "--html-items", "1", "--html", "compare.html"
    )
    assert code == 1
    assert [i["id"] for i in _items(project.root / "compare.html")] == ["a", "b", "c"]
    code, _, err = project.run_cli("run", "--html-items", "-1")
    assert code == 2
    assert "--html-items" in err


def test_the_html_items_default_is_the_listings_bound() -> None:
    from scoregate.cli.options import HTML_ITEMS_OPTION
    from scoregate.report.html_listing import LIST_UNCHANGED

    @HTML_ITEMS_OPTION
    def command(html_items: int) -> None: ...

    (param,) = command.__click_params__  # type: ignore[attr-defined]
    assert param.default == LIST_UNCHANGED
