"""The runs a command names: run record files, Langfuse references, or run ids looked up in
the output folder."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path


def load_config(config_path: Path) -> Any:
    from scoregate.config import experiments as config

    return config.load(config_path, os.environ)


def run_files(
    runs: tuple[str, ...], config_path: Path, output_dir: Path | None, config: Any = None
) -> list[str]:
    """The runs as given, each run id replaced by its run record file in the output folder
    (``--output-dir``, else the config's; the config is read only when an id needs it)."""
    from scoregate.pipeline.registry import is_reference
    from scoregate.record import store

    files: list[str] = []
    for text in runs:
        if is_reference(text) or store.looks_like_file(text):
            files.append(text)
            continue
        if output_dir is None:
            if config is None and config_path.exists():
                config = load_config(config_path)
            if config is not None:
                output_dir = config.output_dir
            else:
                from scoregate.config.model import DEFAULT_OUTPUT_DIR

                output_dir = config_path.absolute().parent / DEFAULT_OUTPUT_DIR
        files.append(str(store.find_run(text, output_dir)))
    return files
