"""store.keep: a finished run's record written at once, its items read back from the file
when used (a run of many experiments holds one experiment's items at a time)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from testing.project import make_record

from scoregate.record import store
from scoregate.values.errors import ConfigError


def test_kept_items_are_read_from_the_file_and_survive_the_final_rewrite(tmp_path: Path) -> None:
    record = make_record(
        {"a": 1.0, "b": [0.0, 1.0], "c": None},
        outputs={"a": "non-ASCII ✓ é \u2028 line", "b": "x" * 100_000},
    )
    path = tmp_path / "runs" / "qa" / "r.json"

    kept = store.keep(path, record)

    assert kept.items is not record.items
    assert list(kept.items) == list(record.items)
    assert kept.items[1] == record.items[1]
    assert kept.table == store.scoretable.of(record)
    store.write_record(path, kept, {"gate": {"note": "a longer header ✓" * 100}})
    assert list(kept.items) == list(record.items)  # the lines moved with the new header
    assert json.loads(path.read_text(encoding="utf-8"))["gate"]["note"].startswith("a longer")
    assert list(store.read_record(path).items) == list(record.items)
    copy = store.write_record(tmp_path / "copy.json", kept)
    assert list(store.read_record(copy).items) == list(record.items)


def test_a_record_changed_on_disk_while_read_is_an_error_not_wrong_items(
    tmp_path: Path,
) -> None:
    path = store.write_record(tmp_path / "r.json", make_record({"a": 1.0, "b": 0.0}))
    record = store.read_record(path)
    store.write_record(path, make_record({"a": 1.0, "b": 0.0}, run_id="another-run"))
    with pytest.raises(ConfigError) as caught:
        record.items[0]
    assert caught.value.problems == (  # another size: the replacement's run id is longer
        f"{store.shown(path)}: the run record changed while scoregate was reading it; run the "
        "command again.",
    )


def test_a_rewrite_scrubs_the_kept_lines_again_and_reads_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A secret that appears after the items were kept (a later task module loads a .env)
    is scrubbed from the rewritten record too; the lines shrink and still read back."""
    secret = "sk-late-secret-0123456789"
    record = make_record(
        {"a": 1.0, "b": 0.0, "c": 1.0},
        outputs={"a": f"echoed {secret} ✓", "b": "plain", "c": f"{secret} twice {secret}"},
    )
    path = tmp_path / "runs" / "qa" / "r.json"
    kept = store.keep(path, record)
    assert secret in path.read_text(encoding="utf-8")  # not a secret when it was written

    monkeypatch.setenv("MY_SERVICE_TOKEN", secret)
    store.write_record(path, kept, {"gate": {"passed": True}})

    assert secret not in path.read_text(encoding="utf-8")
    outputs = [item.samples[0].output for item in kept.items]
    assert outputs == ["echoed *** ✓", "plain", "*** twice ***"]
    assert [i.samples[0].output for i in store.read_record(path).items] == outputs
