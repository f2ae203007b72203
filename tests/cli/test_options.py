"""The command line's error handler: a bug's traceback goes to .scoregate/crash.log, scrubbed."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoregate.cli.options import error_handler

SECRET = "sk-live-crash-0123456789abcdef"


def test_a_crash_log_never_holds_a_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)

    def fails_with_the_key_in_its_frame(key: str) -> None:
        raise RuntimeError(f"server said: Authorization: Bearer {key}")

    with pytest.raises(SystemExit) as exit_info, error_handler():
        fails_with_the_key_in_its_frame(SECRET)
    assert exit_info.value.code == 3
    log = (tmp_path / ".scoregate" / "crash.log").read_text(encoding="utf-8")
    assert "Traceback" in log
    assert "fails_with_the_key_in_its_frame" in log
    assert "RuntimeError: server said: Authorization: ***" in log
    assert SECRET not in log
    assert "Details: .scoregate/crash.log. Please report it." in capsys.readouterr().err
