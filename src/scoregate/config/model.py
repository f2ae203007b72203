"""The configuration values: what experiments.yaml says, frozen (``experiments.load`` builds
them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scoregate.config import paths, templates
from scoregate.config.costs import Price
from scoregate.config.langfuse import (
    ExperimentOptions,
    LangfuseDatasetConfig,
    LiveDatasetConfig,
    PromptRef,
)
from scoregate.config.validate import suggest
from scoregate.values.errors import ConfigError
from scoregate.values.quoting import quoted

DEFAULT_CONCURRENCY = 8
DEFAULT_TIMEOUT = 60.0
DEFAULT_SIGNIFICANCE = 0.05
DEFAULT_BASELINE = "baselines/{experiment}.json"
DEFAULT_OUTPUT_DIR = ".scoregate"
DEFAULT_MAX_CONCURRENT_CALLS = 8
DEFAULT_CALL_TIMEOUT = 60.0
DEFAULT_MAX_ATTEMPTS = 4
DEFAULT_JUDGE_SCALE = (0.0, 10.0)
DEFAULT_MIN_OVERLAP = 0.5
CHAT_KEYS = ("model", "prompt", "messages", "scale", "allow_truncated")


@dataclass(frozen=True, slots=True)
class DatasetConfig:
    path: Path
    format: str | None = None
    input_schema: Mapping[str, Any] | None = None
    expected_output_schema: Mapping[str, Any] | None = None
    where: str = ""
    root: Path | None = None
    """The config's folder: the path is relative to it, and recorded relative to it."""

    @property
    def reference(self) -> dict[str, Any]:
        """What a run record keeps: the path from the config's folder, the same on every machine."""
        shown = str(self.path) if self.root is None else paths.relative(self.path, self.root)
        return {"kind": "file", "path": shown}


@dataclass(frozen=True, slots=True)
class ChatPromptConfig:
    """A model, a prompt with placeholders, and the call's parameters (temperature, ...)."""

    model: str
    prompt: templates.Prompt
    params: Mapping[str, Any] = field(default_factory=dict)
    where: str = ""
    langfuse: PromptRef | None = None
    """A Langfuse prompt, fetched into ``prompt`` by ``runner.prepare`` (empty until then)."""
    source: Mapping[str, Any] | None = None
    """The Langfuse prompt's name and version once fetched (part of a judge's fingerprint)."""
    allow_truncated: bool = False
    """Score a reply cut at max_tokens as it is, instead of making it a sample error."""


@dataclass(frozen=True, slots=True)
class TaskConfig:
    python: str = ""
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    where: str = ""
    openai: ChatPromptConfig | None = None
    key: str = ""
    """The key path (``experiments[0].task``), for messages."""

    @property
    def label(self) -> str:
        return f"openai {self.openai.model}" if self.openai else self.python


@dataclass(frozen=True, slots=True)
class OpenAISettings:
    """How model calls are made: shared by prompt tasks and judges."""

    max_concurrent_calls: int = DEFAULT_MAX_CONCURRENT_CALLS
    timeout: float = DEFAULT_CALL_TIMEOUT
    """Seconds for one HTTP attempt."""
    max_attempts: int = DEFAULT_MAX_ATTEMPTS


@dataclass(frozen=True, slots=True)
class CacheSetting:
    enabled: bool = True
    path: Path | None = None
    """None: ``<output dir>/cache.sqlite``."""


@dataclass(frozen=True, slots=True)
class EvaluatorConfig:
    kind: str
    """``builtin``, ``python``, ``script`` or ``judge``."""
    target: str
    """The builtin type, the ``module:function``, the script path or the judge model."""
    name: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    scale: tuple[float, float] | None = None
    pass_mark: float | None = None
    where: str = ""
    judge: ChatPromptConfig | None = None
    key: str = ""
    """The key path (``experiments[0].evaluators[1]``), for messages."""
    calibration: DatasetConfig | None = None
    """A judge's calibration file: rows of input, output and the score the judge should give."""


