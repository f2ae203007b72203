"""experiments.yaml → frozen, validated configuration values.

Validation is a JSON Schema shipped in the package; every problem is reported at once, each
as ``file:line:col: key.path: what is wrong``. Core code never sees the raw mapping.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from scoregate.config import baselinepaths, gateunits, metricgate, paths, templates, yamlsource
from scoregate.config.costs import Price
from scoregate.config.langfuse import (
    LangfuseDatasetConfig,
    LiveDatasetConfig,
    dataset_config,
    experiment_options,
    ref_from_yaml,
)
from scoregate.config.limits import MAX_CONFIG_VALUES
from scoregate.config.model import (
    CHAT_KEYS,
    DEFAULT_BASELINE,
    DEFAULT_CALL_TIMEOUT,
    DEFAULT_CONCURRENCY,
    DEFAULT_JUDGE_SCALE,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_MAX_CONCURRENT_CALLS,
    DEFAULT_MIN_OVERLAP,
    DEFAULT_OUTPUT_DIR,
    DEFAULT_SIGNIFICANCE,
    DEFAULT_TIMEOUT,
    CacheSetting,
    ChatPromptConfig,
    Config,
    DatasetConfig,
    EvaluatorConfig,
    ExperimentConfig,
    GateConfig,
    OpenAISettings,
    TaskConfig,
    Thresholds,
)
from scoregate.config.validate import suggest, validate_document
from scoregate.config.yamlsource import KeyPath, SourceDoc, format_path
from scoregate.values.errors import ConfigError
from scoregate.values.quoting import clip, json_quoted, quoted, shorten_message


def load(path: Path, env: Mapping[str, str] | None = None) -> Config:
    """Read, interpolate, validate and freeze a config file. Raises ConfigError."""
    doc = yamlsource.load(path, env)
    validate_document(doc)
    return _build(doc, path)


def digest_of(data: Any) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _significance(value: Any, default: float | None) -> float | None:
    if value is None:
        return default
    if value in ("off", False):
        return None
    return float(value)


def _build(doc: SourceDoc, path: Path) -> Config:
    data: dict[str, Any] = doc.data
    root = path.resolve().parent
    defaults: dict[str, Any] = data.get("defaults", {})
    problems: list[str] = []
    if isinstance(defaults.get("baseline"), str):  # once, not once per experiment
        at: KeyPath = ("defaults", "baseline")
        problems.extend(
            f"{doc.where(at)}: {format_path(at)}: {problem}"
            for problem in baselinepaths.unknown_placeholders(defaults["baseline"])
        )
    experiments = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(data["experiments"]):
        at = ("experiments", index)
        name = raw["name"]
        if name in seen:
            problems.append(
                f"{doc.where((*at, 'name'))}: {format_path((*at, 'name'))}: experiment name "
                f"{quoted(name)} is already used by experiments[{seen[name]}]; names must be "
                "unique."
            )
        seen[name] = index
        experiments.append(_experiment(raw, defaults, doc, at, root, problems))
    if problems:
        raise ConfigError(problems)
    output_dir = root / defaults.get("output_dir", DEFAULT_OUTPUT_DIR)
    return Config(
        path,
        root,
        tuple(experiments),
        output_dir,
        digest_of(data),
        openai=_openai_settings(defaults.get("openai", {})),
        cache=_cache_setting(defaults.get("cache", True), root),
        prices={
            model: Price(float(p["prompt"]), float(p["completion"]))
            for model, p in defaults.get("prices", {}).items()
        },
    )


def _openai_settings(raw: Mapping[str, Any]) -> OpenAISettings:
    return OpenAISettings(
        max_concurrent_calls=int(raw.get("max_concurrent_calls", DEFAULT_MAX_CONCURRENT_CALLS)),
        timeout=float(raw.get("timeout", DEFAULT_CALL_TIMEOUT)),
        max_attempts=int(raw.get("max_attempts", DEFAULT_MAX_ATTEMPTS)),
    )


def _cache_setting(raw: bool | str, root: Path) -> CacheSetting:
    if isinstance(raw, bool):
        return CacheSetting(enabled=raw)
    return CacheSetting(enabled=True, path=root / raw)


def _chat_prompt(
    raw: Mapping[str, Any],
    doc: SourceDoc,
    at: KeyPath,
    roots: Sequence[str],
    problems: list[str],
) -> ChatPromptConfig:
    """The shared part of ``task: {openai: ...}`` and ``judge: ...``: prompt XOR messages."""
    where = doc.where(at)
    if "prompt" in raw and "messages" in raw:
        problems.append(
            f"{where}: {format_path(at)}: give either 'prompt' or 'messages', not both."
        )
    params = {k: v for k, v in raw.items() if k not in CHAT_KEYS}
    cut = raw.get("allow_truncated") is True
    if isinstance(raw.get("prompt"), Mapping):
        ref = ref_from_yaml(raw["prompt"], doc.where((*at, "prompt")))
        return ChatPromptConfig(
            str(raw["model"]), templates.Prompt(()), params, where, ref, None, cut
        )
    if "messages" in raw:
        prompt = templates.Prompt.from_messages(raw["messages"])
        key = "messages"
    else:
        prompt = templates.Prompt.from_text(raw["prompt"])
        key = "prompt"
    problems.extend(
        f"{doc.where((*at, key))}: {format_path((*at, key))}: {problem}."
        for problem in templates.check(prompt, roots)
    )
    return ChatPromptConfig(str(raw["model"]), prompt, params, where, allow_truncated=cut)


def _experiment(
    raw: dict[str, Any],
    defaults: dict[str, Any],
    doc: SourceDoc,
    at: KeyPath,
    root: Path,
    problems: list[str],
) -> ExperimentConfig:
    def setting(key: str, fallback: Any) -> Any:
        return raw.get(key, defaults.get(key, fallback))

    evaluators = tuple(
        _evaluator(e, doc, (*at, "evaluators", i), root, problems)
        for i, e in enumerate(raw.get("evaluators", ()))
    )
    problems.extend(metricgate.reserved(raw.get("evaluators", ()), doc, (*at, "evaluators")))
    # Scripts and run evaluators name their scores at run time, like script evaluators.
    dynamic = ("script" in raw or "run_evaluators" in raw) and (EvaluatorConfig("script", ""),)
    gate = _gate(
        raw.get("gate", {}), defaults, doc, (*at, "gate"), evaluators + (dynamic or ()), problems
    )
    options = experiment_options(raw, defaults, doc, at, root)
    baseline_setting = setting("baseline", DEFAULT_BASELINE)
    baseline_at = (*at, "baseline") if "baseline" in raw else ("defaults", "baseline")
    baseline_given = (
        f"{doc.where(baseline_at)}: {format_path(baseline_at)}"
        if "baseline" in raw or "baseline" in defaults
        else None
    )
    if "baseline" in raw and isinstance(baseline_setting, str):
        problems.extend(
            f"{baseline_given}: {problem}"
            for problem in baselinepaths.unknown_placeholders(baseline_setting)
        )
    baseline = (
        baselinepaths.fill(baseline_setting, raw["name"])
        if isinstance(baseline_setting, str)
        else None
    )
    task_raw = raw.get("task", "")
    task_key = format_path((*at, "task"))
    if isinstance(task_raw, str):
        task = TaskConfig(task_raw, where=doc.where((*at, "task")), key=task_key)
    elif "openai" in task_raw:
        chat = _chat_prompt(
            task_raw["openai"], doc, (*at, "task", "openai"), templates.TASK_ROOTS, problems
        )
        task = TaskConfig(where=chat.where, openai=chat)
    else:
        task = TaskConfig(
            task_raw["python"], task_raw.get("kwargs", {}), doc.where((*at, "task")), key=task_key
        )
    max_cost = setting("max_cost", None)
    return ExperimentConfig(
        name=raw["name"],
        dataset=_dataset(raw["dataset"], doc, (*at, "dataset"), root, problems),
        task=task,
        evaluators=evaluators,
        gate=gate,
        concurrency=int(setting("concurrency", DEFAULT_CONCURRENCY)),
        repeats=int(setting("repeats", 1)),
        timeout=float(setting("timeout", DEFAULT_TIMEOUT)),
        baseline=root / baseline if baseline else None,
        description=raw.get("description", ""),
        where=doc.where(at),
        max_cost=None if max_cost is None else float(max_cost),
        langfuse=options,
        baseline_given=baseline_given,
        cluster=setting("cluster", None),
    )


def _dataset(
    raw: str | dict[str, Any], doc: SourceDoc, at: KeyPath, root: Path, problems: list[str]
) -> DatasetConfig | LangfuseDatasetConfig | LiveDatasetConfig:
    if isinstance(raw, str):
        raw = {"path": raw}
        where = f"{doc.where(at)}: {format_path(at)}"
    else:
        where = f"{doc.where((*at, 'path'))}: {format_path((*at, 'path'))}"
    schemas = {
        key: load_schema_ref(
            raw[key], root, f"{doc.where((*at, key))}: {format_path((*at, key))}", problems
        )
        for key in ("input_schema", "expected_output_schema")
        if key in raw
    }
    if "langfuse" in raw or "langfuse_live" in raw:
        return dataset_config(raw, doc, at, schemas, problems)
    return DatasetConfig(
        path=root / raw["path"],
        format=raw.get("format"),
        input_schema=schemas.get("input_schema"),
        expected_output_schema=schemas.get("expected_output_schema"),
        where=where,
        root=root,
    )


def load_schema_ref(
    ref: str | Mapping[str, Any], root: Path, where: str, problems: list[str]
) -> Mapping[str, Any] | None:
    """An inline JSON Schema, or one read from a JSON/YAML file; checked to be a valid schema
    (by jsonschema unless it is a simple one: simpleschema.py)."""
    schema_value: Any = ref
    if isinstance(ref, str):
        file = root / ref
        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            problems.append(f"{where}: {paths.missing(file, root)}.")
            return None
        except OSError as exc:
            problems.append(
                f"{where}: cannot read schema file {clip(str(file))}: {exc.strerror or exc}."
            )
            return None
        from scoregate.config import yamlcompose

        try:
            schema_value = yamlcompose.load(text, str(file), max_values=MAX_CONFIG_VALUES)
        except ConfigError as exc:
            problems.append(f"{where}: cannot use the schema file: {exc}")
            return None
    if not isinstance(schema_value, dict):
        problems.append(f"{where}: a JSON Schema must be a mapping.")
        return None
    from scoregate.config.simpleschema import simple

    if simple(schema_value):
        return schema_value
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(schema_value)
    except SchemaError as exc:
        problems.append(f"{where}: not a valid JSON Schema: {shorten_message(exc.message)}.")
        return None
    return schema_value


def _evaluator(
    raw: dict[str, Any], doc: SourceDoc, at: KeyPath, root: Path, problems: list[str]
) -> EvaluatorConfig:
    where = doc.where(at)
    scale = tuple(raw["scale"]) if "scale" in raw else None
    if scale is not None and not scale[0] < scale[1]:
        problems.append(
            f"{doc.where((*at, 'scale'))}: {format_path((*at, 'scale'))}: the low end "
            f"{json_quoted(scale[0])} must be below the high end {json_quoted(scale[1])}."
        )
    scale_value = (float(scale[0]), float(scale[1])) if scale else None
    pass_mark = raw.get("pass_mark")
    if "judge" in raw:
        judge_raw = raw["judge"]
        judge_at = (*at, "judge")
        low, high = judge_raw.get("scale", DEFAULT_JUDGE_SCALE)
        if not low < high:
            problems.append(
                f"{doc.where((*judge_at, 'scale'))}: {format_path((*judge_at, 'scale'))}: the low "
                f"end {json_quoted(low)} must be below the high end {json_quoted(high)}."
            )
        chat = _chat_prompt(judge_raw, doc, judge_at, templates.JUDGE_ROOTS, problems)
        names = [n for m in chat.prompt.messages for n in templates.placeholders(m.content)]
        if chat.langfuse is None and not any(n.split(".", 1)[0] == "output" for n in names):
            problems.append(
                f"{doc.where(judge_at)}: {format_path(judge_at)}: the judge prompt has no "
                "{{output}} placeholder, so the judge would never see the output it scores."
            )
        return EvaluatorConfig(
            "judge",
            chat.model,
            raw.get("name", "judge"),
            {},
            (float(low), float(high)),
            pass_mark,
            where,
            judge=chat,
            calibration=DatasetConfig(
                root / raw["calibration"],
                where=f"{doc.where((*at, 'calibration'))}: {format_path((*at, 'calibration'))}",
                root=root,
            )
            if "calibration" in raw
            else None,
        )
    if "langfuse_judges" in raw:
        spec = raw["langfuse_judges"]
        low, high = spec.get("scale", DEFAULT_JUDGE_SCALE)
        judge_scale = (float(low), float(high))
        keys = ("model", "prompts", "label", "discover", "scale", "allow_truncated")
        params = {k: v for k, v in spec.items() if k not in keys}
        cut = spec.get("allow_truncated") is True
        chat = ChatPromptConfig(spec["model"], templates.Prompt(()), params, where, None, None, cut)
        options = {k: spec[k] for k in ("prompts", "label", "discover") if k in spec}
        return EvaluatorConfig(
            "langfuse_judges", chat.model, None, options, judge_scale, pass_mark, where, chat
        )
    if "type" in raw:
        options = {k: v for k, v in raw.items() if k not in ("type", "name", "pass_mark")}
        if raw["type"] == "json_schema":
            options["schema"] = load_schema_ref(
                raw["schema"],
                root,
                f"{doc.where((*at, 'schema'))}: {format_path((*at, 'schema'))}",
                problems,
            )
        if raw["type"] == "regex":
            import re

            try:
                re.compile(raw["pattern"])
            except re.error as exc:
                problems.append(
                    f"{doc.where((*at, 'pattern'))}: {format_path((*at, 'pattern'))}: "
                    f"not a valid regular expression: {exc}."
                )
        name = raw.get("name", raw["type"])
        return EvaluatorConfig("builtin", raw["type"], name, options, None, pass_mark, where)
    key = format_path(at)
    if "python" in raw:
        kwargs = raw.get("kwargs", {})
        return EvaluatorConfig(
            "python", raw["python"], raw.get("name"), kwargs, scale_value, pass_mark, where, key=key
        )
    script = str(root / raw["script"])
    return EvaluatorConfig("script", script, None, {}, scale_value, pass_mark, where, key=key)


def _gate(
    raw: dict[str, Any],
    defaults: dict[str, Any],
    doc: SourceDoc,
    at: KeyPath,
    evaluators: Sequence[EvaluatorConfig],
    problems: list[str],
) -> GateConfig:
    reserved = {
        "max_error_rate",
        "max_flaky_rate",
        "flaky",
        "significance",
        "judge_changed",
        "min_overlap",
        *metricgate.METRICS,
    }
    significance = _significance(
        raw.get("significance", defaults.get("significance")), DEFAULT_SIGNIFICANCE
    )
    known = [e.name for e in evaluators if e.name]
    dynamic = any(
        e.kind in ("script", "langfuse_judges") or (e.kind == "python" and not e.name)
        for e in evaluators
    )
    problems.extend(gateunits.check(raw, evaluators, doc, at))
    scores = {}
    for name, t in raw.items():
        if name in reserved:
            continue
        if name not in known and not dynamic:
            problems.append(
                f"{doc.where((*at, name), key=True)}: {format_path((*at, name))}: no evaluator "
                f"produces a score named {quoted(name)}{suggest(name, known)}; the scores "
                f"are: {', '.join(clip(k) for k in known)}."
            )
        scores[name] = Thresholds(
            min=t.get("min"),
            min_pass_rate=t.get("min_pass_rate"),
            max_drop=t.get("max_drop"),
            max_regressed_items=t.get("max_regressed_items"),
            pass_mark=t.get("pass_mark"),
            min_judge_agreement=t.get("min_judge_agreement"),
            significance=_significance(t.get("significance"), significance),
            test=t.get("test", "mean"),
            where=doc.where((*at, name), key=True),
            key=format_path((*at, name)),
        )
    return GateConfig(
        scores=scores,
        metrics=metricgate.thresholds(raw, significance, doc, at),
        max_error_rate=float(raw.get("max_error_rate", defaults.get("max_error_rate", 0.0))),
        max_flaky_rate=raw.get("max_flaky_rate"),
        count_flaky_as_regressed=raw.get("flaky", defaults.get("flaky", "exclude")) == "include",
        significance=significance,
        judge_changed_fails=raw.get("judge_changed", "warn") == "fail",
        min_overlap=float(raw.get("min_overlap", defaults.get("min_overlap", DEFAULT_MIN_OVERLAP))),
    )
