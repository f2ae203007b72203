"""The values that flow through a gate run, in the words of DESIGN.md.

Every value here is immutable. Functions build new values; nothing is updated in place.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

if TYPE_CHECKING:
    from scoregate.decide.stats import PairedStats
    from scoregate.record.scoretable import ScoreTable
    from scoregate.values.agreement import JudgeAgreement

Status = Literal["pass", "fail", "skip", "warn"]
ErrorKind = Literal["app", "infra"]
"""Why a sample or a score has an error: the app's own code raised (``app``: counted as a
failure), or a service it needs was out (``infra``: a model server unreachable, retries
exhausted, a model call's timeout; left out of the comparison)."""

_ITEM_KEYS = ("id", "input", "expected_output", "metadata")


@dataclass(frozen=True, slots=True)
class Item:
    """One dataset row.

    A task written for Langfuse's experiment runner reads either ``item.input`` (a dataset
    item object) or ``item["input"]`` (a local dict), so an item answers both.
    """

    id: str
    input: Any
    expected_output: Any = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""
    """Where the item came from, for messages: ``data.jsonl:4`` or ``langfuse:qa-set``."""
    trace_id: str | None = None
    """The production trace an item was built from (live datasets)."""
    expected_scores: Mapping[str, float] = field(default_factory=dict)
    """Reference scores for judges, on each judge's scale (``{correctness: 8}``)."""

    def __getitem__(self, key: str) -> Any:
        if key not in _ITEM_KEYS:
            raise KeyError(key)
        return getattr(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key) if key in _ITEM_KEYS else default

    def keys(self) -> tuple[str, ...]:
        return _ITEM_KEYS

    def __iter__(self) -> Iterator[str]:
        return iter(_ITEM_KEYS)

    def __contains__(self, key: object) -> bool:
        return key in _ITEM_KEYS


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens and cost of the model calls behind a sample or a judge score."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    calls: int = 0
    cache_hits: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.cost + other.cost,
            self.calls + other.calls,
            self.cache_hits + other.cache_hits,
        )


@dataclass(frozen=True, slots=True)
class TaskOutput:
    """What a model-backed task returns: the output and what the call cost."""

    output: Any
    usage: Usage | None = None


class Score(NamedTuple):
    """One evaluator's value for a sample.

    ``value`` is canonical 0-1 (None when the evaluator failed); ``raw`` is what the
    evaluator returned, on ``scale``. A named tuple, not a dataclass: a large run holds
    hundreds of thousands and builds them several times faster.
    """

    name: str
    value: float | None
    raw: Any = None
    scale: tuple[float, float] | None = None
    comment: str | None = None
    error: str | None = None
    usage: Usage | None = None
    error_kind: ErrorKind = "app"
    """What ``error`` is, when there is one."""


@dataclass(frozen=True, slots=True)
class Sample:
    """One execution of the task on an item, with its scores."""

    index: int
    output: Any
    latency: float
    error: str | None = None
    scores: tuple[Score, ...] = ()
    usage: Usage | None = None
    error_kind: ErrorKind = "app"
    """What the task's ``error`` is, when there is one."""

    def score(self, name: str) -> Score | None:
        for s in self.scores:
            if s.name == name:
                return s
        return None


@dataclass(frozen=True, slots=True)
class ItemResult:
    item: Item
    samples: tuple[Sample, ...]


@dataclass(frozen=True, slots=True)
class ScoreDef:
    """What a score means: its pass mark and, for judges, who produced it.

    ``fingerprint`` identifies the judge (model, prompt digest, scale); scores whose
    fingerprints differ are not comparable.

    A ``plain`` score is a number in its own units (a Python evaluator with no declared scale,
    as Langfuse has scores): no scale check, and items pass or fail only when it has a pass
    mark (then value >= pass mark, in its units). Any other score is canonical 0-1.
    """

    name: str
    pass_mark: float | None = 0.5
    """None: no item passes or fails on this score (a plain score without a pass mark)."""
    scale: tuple[float, float] | None = None
    kind: str = "python"
    fingerprint: Mapping[str, Any] | None = None
    plain: bool = False


