"""experiments.yaml → frozen, validated configuration values.

Validation is a JSON Schema shipped in the package; every problem is reported at once, each
as ``file:line:col: key.path: what is wrong``. Core code never sees the raw mapping.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from scoregate import baselinepaths, paths, schemacheck, templates, yamlsource
from scoregate.costs import Price
from scoregate.errors import ConfigError
from scoregate.langfuse.prompts import PromptRef, ref_from_yaml
from scoregate.langfuse.settings import (
    ExperimentOptions,
    LangfuseDatasetConfig,
    LiveDatasetConfig,
    dataset_config,
    experiment_options,
)
from scoregate.yamlsource import KeyPath, SourceDoc, format_path

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
CHAT_KEYS = ("model", "prompt", "messages", "scale")


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


@dataclass(frozen=True, slots=True)
class Thresholds:
    min: float | None = None
    min_pass_rate: float | None = None
    max_drop: float | None = None
    max_regressed_items: int | None = None
    pass_mark: float | None = None
    significance: float | None = DEFAULT_SIGNIFICANCE
    """None when significance is off: max_drop is then the plain check."""
    where: str = ""
    key: str = ""
    """The key path (``experiments[0].gate.correct``), for messages."""


@dataclass(frozen=True, slots=True)
class GateConfig:
    scores: Mapping[str, Thresholds] = field(default_factory=dict)
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
            f"{self.path}: no experiment named '{n}'{_suggest(n, known)}; "
            f"the experiments are: {', '.join(known)}."
            for n in names
            if n not in known
        ]
        if problems:
            raise ConfigError(problems)
        return tuple(known[n] for n in dict.fromkeys(names))

    def experiment(self, name: str) -> ExperimentConfig | None:
        return next((e for e in self.experiments if e.name == name), None)


@cache
def schema() -> dict[str, Any]:
    text = (Path(__file__).parent / "schema" / "experiments.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def load(path: Path, env: Mapping[str, str] | None = None) -> Config:
    """Read, interpolate, validate and freeze a config file. Raises ConfigError."""
    doc = yamlsource.load(path, env)
    validate_document(doc)
    return _build(doc, path)


def validate_document(doc: SourceDoc) -> None:
    if schemacheck.is_valid(doc.data, schema()):
        return
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema())
    problems = []
    for error in validator.iter_errors(doc.data):
        problems.extend(_describe(error, doc))
    if problems:
        raise ConfigError(sorted(dict.fromkeys(problems), key=_line_order))


def _line_order(message: str) -> tuple[int, int]:
    parts = message.split(":")
    try:
        return int(parts[1]), int(parts[2])
    except (IndexError, ValueError):
        return 0, 0


def _suggest(word: str, choices: Sequence[str] | Mapping[str, Any]) -> str:
    close = _closest(word, choices)
    return f" (did you mean '{close}'?)" if close else ""


def _closest(word: str, choices: Sequence[str] | Mapping[str, Any]) -> str | None:
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def _describe(error: Any, doc: SourceDoc) -> list[str]:
    """One message per concrete problem, at the position of the offending key or value."""
    path: KeyPath = tuple(error.absolute_path)
    validator = error.validator
    if validator in ("oneOf", "anyOf", "allOf") and error.context:
        required_keys = [
            s["required"][0]
            for s in error.validator_value
            if isinstance(s, dict) and "required" in s
        ]
        if (
            required_keys
            and isinstance(error.instance, dict)
            and not any(k in error.instance for k in required_keys)
        ):
            found = ", ".join(f"'{k}'" for k in error.instance) or "nothing"
            hint = "".join(_suggest(k, required_keys) for k in error.instance)[:200]
            return [
                f"{doc.where(path)}: {format_path(path)}: needs one of the keys "
                f"{', '.join(repr(k) for k in required_keys)}; found {found}{hint}."
            ]
        from jsonschema.exceptions import best_match

        return _describe(best_match(error.context), doc)
    if validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = list(error.schema.get("properties", {}))
        extra = [k for k in error.instance if k not in allowed]
        return [
            f"{doc.where((*path, k), key=True)}: {format_path((*path, k))}: unknown key '{k}'"
            f"{_suggest(k, allowed)}; allowed here: {', '.join(allowed)}."
            for k in extra
        ]
    if validator == "propertyNames":
        return [f"{doc.where(path)}: {format_path(path)}: {error.message}."]
    if validator == "required" and isinstance(error.instance, dict):
        return [_missing_key(key, path, doc) for key in _missing(error)]
    if validator == "enum" and len(path) >= 3 and path[-3::2] == ("evaluators", "type"):
        return [f"{doc.where(path, key=True)}: {format_path(path)}: {_unknown_type(error)}"]
    # At the key that holds the bad value (`min:` in `min: 1.4`), as the issue shows it.
    where = doc.where(path, key=True)
    return [f"{where}: {format_path(path)}: {_message(error)}"]


REQUIRED_HINTS = {
    "version": "add `version: 1` as the first line",
    "experiments": "add `experiments:`, a list of experiments, each with a name, a dataset, "
    "a task and evaluators",
    "name": "give the experiment a `name:` (letters, digits, '_', '.', '-')",
    "dataset": "add `dataset:` with the path of a JSONL, JSON, YAML or CSV file of items",
    "task": "add `task: module:function` (or `script:` with a Langfuse experiment(context) script)",
    "evaluators": "add `evaluators:`, a list such as `[{type: exact}]`",
    "model": "add `model:` naming the model, e.g. `model: gpt-4o-mini`",
    "pattern": "add `pattern:` with the regular expression to look for",
    "schema": "add `schema:` with a JSON Schema, inline or the path of a JSON/YAML file",
}
"""How to add a missing required key, by key (the keys the schema requires)."""


def _missing_key(key: str, path: KeyPath, doc: SourceDoc) -> str:
    """``missing required key 'x': how to add it``, at the mapping that lacks it."""
    hint = REQUIRED_HINTS.get(key)
    text = f"missing required key '{key}'" + (f": {hint}" if hint else "")
    if not path:
        # The fix is "first line", so that is where it points (after any leading comments).
        where = f"{doc.file}:1:1" if key == "version" else doc.where(path)
        return f"{where}: {text}"
    return f"{doc.where(path, key=True)}: {format_path(path)}: {text}"


def _unknown_type(error: Any) -> str:
    types = [str(t) for t in error.validator_value]
    given = error.instance
    if not isinstance(given, str):
        return f"the evaluator type must be one of: {', '.join(types)}."
    close = _closest(given, types)
    guess = f"; did you mean '{close}'?" if close else "."
    return (
        f"unknown evaluator type '{given}'{guess} Types: {', '.join(types)} "
        "(or `python: module:function` for a function of yours)."
    )


def _message(error: Any) -> str:
    v, value, inst = error.validator, error.validator_value, error.instance
    shown = json.dumps(inst) if not isinstance(inst, (dict, list)) else type(inst).__name__
    # Lazy: each message only makes sense for its own validator's value.
    messages: dict[str, Callable[[], str]] = {
        "maximum": lambda: f"{shown} is greater than {value}",
        "minimum": lambda: f"{shown} is less than {value}",
        "exclusiveMinimum": lambda: f"{shown} must be greater than {value}",
        "exclusiveMaximum": lambda: f"{shown} must be less than {value}",
        "const": lambda: f"must be {json.dumps(value)}",
        "enum": lambda: (
            f"{shown} is not one of {', '.join(json.dumps(x) for x in value)}"
            + (_suggest(inst, [str(x) for x in value]) if isinstance(inst, str) else "")
        ),
        "minItems": lambda: f"needs at least {value} entr{'y' if value == 1 else 'ies'}",
        "maxItems": lambda: f"takes at most {value} entries",
        "pattern": lambda: f"{shown} does not have the expected form ({_pattern_hint(value)})",
        "minLength": lambda: "must not be empty",
    }
    if v == "type":
        got = _type_name(type(inst).__name__)
        return f"expected {_type_name(value)}, got {got}" + (
            "" if isinstance(inst, (dict, list)) else f" {shown}"
        )
    return messages[v]() if v in messages else str(error.message)


def _missing(error: Any) -> list[str]:
    return [str(k) for k in error.validator_value if k not in error.instance]


def _pattern_hint(pattern: str) -> str:
    if ":" in pattern:
        return "module:function"
    return "letters, digits, '_', '.', '-'"


def _type_name(name: Any) -> str:
    names = {
        "object": "a mapping",
        "dict": "a mapping",
        "array": "a list",
        "list": "a list",
        "string": "a string",
        "str": "a string",
        "number": "a number",
        "float": "a number",
        "integer": "an integer",
        "int": "an integer",
        "boolean": "true or false",
        "bool": "true or false",
        "NoneType": "nothing",
    }
    if isinstance(name, list):
        return " or ".join(names.get(n, str(n)) for n in name)
    return names.get(name, str(name))


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
                f"'{name}' is already used by experiments[{seen[name]}]; names must be unique."
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
    if isinstance(raw.get("prompt"), Mapping):
        ref = ref_from_yaml(raw["prompt"], doc.where((*at, "prompt")))
        return ChatPromptConfig(str(raw["model"]), templates.Prompt(()), params, where, ref)
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
    return ChatPromptConfig(str(raw["model"]), prompt, params, where)


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
    """An inline JSON Schema, or one read from a JSON/YAML file; checked to be a valid schema."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    schema_value: Any = ref
    if isinstance(ref, str):
        file = root / ref
        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            problems.append(f"{where}: {paths.missing(file, root)}.")
            return None
        except OSError as exc:
            problems.append(f"{where}: cannot read schema file {file}: {exc.strerror or exc}.")
            return None
        import yaml

        try:
            schema_value = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            problems.append(f"{where}: schema file {file} is not valid JSON or YAML: {exc}.")
            return None
    if not isinstance(schema_value, dict):
        problems.append(f"{where}: a JSON Schema must be a mapping.")
        return None
    try:
        Draft202012Validator.check_schema(schema_value)
    except SchemaError as exc:
        problems.append(f"{where}: not a valid JSON Schema: {exc.message}.")
        return None
    return schema_value


