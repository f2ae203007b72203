"""Paths in a config are relative to its folder, whatever the working folder; records and
reports show them that way, and a missing file is named by the absolute path tried."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

from testing.project import Project, run_cli

from scoregate.config import paths
from scoregate.record import store

EVALS_SCRIPT = """\
def nonempty(*, output, **kwargs):
    return bool(str(output).strip())

EVALUATORS = [nonempty]
"""


def layout(project: Project) -> None:
    """Every kind of path a config names, in subfolders of the config's folder."""
    evals = f"sg_evals_{uuid.uuid4().hex[:10]}"
    project.write("data/items.jsonl", (project.root / "data.jsonl").read_text(encoding="utf-8"))
    (project.root / "data.jsonl").unlink()
    project.write("schemas/input.json", '{"type": "object", "required": ["question"]}')
    project.write("schemas/answer.yaml", "type: [string, number]\n")
    project.write("evals/extra.py", EVALS_SCRIPT)
    project.write(f"{evals}.py", "def length(*, output, **kwargs):\n    return 1.0\n")
    project.write_config(
        project.experiment(
            dataset={"path": "data/items.jsonl", "input_schema": "schemas/input.json"},
            evaluators=[
                {"type": "exact", "name": "correct"},
                {"type": "json_schema", "name": "shape", "schema": "schemas/answer.yaml"},
                {"script": "evals/extra.py"},
                {"python": f"{evals}:length"},
            ],
            gate={"correct": {"min": 0.8, "max_regressed_items": 0}},
        ),
        defaults={"output_dir": "out"},
    )


def test_every_kind_of_path_is_relative_to_the_config_not_the_working_folder(
    tmp_path: Path,
) -> None:
    project = Project(tmp_path / "project")
    layout(project)
    config = Path("project/experiments.yaml")

    code, out, err = run_cli("validate", "-c", config, cwd=tmp_path)
    assert (code, err) == (0, "")
    assert out == (
        f"qa: 5 items, task {project.module}:answer, scores correct, shape, nonempty, length\n"
        "project/experiments.yaml: valid (1 experiment).\n"
    )

    code, out, err = run_cli("run", "-c", config, cwd=tmp_path)
    assert code == 0, out + err
    (record_file,) = (project.root / "out" / "runs" / "qa").glob("*.json")
    run_id = record_file.stem
    assert f"Run record (qa): project/out/runs/qa/{run_id}.json\n" in out
    assert "Reports: project/out/junit.xml, project/out/report.md, project/out/report.html\n" in out
    assert "no baseline at baselines/qa.json; record one with" in out

    # Nothing written names this machine's folders: a committed record reads the same anywhere.
    for written in (record_file, *(project.root / "out").glob("*.*")):
        assert str(tmp_path) not in written.read_text(encoding="utf-8"), written
    header = json.loads(record_file.read_text(encoding="utf-8"))
    assert header["dataset"] == {
        "kind": "file",
        "path": "data/items.jsonl",
        "items": 5,
        "digest": header["dataset"]["digest"],
    }
    assert header["items"][0]["source"] == "data/items.jsonl:1"
    assert header["gate"]["baseline_note"] == (
        "no baseline at baselines/qa.json; record one with 'scoregate baseline promote RUN' "
        "after a run you trust"
    )

    # The baseline path is the config's too; promote by the run id the run printed.
    code, out, err = run_cli("baseline", "promote", run_id, "-c", config, cwd=tmp_path)
    assert (code, err) == (0, "")
    assert out == f"Baseline for 'qa' is now project/baselines/qa.json (run {run_id}).\n"
    code, out, err = run_cli("run", "-c", config, cwd=tmp_path)
    assert code == 0, out + err
    assert f"baseline {run_id}" in out

    # A path on the command line is the user's, relative to the working folder; a baseline
    # asked for and missing is a usage error naming the absolute path tried (issue 13).
    code, out, err = run_cli("run", "-c", config, "--baseline", "elsewhere.json", cwd=tmp_path)
    assert (code, out) == (2, "")
    assert err == (
        f"error: --baseline elsewhere.json: no run record at {tmp_path / 'elsewhere.json'}. "
        "Make one from a run you trust with 'scoregate baseline promote RUN' (RUN: the run "
        "record or the run id 'scoregate run' prints), or run once with --no-baseline to "
        "record a first run without one.\n"
    )