@dataclass(frozen=True, slots=True)
class Thresholds:
    min: float | None = None
    min_pass_rate: float | None = None
    max_drop: float | None = None
    max_regressed_items: int | None = None
    pass_mark: float | None = None
    min_judge_agreement: float | None = None
    """Lowest allowed agreement of a judge with the reference scores (rho; kappa for a
    pass/fail judge)."""
    significance: float | None = DEFAULT_SIGNIFICANCE
    """None when significance is off: max_drop is then the plain check."""
    test: str = "mean"
    """max_drop's test: "mean" (sign-flip of the mean) or "rank" (signed ranks, Wilcoxon)."""
    where: str = ""
    key: str = ""
    """The key path (``experiments[0].gate.correct``), for messages."""


@dataclass(frozen=True, slots=True)
class MetricThresholds:
    """Thresholds of latency, tokens or cost (lower is better; config/metricgate.py)."""

    max: float | None = None
    """Largest allowed mean per item (seconds, tokens or USD)."""
    max_p95: float | None = None
    """Largest allowed 95th percentile over the samples."""
    max_increase: float | None = None
    """Largest allowed relative increase over the baseline (0.2: 20% more), significance-tested."""
    significance: float | None = DEFAULT_SIGNIFICANCE
    where: str = ""
    key: str = ""


@dataclass(frozen=True, slots=True)
class GateConfig:
    scores: Mapping[str, Thresholds] = field(default_factory=dict)
    metrics: Mapping[str, MetricThresholds] = field(default_factory=dict)
    """Thresholds of ``latency``, ``tokens`` and ``cost``, by name."""
    max_error_rate: float = 0.0
    max_flaky_rate: float | None = None
    count_flaky_as_regressed: bool = False
    significance: float | None = DEFAULT_SIGNIFICANCE
    judge_changed_fails: bool = False
    min_overlap: float = DEFAULT_MIN_OVERLAP
    """Fail when fewer items than this share of the smaller run are in both runs."""


@dataclass(frozen=True, slots=True)
class ExperimentConfig:
    name: str
    dataset: DatasetConfig | LangfuseDatasetConfig | LiveDatasetConfig
    task: TaskConfig
    evaluators: tuple[EvaluatorConfig, ...]
    gate: GateConfig
    concurrency: int = DEFAULT_CONCURRENCY
    repeats: int = 1
    timeout: float = DEFAULT_TIMEOUT
    baseline: Path | None = None
    description: str = ""
    where: str = ""
    max_cost: float | None = None
    baseline_given: str | None = None
    """Where the config names the baseline (``experiments.yaml:3:13: defaults.baseline``); None
    when it does not, and the default ``baselines/{experiment}.json`` applies. Only then may a
    run pass without a baseline."""
    langfuse: ExperimentOptions = field(default_factory=ExperimentOptions)
    """Recording, a Langfuse baseline, an experiment(context) script, run evaluators."""
    cluster: str | None = None
    """``cluster: KEY``: the item field that groups items; None when items are independent."""


@dataclass(frozen=True, slots=True)
class Config:
    path: Path
    root: Path
    experiments: tuple[ExperimentConfig, ...]
    output_dir: Path
    digest: str
    openai: OpenAISettings = field(default_factory=OpenAISettings)
    cache: CacheSetting = field(default_factory=CacheSetting)
    prices: Mapping[str, Price] = field(default_factory=dict)

    @property
    def uses_models(self) -> bool:
        return any(
            e.task.openai is not None or any(v.kind == "judge" for v in e.evaluators)
            for e in self.experiments
        )

    def select(self, names: Sequence[str]) -> tuple[ExperimentConfig, ...]:
        if not names:
            return self.experiments
        known = {e.name: e for e in self.experiments}
        problems = [
            f"{self.path}: no experiment named {quoted(n)}{suggest(n, known)}; "
            f"the experiments are: {', '.join(known)}."
            for n in names
            if n not in known
        ]
        if problems:
            raise ConfigError(problems)
        return tuple(known[n] for n in dict.fromkeys(names))

    def experiment(self, name: str) -> ExperimentConfig | None:
        return next((e for e in self.experiments if e.name == name), None)