@dataclass(frozen=True, slots=True)
class RunRecord:
    """Everything a run produced: enough to re-gate and re-render without rerunning."""

    experiment: str
    run_id: str
    items: Sequence[ItemResult]
    score_defs: Mapping[str, ScoreDef] = field(default_factory=dict)
    config_digest: str = ""
    dataset: Mapping[str, Any] = field(default_factory=dict)
    git: Mapping[str, Any] = field(default_factory=dict)
    started_at: str = ""
    finished_at: str = ""
    repeats: int = 1
    shard: str | None = None
    run_scores: tuple[Score, ...] = ()
    warnings: tuple[str, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def table(self) -> ScoreTable | None:
        """The scores as columns, when the items were read from a file with them (they travel
        with the items, so a record built with other items never carries a stale table)."""
        table: ScoreTable | None = getattr(self.items, "table", None)
        return table

    def usage(self) -> Usage:
        if self.table is not None:
            return self.table.usage
        total = Usage()
        for result in self.items:
            for sample in result.samples:
                if sample.usage:
                    total += sample.usage
                for s in sample.scores:
                    if s.usage:
                        total += s.usage
        return total


@dataclass(frozen=True, slots=True)
class Aggregate:
    """Summary of one score over the items of one run (item value = mean of its samples)."""

    n: int
    mean: float
    median: float
    stdev: float
    pass_rate: float | None
    """None when the score has no pass mark."""


@dataclass(frozen=True, slots=True)
class Clustering:
    """How the paired items of one score were grouped (``cluster: KEY``)."""

    key: str
    """The item field, as the config names it (``topic``, ``metadata.source_doc``)."""
    clusters: int
    """Clusters among the paired items, counting each item without a value as one."""
    alone: int = 0
    """Paired items with no value for the key: each is its own cluster."""

    @property
    def text(self) -> str:
        """``clustered by topic (20 clusters; 3 items without topic, each its own cluster)``."""
        alone = ""
        if self.alone:
            one = self.alone == 1
            alone = (
                f"; {self.alone} item{'' if one else 's'} without {self.key}, "
                f"{'its' if one else 'each its'} own cluster"
            )
        plural = "s" if self.clusters != 1 else ""
        return f"clustered by {self.key} ({self.clusters} cluster{plural}{alone})"


@dataclass(frozen=True, slots=True)
class ScoreComparison:
    name: str
    candidate: Aggregate | None
    baseline: Aggregate | None
    delta: PairedStats | None
    """Candidate minus baseline over the items present in both, with its uncertainty."""
    regressed: tuple[str, ...] = ()
    improved: tuple[str, ...] = ()
    flaky: tuple[str, ...] = ()
    errors: int = 0
    judge_changed: str | None = None
    """Why the baseline's judge differs from the candidate's, when it does."""
    paired_means: tuple[float, float] | None = None
    """(baseline, candidate) means over the items of ``delta`` only: the figures the delta is
    the difference of, which differ from the means of each whole run when items differ."""
    plain: bool = False
    """A number in its own units, not a canonical 0-1 score (see ScoreDef)."""
    pass_mark: float | None = 0.5
    counted_as_zero: int = 0
    """Candidate samples whose task or evaluator raised, counted as 0 for this score."""
    errors_left_out: int = 0
    """Candidate samples whose task or evaluator raised, left out of this plain score: a
    number in its own units has no worst value to count them as."""
    left_out: int = 0
    """Items in both runs left out of the pairs: their candidate samples were lost to an
    outage (a model server unreachable, retries exhausted, a model call's timeout)."""
    in_baseline: bool = True
    """False for a score the baseline does not have (new since the baseline)."""
    clustering: Clustering | None = None
    """With ``cluster:``: the clusters the paired test and interval were computed over."""


@dataclass(frozen=True, slots=True)
class Comparison:
    """One experiment's candidate run set against its baseline (if any)."""

    experiment: str
    candidate: RunRecord
    baseline: RunRecord | None
    baseline_note: str | None
    scores: tuple[ScoreComparison, ...]
    new_items: tuple[str, ...]
    missing_items: tuple[str, ...]
    samples: int
    sample_errors: int
    flaky_items: tuple[str, ...] = ()
    unmeasured: tuple[str, ...] = ()
    """Scores of the baseline that no evaluator produced in this run (the config dropped
    them): shown as not measured now, never compared or checked."""
    baseline_required: bool = False
    """A baseline was asked for and not found: without one, its checks fail, not skip."""
    agreements: tuple[JudgeAgreement, ...] = ()
    """Each judge's agreement with the reference scores of the candidate's items."""

    @property
    def error_rate(self) -> float:
        return self.sample_errors / self.samples if self.samples else 0.0

    def score(self, name: str) -> ScoreComparison | None:
        for s in self.scores:
            if s.name == name:
                return s
        return None


@dataclass(frozen=True, slots=True)
class Check:
    """One threshold applied to one score of one experiment."""

    experiment: str
    score: str | None
    kind: str
    status: Status
    observed: float | None
    limit: float | None
    explanation: str
    note: str | None = None
    """Something the reader should know even when the check passes (too few items)."""
    items: tuple[str, ...] = ()
    """The ids of the items the check is about (regressed or flaky ones), for reports to name."""

    @property
    def name(self) -> str:
        """``correct: max_drop``, or ``max_error_rate`` for a check of the whole experiment."""
        return f"{self.score}: {self.kind}" if self.score else self.kind

    @property
    def title(self) -> str:
        return f"{self.experiment} · {self.name}"

    @property
    def run_incomplete(self) -> bool:
        """A failed error budget: the run could not be completed (exit 3), not a worse result."""
        return self.status == "fail" and self.kind == "max_error_rate"


@dataclass(frozen=True, slots=True)
class Verdict:
    checks: tuple[Check, ...]
    comparisons: tuple[Comparison, ...]

    @property
    def passed(self) -> bool:
        return not self.failed_checks

    @property
    def failed_checks(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.status == "fail")

    def counts(self) -> dict[Status, int]:
        """How many checks ended in each status: what every report counts."""
        found: dict[Status, int] = {"pass": 0, "fail": 0, "warn": 0, "skip": 0}
        for check in self.checks:
            found[check.status] += 1
        return found

    @property
    def exit_code(self) -> int:
        """1 for a failed gate; 3 when errors exceeded the error budget (DESIGN.md)."""
        if any(c.run_incomplete for c in self.checks):
            return 3
        return 0 if self.passed else 1
