"""The warnings a run record carries: an interrupt, a max_cost stop (or a blocked event loop),
models whose calls have no price, and what the model calls' replies said (another model than
the one asked for, a refused response_format, replies cut at max_tokens); and the models the
record names (``metadata.models``: each model asked for, the models that answered, priced or
not)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scoregate.execute.engine import Collector
    from scoregate.execute.prepared import Prepared
    from scoregate.execute.provider import Provider


def run_warnings(
    prepared: Prepared, collector: Collector, provider: Provider | None, *, interrupted: bool
) -> tuple[str, ...]:
    """What the record of ``collector``'s samples warns of (``interrupted``: by Ctrl-C or
    SIGTERM, the record then keeping only the items that finished)."""
    if not interrupted:
        return model_warnings(prepared, collector, provider)
    done = len(collector.results(complete_only=True))
    stopped = f"interrupted: {done} of {len(collector.items)} items finished"
    return (stopped, *model_warnings(prepared, collector, provider))


def model_warnings(
    prepared: Prepared, collector: Collector, provider: Provider | None
) -> tuple[str, ...]:
    """A max_cost stop, models without a price, and the notes of the experiment's calls."""
    found = [collector.stop_reason] if collector.stop_reason else []
    if provider is not None:
        models = experiment_models(prepared)
        found += [
            f"no price for model {m}: the cost of its calls is unknown; add it under "
            "defaults.prices"
            for m in sorted(models & provider.unpriced)
        ]
        found += [note for m in sorted(models) for note in provider.notes.get(m, {})]
    return tuple(found)


def experiment_models(prepared: Prepared) -> set[str]:
    experiment = prepared.experiment
    models = {e.target for e in experiment.evaluators if e.kind in ("judge", "langfuse_judges")}
    if experiment.task.openai is not None:
        models.add(experiment.task.openai.model)
    return models


def models_metadata(prepared: Prepared, provider: Provider | None) -> dict[str, Any]:
    """``{"models": {asked: {"replied": [...], "priced": bool}}}`` for the models called."""
    if provider is None:
        return {}
    called = sorted(experiment_models(prepared) & set(provider.replied))
    if not called:
        return {}
    return {
        "models": {
            m: {"replied": sorted(provider.replied[m]), "priced": m not in provider.unpriced}
            for m in called
        }
    }
