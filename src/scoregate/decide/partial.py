"""An interrupted run (``metadata.partial``) cannot pass, as candidate or as baseline, unless
the user says so (``--allow-partial``): its missing items would otherwise go unseen."""

from __future__ import annotations

from scoregate.values.model import Check, Comparison, RunRecord, Status


def is_partial(record: RunRecord) -> bool:
    return record.metadata.get("partial") is True


def _finished(record: RunRecord) -> str:
    total = record.dataset.get("items")
    done = len(record.items)
    return (
        f"{done} of {total} items finished" if isinstance(total, int) else f"{done} items finished"
    )


def partial_checks(comparison: Comparison, *, allow: bool) -> list[Check]:
    """A failing check per interrupted run (a warning with ``allow``)."""
    checks = []
    runs = (("candidate", comparison.candidate), ("baseline", comparison.baseline))
    for role, record in runs:
        if record is None or not is_partial(record):
            continue
        head = f"the {role} run {record.run_id} was interrupted ({_finished(record)})"
        status: Status = "warn" if allow else "fail"
        if allow:
            why = f"{head}; gated anyway on what finished (--allow-partial)"
        elif role == "candidate":
            why = (
                f"{head}: an interrupted run cannot pass; rerun it, or pass --allow-partial to "
                "gate what finished"
            )
        else:
            why = (
                f"{head}: an interrupted baseline cannot pass; promote a complete run, or pass "
                "--allow-partial to compare with what finished"
            )
        checks.append(Check(comparison.experiment, None, "complete", status, None, None, why))
    return checks