def test_a_missing_file_is_named_by_the_absolute_path_tried(tmp_path: Path) -> None:
    project = Project(tmp_path / "project")
    root = project.root
    rule = f"(paths are relative to the config's folder {root})"
    project.write_config(
        project.experiment(
            "capitals",
            dataset={"path": "data.jsonl", "input_schema": "schemas/input.json"},
            evaluators=[{"type": "json_schema", "schema": "answer.json"}],
            gate={},
        )
    )
    code, out, err = run_cli("validate", "-c", "project/experiments.yaml", cwd=tmp_path)
    assert (code, out) == (2, "")
    assert err == (
        "error: project/experiments.yaml:12:13: experiments[0].evaluators[0].schema: the file "
        f"{root / 'answer.json'} does not exist {rule}.\n"
        "error: project/experiments.yaml:6:19: experiments[0].dataset.input_schema: the file "
        f"{root / 'schemas' / 'input.json'} does not exist {rule}.\n"
    )

    project.write_config(
        {
            **project.experiment(
                "capitals", dataset="items.jsonl", evaluators=[{"script": "evals/absent.py"}]
            ),
            "task": "sg_no_such_module:answer",
        },
        defaults={"output_dir": "out"},
    )
    code, out, err = run_cli("run", "-c", "project/experiments.yaml", cwd=tmp_path)
    assert (code, out) == (2, "")
    assert err == (
        "error: [capitals] project/experiments.yaml:6:12: experiments[0].dataset: the file "
        f"{root / 'items.jsonl'} does not exist {rule}.\n"
        "error: [capitals] project/experiments.yaml:7:9: cannot import module "
        "'sg_no_such_module': no sg_no_such_module.py (nor package sg_no_such_module/) in the "
        f"config's folder {root} or the working folder {tmp_path}, and no installed package has "
        "that name. Check the name, or install the package that provides it.\n"
        "error: [capitals] project/experiments.yaml:9:5: the file "
        f"{root / 'evals' / 'absent.py'} does not exist {rule}.\n"
    )
    assert not (root / "out").exists()


def test_a_module_beside_the_config_wins_over_the_working_folder(tmp_path: Path) -> None:
    project = Project(tmp_path / "project")
    shadow = f"sg_shadow_{uuid.uuid4().hex[:10]}"
    cwd_only = f"sg_cwd_{uuid.uuid4().hex[:10]}"
    project.write(
        f"{shadow}.py", "def answer(*, item, **kwargs):\n    return item.expected_output\n"
    )
    (tmp_path / f"{shadow}.py").write_text(
        "def answer(*, item, **kwargs):\n    return 'wrong'\n", encoding="utf-8"
    )
    (tmp_path / f"{cwd_only}.py").write_text(
        "def score(*, output, **kwargs):\n    return 1.0\n", encoding="utf-8"
    )
    project.write_config(
        {
            **project.experiment(
                evaluators=[{"type": "exact", "name": "correct"}, {"python": f"{cwd_only}:score"}]
            ),
            "task": f"{shadow}:answer",
        }
    )
    code, out, err = run_cli("run", "-c", "project/experiments.yaml", cwd=tmp_path)
    assert code == 0, out + err
    assert "PASSED: all 2 checks passed." in out


def test_relative_shows_paths_from_the_config_folder(tmp_path: Path) -> None:
    root = tmp_path / "repo" / "examples" / "regression"
    assert paths.relative(root / "data" / "x.jsonl", root) == "data/x.jsonl"
    assert paths.relative(root.parent / "qa" / "baseline.json", root) == "../qa/baseline.json"
    assert paths.relative(Path("/"), root) == "/"


def test_old_records_with_absolute_dataset_paths_still_load_and_compare(tmp_path: Path) -> None:
    project = Project(tmp_path / "project")
    code, out, err = project.run_cli("run")
    assert code == 0, out + err
    (new,) = project.records()
    header, _, rest = new.read_text(encoding="utf-8").partition("\n")
    old_header = json.loads(header[: -len(',"items":[')] + "}")
    assert old_header["dataset"]["path"] == "data.jsonl"
    old_header["dataset"]["path"] = str(project.root / "data.jsonl")
    old = project.root / "old.json"
    encoded = json.dumps(old_header, separators=(",", ":"))
    old.write_text(encoded[:-1] + ',"items":[\n' + rest, encoding="utf-8")
    assert store.read_record(old).dataset["path"] == str(project.root / "data.jsonl")
    code, out, err = project.run_cli("compare", new, old)
    assert (code, err) == (0, ""), out


def test_the_committed_baselines_name_no_machine_path() -> None:
    repo = Path(__file__).resolve().parents[2]
    for config, baseline in (
        (repo / "experiments.yaml", repo / "examples" / "qa" / "baseline.json"),
        (
            repo / "examples" / "noise" / "experiments.yaml",
            repo / "examples" / "noise" / "baseline.json",
        ),
    ):
        text = baseline.read_text(encoding="utf-8")
        assert re.search(r'"/[A-Za-z]| /[A-Za-z]+/', text) is None, "an absolute path"
        record = store.read_record(baseline)
        assert not Path(record.dataset["path"]).is_absolute()
        assert (config.parent / record.dataset["path"]).is_file()
