"""The one place the core names an integration: a kind → the dotted name of what implements it.

The pipeline (and the face, for run references) asks here, by what the config says; nothing is
imported until it is used, so ``--help`` and a file-only run never import an SDK. Adding a source
(a CSV on S3, a Braintrust experiment) is a folder under ``integrations/`` and a line below.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scoregate.config.model import Config, ExperimentConfig
    from scoregate.execute.sources import DatasetSource, PromptSource, ScriptRunner
    from scoregate.record.sources import BaselineSource, RunSink
    from scoregate.values.model import RunRecord

_LANGFUSE = "scoregate.integrations.langfuse.sources"

DATASET_SOURCES = {
    "file": "scoregate.execute.datasets:FILE",
    "langfuse": f"{_LANGFUSE}:DATASETS",
    "langfuse_live": f"{_LANGFUSE}:DATASETS",
}
PROMPT_SOURCES = {"langfuse": f"{_LANGFUSE}:PROMPTS"}
"""Referenced prompts; an inline prompt needs no source."""
BASELINE_SOURCES = {"langfuse": f"{_LANGFUSE}:BASELINES"}
"""Besides the file (``baseline: PATH`` or ``--baseline``), in ``record/baselines.py``."""
RUN_SINKS = {"langfuse": f"{_LANGFUSE}:RECORDING"}
"""Besides the run record file the pipeline always writes."""
SCRIPT_RUNNERS = {"langfuse": f"{_LANGFUSE}:SCRIPTS"}
RUN_REFERENCES = {"langfuse": "scoregate.integrations.langfuse.runs"}
"""``SCHEME:...`` arguments of show, compare and baseline promote, and the ``runs`` command;
also what puts a baseline read from the source (its run id ``SCHEME:...``) in the candidate's
units before the two are compared."""
PULL_REQUEST_COMMENTS = {"github": "scoregate.integrations.github.comment:post_sticky_comment"}
"""``scoregate comment``: create or update the sticky comment."""


def _load(dotted: str) -> Any:
    module, _, name = dotted.partition(":")
    found = import_module(module)
    return getattr(found, name) if name else found


def dataset_source(experiment: ExperimentConfig) -> DatasetSource:
    source: DatasetSource = _load(DATASET_SOURCES[experiment.dataset.reference["kind"]])
    return source


def _uses_langfuse_prompts(experiment: ExperimentConfig) -> bool:
    chats = [experiment.task.openai, *(e.judge for e in experiment.evaluators)]
    return any(e.kind == "langfuse_judges" for e in experiment.evaluators) or any(
        chat is not None and chat.langfuse is not None for chat in chats
    )


def prompt_source(experiment: ExperimentConfig) -> PromptSource | None:
    if not _uses_langfuse_prompts(experiment):
        return None
    source: PromptSource = _load(PROMPT_SOURCES["langfuse"])
    return source


def baseline_source(
    experiment: ExperimentConfig, override: Path | None, root: Path | None = None
) -> BaselineSource:
    """``--baseline`` wins; then the source the config names; then the file (``root``: the
    config's folder, which a configured baseline path is shown relative to)."""
    if override is None and experiment.langfuse.langfuse_baseline is not None:
        source: BaselineSource = _load(BASELINE_SOURCES["langfuse"])
        return source
    from scoregate.record.baselines import FileBaselines

    return FileBaselines(override, root)


def run_sinks(experiment: ExperimentConfig) -> list[RunSink]:
    """Langfuse when the experiment uses it at all (the sink itself does only what is asked:
    prompt versions, live-trace links, run evaluators, the recorded run)."""
    uses = (
        experiment.langfuse != type(experiment.langfuse)()
        or experiment.dataset.reference["kind"] != "file"
        or _uses_langfuse_prompts(experiment)
    )
    return [_load(RUN_SINKS["langfuse"])] if uses else []


def script_runner(experiment: ExperimentConfig) -> ScriptRunner | None:
    if experiment.langfuse.script is None:
        return None
    runner: ScriptRunner = _load(SCRIPT_RUNNERS["langfuse"])
    return runner


def references(scheme: str) -> Any:
    """The module that reads, lists and promotes ``SCHEME:...`` runs."""
    return _load(RUN_REFERENCES[scheme])


def is_reference(text: str) -> bool:
    """Whether a command-line run names a run of a source (``SCHEME:...``), not a file or id."""
    return any(text.startswith(f"{scheme}:") for scheme in RUN_REFERENCES)


def read_runs(
    texts: Sequence[str], *, config: Config | None, env: Mapping[str, str] | None = None
) -> list[RunRecord]:
    """Run records for command-line arguments: run record files, or ``SCHEME:...`` references
    (read by their source, which reads the files beside them too)."""
    for scheme in RUN_REFERENCES:
        if any(text.startswith(f"{scheme}:") for text in texts):
            found: list[RunRecord] = references(scheme).read_runs(texts, config=config, env=env)
            return found
    from scoregate.record import store

    return [store.read_record(Path(text)) for text in texts]


def in_candidate_units(baseline: RunRecord | None, candidate: RunRecord) -> RunRecord | None:
    """``baseline`` as its source reads it in the units of the candidate's scores (Langfuse keeps
    each score as the number returned, and the candidate's evaluators name and scale them as
    they run); a run record file, or no baseline, as it is."""
    if baseline is None:
        return None
    for scheme in RUN_REFERENCES:
        if baseline.run_id.startswith(f"{scheme}:"):
            converted: RunRecord = references(scheme).in_candidate_units(
                baseline, candidate.score_defs
            )
            return converted
    return baseline


def post_sticky_comment(host: str = "github") -> Any:
    """The function that creates or updates the sticky pull-request comment on ``host``."""
    return _load(PULL_REQUEST_COMMENTS[host])
