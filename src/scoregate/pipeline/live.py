"""The run sinks told of each sample as it finishes, so a run is recorded while its items run.

``start`` asks every sink of the experiment for its live recording (a shard records nothing
live: ``merge`` records the whole run). The engine calls ``sample`` as each sample finishes;
``stop`` (an interrupted or failed run) delivers what finished and says how much arrived. A run
that ends normally is closed by its sinks' ``finish``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, TextIO

from scoregate.pipeline import registry

if TYPE_CHECKING:
    from scoregate.config.model import ExperimentConfig
    from scoregate.record.sources import LiveRecording
    from scoregate.values.model import Item, RunRecord, Sample


class Live:
    """The live recordings of one run (often none)."""

    def __init__(self, recordings: list[LiveRecording]) -> None:
        self.recordings = recordings

    @property
    def on_sample(self) -> Live | None:
        """What the engine calls as each sample finishes, or None when nothing records live."""
        return self if self.recordings else None

    def __call__(self, item: Item, sample: Sample) -> None:
        for recording in self.recordings:
            recording.sample(item, sample)

    def stop(self, stream: TextIO) -> None:
        """The run stopped early: deliver what finished, say how much arrived."""
        recordings, self.recordings = self.recordings, []
        for recording in recordings:
            stream.write(recording.stop() + "\n")


def start(
    experiment: ExperimentConfig, record: RunRecord, *, env: Mapping[str, str], sharded: bool
) -> Live:
    if sharded:
        return Live([])
    started = (sink.start(experiment, record, env=env) for sink in registry.run_sinks(experiment))
    return Live([recording for recording in started if recording is not None])
