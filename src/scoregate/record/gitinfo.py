"""Where a run came from: commit, branch and pull request, from the CI or from git."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def pull_request_number(env: Mapping[str, str]) -> int | None:
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        return None
    try:
        event = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    pr = event.get("pull_request") or {}
    number = pr.get("number") or (event.get("issue") or {}).get("number")
    return int(number) if isinstance(number, int) else None


def describe(root: Path, env: Mapping[str, str]) -> dict[str, Any]:
    commit = env.get("GITHUB_SHA") or _git(root, "rev-parse", "HEAD")
    branch = (
        env.get("GITHUB_HEAD_REF")
        or env.get("GITHUB_REF_NAME")
        or _git(root, "rev-parse", "--abbrev-ref", "HEAD")
    )
    info: dict[str, Any] = {"commit": commit, "branch": branch}
    pr = pull_request_number(env)
    if pr is not None:
        info["pr"] = pr
    return {k: v for k, v in info.items() if v}