def _evaluator(
    raw: dict[str, Any], doc: SourceDoc, at: KeyPath, root: Path, problems: list[str]
) -> EvaluatorConfig:
    where = doc.where(at)
    scale = tuple(raw["scale"]) if "scale" in raw else None
    if scale is not None and not scale[0] < scale[1]:
        problems.append(
            f"{doc.where((*at, 'scale'))}: {format_path((*at, 'scale'))}: the low end {scale[0]} "
            f"must be below the high end {scale[1]}."
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
                f"end {low} must be below the high end {high}."
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
        )
    if "langfuse_judges" in raw:
        spec = raw["langfuse_judges"]
        low, high = spec.get("scale", DEFAULT_JUDGE_SCALE)
        judge_scale = (float(low), float(high))
        keys = ("model", "prompts", "label", "discover", "scale")
        params = {k: v for k, v in spec.items() if k not in keys}
        chat = ChatPromptConfig(str(spec["model"]), templates.Prompt(()), params, where)
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
    }
    significance = _significance(
        raw.get("significance", defaults.get("significance")), DEFAULT_SIGNIFICANCE
    )
    known = [e.name for e in evaluators if e.name]
    dynamic = any(
        e.kind in ("script", "langfuse_judges") or (e.kind == "python" and not e.name)
        for e in evaluators
    )
    scores = {}
    for name, t in raw.items():
        if name in reserved:
            continue
        if name not in known and not dynamic:
            problems.append(
                f"{doc.where((*at, name), key=True)}: {format_path((*at, name))}: no evaluator "
                f"produces a score named '{name}'{_suggest(name, known)}; the scores are: "
                f"{', '.join(known)}."
            )
        scores[name] = Thresholds(
            min=t.get("min"),
            min_pass_rate=t.get("min_pass_rate"),
            max_drop=t.get("max_drop"),
            max_regressed_items=t.get("max_regressed_items"),
            pass_mark=t.get("pass_mark"),
            significance=_significance(t.get("significance"), significance),
            where=doc.where((*at, name), key=True),
            key=format_path((*at, name)),
        )
    return GateConfig(
        scores=scores,
        max_error_rate=float(raw.get("max_error_rate", defaults.get("max_error_rate", 0.0))),
        max_flaky_rate=raw.get("max_flaky_rate"),
        count_flaky_as_regressed=raw.get("flaky", defaults.get("flaky", "exclude")) == "include",
        significance=significance,
        judge_changed_fails=raw.get("judge_changed", "warn") == "fail",
        min_overlap=float(raw.get("min_overlap", defaults.get("min_overlap", DEFAULT_MIN_OVERLAP))),
    )
