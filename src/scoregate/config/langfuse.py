"""The Langfuse parts of experiments.yaml, as frozen values (no SDK import here).

``config.py`` calls ``dataset_config`` for ``dataset: {langfuse: ...}`` / ``{langfuse_live: ...}``
and ``experiment_options`` for ``record``, ``baseline: {langfuse: ...}``, ``script`` and
``run_evaluators``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scoregate.config.yamlsource import KeyPath, SourceDoc, format_path
from scoregate.values.quoting import clip, quoted

DEFAULT_RUN_NAME = "{experiment}-{branch}-{commit}-{run_id}"
"""{run_id} keeps a rerun at the same commit from adding its items to the earlier run."""
PROMOTED_SCORE = "scoregate.baseline"
"""Run-level score that ``scoregate baseline promote`` puts on a Langfuse run."""


@dataclass(frozen=True, slots=True)
class LangfuseDatasetConfig:
    name: str
    version: dt.datetime | None = None
    input_schema: Mapping[str, Any] | None = None
    expected_output_schema: Mapping[str, Any] | None = None
    where: str = ""

    @property
    def reference(self) -> dict[str, Any]:
        ref: dict[str, Any] = {"kind": "langfuse", "name": self.name}
        if self.version is not None:
            ref["version"] = self.version.isoformat()
        return ref


@dataclass(frozen=True, slots=True)
class LiveDatasetConfig:
    """The ``limit`` most recent traces, optionally filtered, as a dataset."""

    limit: int = 50
    name: str | None = None
    tags: tuple[str, ...] = ()
    environment: str | None = None
    where: str = ""

    @property
    def reference(self) -> dict[str, Any]:
        ref: dict[str, Any] = {"kind": "langfuse_live", "limit": self.limit}
        for key, value in (("name", self.name), ("environment", self.environment)):
            if value:
                ref[key] = value
        if self.tags:
            ref["tags"] = list(self.tags)
        return ref


@dataclass(frozen=True, slots=True)
class RecordConfig:
    run_name: str = DEFAULT_RUN_NAME
    description: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LangfuseBaselineConfig:
    """A named run, else the latest run whose metadata matches (and, if asked, promoted)."""

    run: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    promoted: bool = False
    dataset: str | None = None
    where: str = ""

    def describe(self) -> str:
        if self.run:
            return f"run '{self.run}'"
        parts = [f"{k}={v}" for k, v in self.metadata.items()]
        if self.promoted:
            parts.append("promoted")
        return "latest run" + (f" with {', '.join(parts)}" if parts else "")


@dataclass(frozen=True, slots=True)
class ExperimentOptions:
    record: RecordConfig | None = None
    langfuse_baseline: LangfuseBaselineConfig | None = None
    script: Path | None = None
    run_evaluators: tuple[str, ...] = ()
    script_place: str = ""
    """``file:line:col: key.path`` of ``script``, for messages."""
    run_evaluator_places: tuple[str, ...] = ()
    """``file:line:col: key.path`` of each of ``run_evaluators``."""


def uses_langfuse(dataset: object, options: ExperimentOptions) -> bool:
    return (
        isinstance(dataset, (LangfuseDatasetConfig, LiveDatasetConfig))
        or options.record is not None
        or options.langfuse_baseline is not None
    )


def _shown(value: Any) -> str:
    return quoted(value) if isinstance(value, str) else clip(repr(value))


def parse_version(value: Any, where: str, problems: list[str]) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        stamp = value
    elif isinstance(value, dt.date):
        stamp = dt.datetime(value.year, value.month, value.day)
    else:
        try:
            stamp = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            problems.append(
                f"{where}: version {_shown(value)} is not a timestamp; write it as "
                "2025-01-31T12:00:00Z (UTC)."
            )
            return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)


def dataset_config(
    raw: Mapping[str, Any],
    doc: SourceDoc,
    at: KeyPath,
    schemas: Mapping[Any, Mapping[str, Any] | None],
    problems: list[str],
) -> LangfuseDatasetConfig | LiveDatasetConfig:
    if "langfuse_live" in raw:
        live = raw["langfuse_live"]
        return LiveDatasetConfig(
            limit=int(live.get("limit", 50)),
            name=live.get("name"),
            tags=tuple(live.get("tags", ())),
            environment=live.get("environment"),
            where=doc.where((*at, "langfuse_live")),
        )
    version_at = (*at, "version")
    return LangfuseDatasetConfig(
        name=raw["langfuse"],
        version=parse_version(
            raw.get("version"), f"{doc.where(version_at)}: {format_path(version_at)}", problems
        ),
        input_schema=schemas.get("input_schema"),
        expected_output_schema=schemas.get("expected_output_schema"),
        where=doc.where((*at, "langfuse")),
    )


def experiment_options(
    raw: Mapping[str, Any],
    defaults: Mapping[str, Any],
    doc: SourceDoc,
    at: KeyPath,
    root: Path,
) -> ExperimentOptions:
    record_raw = raw.get("record", defaults.get("record"))
    record: RecordConfig | None = None
    if record_raw is True:
        record = RecordConfig()
    elif isinstance(record_raw, Mapping) and record_raw.get("enabled", True):
        record = RecordConfig(
            run_name=record_raw.get("run_name", DEFAULT_RUN_NAME),
            description=record_raw.get("description"),
            metadata=dict(record_raw.get("metadata", {})),
        )
    baseline_raw = raw.get("baseline", defaults.get("baseline"))
    baseline: LangfuseBaselineConfig | None = None
    if isinstance(baseline_raw, Mapping):
        spec = baseline_raw["langfuse"]
        key = "baseline" if "baseline" in raw else None
        where = doc.where((*at, key)) if key else doc.where(("defaults", "baseline"))
        baseline = LangfuseBaselineConfig(
            run=spec.get("run"),
            metadata=dict(spec.get("metadata", {})),
            promoted=bool(spec.get("promoted", False)),
            dataset=spec.get("dataset"),
            where=where,
        )
    script = raw.get("script")
    run_evaluators = tuple(raw.get("run_evaluators", ()))
    return ExperimentOptions(
        record=record,
        langfuse_baseline=baseline,
        script=root / script if script else None,
        run_evaluators=run_evaluators,
        script_place=_place(doc, (*at, "script")),
        run_evaluator_places=tuple(
            _place(doc, (*at, "run_evaluators", i)) for i in range(len(run_evaluators))
        ),
    )


def _place(doc: SourceDoc, path: KeyPath) -> str:
    return f"{doc.where(path)}: {format_path(path)}"


@dataclass(frozen=True, slots=True)
class PromptRef:
    name: str
    label: str | None = None
    version: int | None = None
    where: str = ""

    def describe(self) -> str:
        if self.version is not None:
            return f"'{self.name}' version {self.version}"
        return f"'{self.name}' label '{self.label or 'production'}'"


def ref_from_yaml(raw: Mapping[str, Any], where: str = "") -> PromptRef:
    version = raw.get("version")
    return PromptRef(
        str(raw["langfuse"]),
        raw.get("label"),
        int(version) if version is not None else None,
        where,
    )
