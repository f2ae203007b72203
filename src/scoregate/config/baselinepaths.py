"""The baseline path template of experiments.yaml: ``baselines/{experiment}.json``.

``{experiment}`` is the only placeholder. Any other ``{name}`` is a mistake (a typo would make
every experiment's baseline a file that never exists, so every baseline check would be skipped):
it is a config error with a suggestion.
"""

from __future__ import annotations

import difflib
import re

from scoregate.values.quoting import quoted

PLACEHOLDERS = ("experiment",)
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def unknown_placeholders(template: str) -> list[str]:
    """One sentence per unknown ``{name}`` in ``template``, with a suggestion when one is close."""
    problems = []
    for name in dict.fromkeys(_PLACEHOLDER.findall(template)):
        if name in PLACEHOLDERS:
            continue
        close = difflib.get_close_matches(name, PLACEHOLDERS, n=1, cutoff=0.4)
        hint = f" (did you mean '{{{close[0]}}}'?)" if close else ""
        problems.append(
            f"unknown placeholder {quoted('{' + name + '}')} in the baseline path "
            f"{quoted(template)}{hint}; the only "
            "placeholder is {experiment}, the experiment's name."
        )
    return problems


def fill(template: str, experiment: str) -> str:
    return template.replace("{experiment}", experiment)
