"""The repository stands on its own: no tracked file names a path outside it.

A fresh clone with nothing beside it must run `make demo` and `make test`. A path on the machine
a file was written on (a user's home folder, a CI workspace, a temp folder) or a folder beside
the clone (the `shared` folder the suite once read its schemas from) breaks that for everyone
else. The rules, and what they leave alone:

- absolute paths under the folders where machines keep users' and jobs' files: work, home, root,
  Users, tmp, mnt, srv, opt, private, Volumes, var/folders at the root, and Windows drive paths
  under Users. Paths every system has in the same place are fine: `/usr/bin/env` in a shebang,
  `/dev/null`, `/bin/sh`. A match must start a token, so the path part of a URL
  (`https://example.com/home/docs`) or of a relative path (`docs/tmp/x`) is not one.
- relative paths that climb above the repository root from the folder of the file that holds
  them; climbing inside the tree is fine (`docs/` linking `../examples/`).
- the sibling `shared` folder reached with `..`, wherever it is written, and in Python a path
  joined with `".."` or a `Path(__file__)` `.parents[N]` / `.parent` chain that goes above the
  repository root.
- tracked symbolic links must point inside the repository.

The examples in the tests below spell "/" as "§", a backslash as "⧵" and `__file__` as FILE,
so that this file does not itself name what it forbids.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pytest

REPO = Path(__file__).resolve().parents[1]

# The character before a path that makes it the start of a token: not a letter, digit, dot,
# tilde, dash, percent, closing brace or dollar (a URL's host, `$HOME`, `${{ runner.temp }}`).
_START = r"(?<![\w.~%}$-])"
_MACHINE_DIRS = r"(?:work|home|root|Users|tmp|mnt|srv|opt|private|Volumes|var/folders)"
ABSOLUTE = re.compile(_START + r"/" + _MACHINE_DIRS + r"/|\b[A-Za-z]:\\{1,2}Users\\")
CLIMB = re.compile(r"(?<![\w.])(?:\.\./)+")
SHARED = re.compile(r"\.\./shared\b")
PY_DOTDOT = re.compile(r"""/\s*["']\.\.["']|["']\.\.["']\s*/""")
PY_PARENTS = re.compile(r"__file__\)(?:\.resolve\(\))?((?:\.parent\b)*)(?:\.parents\[(\d+)\])?")


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    rule: str
    excerpt: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule}: ...{self.excerpt}..."


def findings_in(path: str, text: str) -> list[Finding]:
    """What in `text`, the content of the tracked file `path`, names a place outside the repo."""
    depth = len(PurePosixPath(path).parent.parts)  # folders between the repo root and the file
    found: list[Finding] = []
    for number, line in enumerate(text.splitlines(), start=1):

        def add(rule: str, match: re.Match[str], line: str = line, number: int = number) -> None:
            excerpt = line[max(0, match.start() - 30) : match.end() + 30]
            found.append(Finding(path, number, rule, excerpt))

        for match in ABSOLUTE.finditer(line):
            add("an absolute path on one machine", match)
        for match in SHARED.finditer(line):
            add("the shared folder beside the repository", match)
        for match in CLIMB.finditer(line):
            ups = len(match.group()) // 3
            if ups > depth and not SHARED.match(line, match.end() - 3):
                add(f"a relative path climbs {ups} folder(s) from a file {depth} deep", match)
        if not path.endswith(".py"):
            continue
        for match in PY_DOTDOT.finditer(line):
            add('a path joined with ".."', match)
        for match in PY_PARENTS.finditer(line):
            # .parent is the file's own folder; each further .parent, or .parents[k] after
            # it (k + 1), climbs one more. .parents[k] alone climbs k.
            ups = match.group(1).count(".parent") - 1
            ups += int(match.group(2)) + 1 if match.group(2) is not None else 0
            if ups > depth:
                add(f"Path(__file__) climbs {ups} folder(s) from a file {depth} deep", match)
    return found


def link_leaves(path: str, target: str) -> bool:
    """Whether the symbolic link `path` (relative to the repo root) points outside the repo."""
    if PurePosixPath(target).is_absolute():
        return True
    parts = list(PurePosixPath(path).parent.parts)
    for part in PurePosixPath(target).parts:
        if part == "..":
            if not parts:
                return True
            parts.pop()
        elif part != ".":
            parts.append(part)
    return False


def _git(*args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=REPO, capture_output=True, text=True, check=False, timeout=60
    )
    if done.returncode != 0:
        pytest.skip(f"not a git checkout (git {args[0]}: {done.stderr.strip()})")
    return done.stdout


