"""The warnings a run record carries: an interrupt, a max_cost stop (or a blocked event loop),
and models whose calls were counted at $0 for want of a price."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
    """A max_cost stop, and models whose calls were counted at $0 for want of a price."""
    found = [collector.stop_reason] if collector.stop_reason else []
    if provider is not None:
        experiment = prepared.experiment
        models = {e.target for e in experiment.evaluators if e.kind == "judge"}
        if experiment.task.openai is not None:
            models.add(experiment.task.openai.model)
        found += [
            f"no price for model {m}: its calls are counted as $0; add it under defaults.prices"
            for m in sorted(models & provider.unpriced)
        ]
    return tuple(found)
