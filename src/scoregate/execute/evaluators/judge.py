"""LLM judges: a model scores each output on a declared scale, normalised to 0-1.

The judge is asked for ``{"score": N, "reasoning": "..."}``; judge_reply.py reads its reply as
far as it is unambiguous (that JSON, loosely written too, fenced, ``score: 7``, ``7/10``, a bare
number). Anything else is a judge error that keeps the raw reply, never a silent 0. The
reasoning becomes the score's comment. The judge asks the server for that JSON
(``response_format``, structured.py: a json_schema, falling back to json_object and plain text
where the server refuses it); a reply cut at ``max_tokens`` is a judge error unless the judge
says ``allow_truncated: true``.

Each judge score carries a fingerprint (model, SHA-256 of the prompt template, scale): a
baseline scored by another judge is not compared as if the app had changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scoregate.config.model import ChatPromptConfig, EvaluatorConfig
from scoregate.config.templates import Message, Prompt, TemplateError
from scoregate.execute import reply_checks, structured
from scoregate.execute.evaluators.evaluator import Evaluator
from scoregate.execute.evaluators.judge_reply import JudgeReplyError, Scale, read_reply
from scoregate.execute.evaluators.results import format_number, normalise
from scoregate.execute.prompt_task import allowed_note
from scoregate.execute.provider import ChatRequest, Provider, ProviderError
from scoregate.values.model import Item, Score, ScoreDef, Usage

DEFAULT_SCALE: Scale = (0.0, 10.0)
INSTRUCTION = (
    "You are an impartial evaluator. Reply with only a JSON object and nothing else: "
    '{{"score": <a number from {low} to {high}, higher is better>, '
    '"reasoning": "<one or two sentences>"}}'
)


@dataclass(frozen=True, slots=True)
class JudgeReply:
    """What one judge call produced: a raw score and reasoning, or an error; and its cost."""

    raw: float | None
    reasoning: str | None
    reply: str
    error: str | None
    usage: Usage | None
    outage: bool = False
    """The error is the model server's outage, not the judge's or the app's fault."""


def parse_reply(reply: str, scale: Scale = DEFAULT_SCALE) -> tuple[float, str | None]:
    """The judge's (raw score, reasoning), read by judge_reply's rules. Raises
    JudgeReplyError for anything else."""
    reading = read_reply(reply, scale)
    return reading.score, reading.reasoning


def judge_prompt(chat: ChatPromptConfig, scale: tuple[float, float]) -> Prompt:
    """The user's prompt after our instruction for the reply format."""
    low, high = (format_number(x) for x in scale)
    instruction = Message("system", INSTRUCTION.format(low=low, high=high))
    return Prompt((instruction, *chat.prompt.messages))


def prompt_digest(prompt: Prompt) -> str:
    """First 16 hex digits of the SHA-256 of our reply instruction and the user's template
    (the scale is recorded on its own)."""
    instruction = Prompt((Message("system", INSTRUCTION), *prompt.messages))
    return instruction.sha256[:16]


@dataclass(frozen=True, slots=True)
class Judge:
    name: str
    chat: ChatPromptConfig
    prompt: Prompt
    scale: tuple[float, float]
    provider: Provider

    @property
    def fingerprint(self) -> dict[str, Any]:
        # JSON-native values: the baseline's fingerprint is read back from JSON.
        return {
            "model": self.chat.model,
            "prompt_sha256": prompt_digest(self.chat.prompt),
            "scale": [self.scale[0], self.scale[1]],
        } | dict(self.chat.source or {})  # a Langfuse prompt's name and version

    async def __call__(self, item: Item, output: Any) -> JudgeReply:
        try:
            messages = self.prompt.render(item, output)
        except TemplateError as exc:
            return JudgeReply(None, None, "", f"cannot fill the judge prompt: {exc}", None)
        request = ChatRequest(self.chat.model, messages, structured.judge_params(self.chat.params))
        try:
            result = await self.provider.complete(request, kind="judge", repeat=0)
        except ProviderError as exc:
            return JudgeReply(None, None, "", f"the judge call failed: {exc}", None, exc.outage)
        if result.truncated:
            if not self.chat.allow_truncated:
                error = str(reply_checks.truncated(self.chat.model, self.chat.params, result.text))
                return JudgeReply(None, None, result.text, error, result.usage)
            self.provider.note(self.chat.model, allowed_note(self.chat.model))
        try:
            raw, reasoning = parse_reply(result.text, self.scale)
        except JudgeReplyError as exc:
            shown = result.text if len(result.text) <= 300 else result.text[:300] + "…"
            error = f"the judge's reply is not a score ({exc}); it replied: {shown!r}"
            return JudgeReply(None, None, result.text, error, result.usage)
        return JudgeReply(raw, reasoning, result.text, None, result.usage)

    def scores(self, verdict: JudgeReply) -> tuple[Score, ...]:
        prefix = f"judge '{self.name}' ({self.chat.model})"
        if verdict.error is not None:
            return (
                Score(
                    self.name,
                    None,
                    raw=verdict.reply or None,
                    scale=self.scale,
                    comment=verdict.reply or None,
                    error=f"{prefix}: {verdict.error}",
                    usage=verdict.usage,
                    error_kind="infra" if verdict.outage else "app",
                ),
            )
        value, error = normalise(verdict.raw, self.scale)
        return (
            Score(
                self.name,
                value,
                raw=verdict.raw,
                scale=self.scale,
                comment=verdict.reasoning if error is None else verdict.reply,
                error=None if error is None else f"{prefix}: the score {error}",
                usage=verdict.usage,
            ),
        )


def build_judge(config: EvaluatorConfig, provider: Provider) -> Evaluator:
    assert config.judge is not None
    scale = config.scale or DEFAULT_SCALE
    name = config.name or "judge"
    judge = Judge(name, config.judge, judge_prompt(config.judge, scale), scale, provider)
    pass_mark = 0.5 if config.pass_mark is None else config.pass_mark
    definition = ScoreDef(name, pass_mark, scale, "judge", judge.fingerprint)
    return Evaluator(name, judge, judge.scores, True, (definition,), remote=True)