def _tracked() -> list[tuple[str, str]]:
    """(mode, path) of every tracked file, from `git ls-files --stage`."""
    entries = []
    for record in _git("ls-files", "--stage", "-z").split("\0"):
        if record:
            meta, path = record.split("\t", 1)
            entries.append((meta.split()[0], path))
    return entries


def test_no_tracked_file_names_a_path_outside_the_repository() -> None:
    tracked = _tracked()
    assert any(path == "pyproject.toml" for _, path in tracked)
    found: list[Finding] = []
    for mode, path in tracked:
        file = REPO / path
        if mode == "120000" or not file.is_file():  # links: the next test; deleted: not shipped
            continue
        found += findings_in(path, file.read_bytes().decode("utf-8", errors="replace"))
    if found:
        pytest.fail(
            "Tracked files name paths outside the repository:\n" + "\n".join(map(str, found))
        )


def _spell(text: str) -> str:
    return text.replace("§", "/").replace("⧵", "\\").replace("FILE", "__file__")


def test_tracked_symbolic_links_stay_inside_the_repository() -> None:
    outside = [
        f"{path} -> {os.readlink(REPO / path)}"
        for mode, path in _tracked()
        if mode == "120000" and link_leaves(path, os.readlink(REPO / path))
    ]
    assert not outside, "Tracked symbolic links point outside the repository: " + ", ".join(outside)


@pytest.mark.parametrize(
    ("path", "target", "leaves"),
    [
        ("tools§actionlint§node_modules", "§srv§main§tools§actionlint§node_modules", True),
        ("docs§spec.yml", "..§..§shared§spec.yml", True),
        ("docs§spec.yml", "..§testing§specs§langfuse-openapi.yml", False),
        ("a§b§c", ".§..§..§d", False),
    ],
)
def test_link_leaves(path: str, target: str, leaves: bool) -> None:
    assert link_leaves(_spell(path), _spell(target)) is leaves


@pytest.mark.parametrize(
    ("path", "text", "rule"),
    [
        (
            "examples§qa§baseline.json",
            '{"path":"§work§main§examples§qa§dataset.jsonl"}',
            "absolute",
        ),
        ("README.md", "see §home§alice§project", "absolute"),
        ("docs§ci.md", "`§Users§bob§x`", "absolute"),
        ("tests§t.py", "out = Path('§tmp§run.json')", "absolute"),
        ("a.md", "file:§§§root§x", "absolute"),
        ("a.md", "C:⧵Users⧵bob⧵x", "absolute"),
        ("a.json", '{"path": "C:⧵⧵Users⧵⧵bob⧵⧵x"}', "absolute"),
        ("tests§reports§t.py", 'XSD = ROOT § ".." § "shared" § "junit-10.xsd"', 'joined with ".."'),
        ("tests§reports§t.py", "expected ..§shared§junit§junit-10.xsd", "the shared folder"),
        ("docs§a.md", "[x](..§..§elsewhere)", "climbs 2 folder(s) from a file 1 deep"),
        ("Makefile", "include ..§common.mk", "climbs 1 folder(s) from a file 0 deep"),
        ("tests§t.py", "ROOT = Path(FILE).resolve().parents[2]", "climbs 2"),
        ("tests§t.py", "ROOT = Path(FILE).parent.parent.parent", "climbs 2"),
        ("t.py", "ROOT = Path(FILE).parent.parents[0]", "climbs 1"),
    ],
)
def test_the_rules_catch(path: str, text: str, rule: str) -> None:
    found = findings_in(_spell(path), _spell(text))
    assert [f.line for f in found] == [1], found
    assert rule in found[0].rule


@pytest.mark.parametrize(
    ("path", "text"),
    [
        (".ci§run", "#!§usr§bin§env bash"),
        ("a.yml", 'gh pr view "$b" 2>§dev§null | grep -q OPEN'),
        ("README.md", "https:§§example.com§home§docs and https:§§x.org§tmp§y"),
        ("a.yml", "path: ${{ runner.temp }}§tmp§out and $HOME§work§x"),
        ("src§x.py", "'.scoregate§tmp§x' and docs§home§y"),
        ("examples§noise§experiments.yaml", "output_dir: ..§..§.scoregate§noise"),
        ("docs§langfuse.md", "[`examples§langfuse§`](..§examples§langfuse§)"),
        ("tests§reports§t.py", "ROOT = Path(FILE).resolve().parents[2]"),
        ("tests§t.py", "ROOT = Path(FILE).parent.parent"),
        ("t.py", "HERE = Path(FILE).parent"),
        ("src§x.py", 'if ".." in parts: raise ValueError(name)'),
    ],
)
def test_the_rules_leave_alone(path: str, text: str) -> None:
    assert findings_in(_spell(path), _spell(text)) == []
