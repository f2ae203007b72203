"""Start-up: ``--help`` and ``schema`` are answered without click or the config, ``validate``
without the engine's, the gate's or the reports' modules, and what they print is what click
prints. Checked by the modules a real process imported, not by timing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from testing.project import run_cli

from scoregate.cli import fast
from scoregate.cli.helptext import HELP

ROOT = Path(__file__).resolve().parents[2]
HEAVY = {"jsonschema", "numpy", "langfuse", "openai", "opentelemetry", "httpx", "junit_xml"}
"""Third-party packages no start-up command needs (only what a run or a report uses)."""


def _imported(*args: str, cwd: Path = ROOT) -> set[str]:
    """The modules ``scoregate ARGS`` imported, in a fresh interpreter."""
    probe = (
        "import sys\n"
        f"sys.argv = ['scoregate', *{list(args)!r}]\n"
        "from scoregate.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write('\\nMODULES ' + ' '.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"COLUMNS": "80", "PATH": "/usr/bin:/bin"} | _pythonpath(),
        check=True,
    )
    return set(done.stderr.rsplit("MODULES ", 1)[1].split())


def _pythonpath() -> dict[str, str]:
    import os

    found = os.environ.get("PYTHONPATH")
    return {"PYTHONPATH": found} if found else {}


def test_the_stored_help_is_what_click_renders_now() -> None:
    assert fast.render() == HELP, "regenerate it: python -m scoregate.cli.fast"


def test_help_and_schema_print_what_click_prints(tmp_path: Path) -> None:
    shown = run_cli("--help", cwd=tmp_path, env={"COLUMNS": "80"})
    assert (shown.code, shown.stdout) == (0, fast.render())
    schema = run_cli("schema", cwd=tmp_path)
    file = ROOT / "src" / "scoregate" / "config" / "schema" / "experiments.schema.json"
    expected = json.dumps(json.loads(file.read_text("utf-8")), indent=2) + "\n"
    assert (schema.code, schema.stdout) == (0, expected)


@pytest.mark.parametrize("args", [("--help",), ("-h",), ("schema",)])
def test_help_and_schema_import_neither_click_nor_yaml(args: tuple[str, ...]) -> None:
    modules = _imported(*args)
    assert not {m.split(".")[0] for m in modules} & (HEAVY | {"click", "yaml"})
    assert not {m for m in modules if m.startswith("scoregate.")} - {
        "scoregate.cli",
        "scoregate.cli.fast",
        "scoregate.cli.helptext",
        "scoregate.cli.width",
        "scoregate.config",
        "scoregate.config.schemafile",
    }


def test_validate_on_the_demo_imports_no_engine_gate_report_or_sdk() -> None:
    modules = _imported("validate")
    assert "scoregate.pipeline.prepare" in modules  # it did validate
    assert not {m.split(".")[0] for m in modules} & HEAVY
    assert "asyncio" not in modules  # the demo's task is sync: no event loop to validate it
    ours = {m for m in modules if m.startswith("scoregate.")}
    for absent in (
        "scoregate.pipeline.runner",
        "scoregate.decide",
        "scoregate.report.markdown",
        "scoregate.report.junit",
        "scoregate.report.terminal",
        "scoregate.record.store",
        "scoregate.integrations",
    ):
        assert absent not in ours
