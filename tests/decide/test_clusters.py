"""Tests for clustered paired statistics: cluster sums, the cluster bootstrap, the clustered
minimum detectable drop, the cluster label of an item, and the little-power note."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scoregate.decide.clusters import FEW_CLUSTERS, cluster_totals, label_of, power_note
from scoregate.decide.stats import paired_stats
from scoregate.values.model import Clustering, Item

Z_SUM_5_80 = 1.6448536269514722 + 0.8416212335729143


def test_cluster_totals_sum_by_label_and_leave_none_alone() -> None:
    d = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    sums, sizes = cluster_totals(d, ["a", "b", "a", None, None])
    assert sums.tolist() == [4.0, 2.0, 4.0, 5.0]
    assert sizes.tolist() == [2.0, 1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match="label every delta"):
        cluster_totals(d, ["a"])


def test_every_item_its_own_cluster_is_the_unclustered_test() -> None:
    rng = np.random.default_rng(4)
    d = rng.normal(-0.01, 0.2, 120)
    alone = paired_stats(d, clusters=list(range(120)))
    plain = paired_stats(d)
    assert alone is not None and plain is not None
    assert alone.p_worse == plain.p_worse
    assert alone.clusters == 120
    assert alone.unit_sd == pytest.approx(plain.sd_delta)
    assert alone.mde == pytest.approx(plain.mde)
    assert plain.clusters is None and plain.units == 120


def test_clusters_are_the_units_of_the_test() -> None:
    # Two clusters of ten items each, every item of both 0.1 worse: 20 items give a tiny
    # p-value, but 2 clusters can give no better than 0.5 / 4.
    d = [-0.1] * 20
    labels = ["x"] * 10 + ["y"] * 10
    clustered = paired_stats(d, clusters=labels)
    assert clustered is not None
    assert clustered.p_worse == 0.5 / 4
    assert clustered.method == "sign-flip exact, mid-p, over 2 cluster sums"
    assert clustered.units == 2
    unclustered = paired_stats(d)
    assert unclustered is not None and unclustered.p_worse < 1e-5


def test_clustered_mde_and_interval_see_the_shared_shift() -> None:
    # 20 topics of 10 items; each topic's items share a shift: the clustered spread is about
    # sqrt(10) times larger per unit and the interval is wider.
    rng = np.random.default_rng(7)
    topics = np.repeat(np.arange(20), 10)
    d = rng.normal(0.0, 0.05, 200) + rng.normal(0.0, 0.05, 20)[topics]
    clustered = paired_stats(d, clusters=topics.tolist())
    plain = paired_stats(d)
    assert clustered is not None and plain is not None
    assert clustered.mean_delta == plain.mean_delta
    assert clustered.ci_high - clustered.ci_low > 1.5 * (plain.ci_high - plain.ci_low)
    assert clustered.ci_low <= clustered.mean_delta <= clustered.ci_high
    sums = np.bincount(topics, weights=d)
    deviations = sums - d.mean() * 10
    unit_sd = math.sqrt(float((deviations**2).sum()) / 19) / 10
    assert clustered.unit_sd == pytest.approx(unit_sd)
    assert clustered.mde == pytest.approx(Z_SUM_5_80 * unit_sd / math.sqrt(20))
    assert clustered.mde is not None and plain.mde is not None
    assert clustered.mde > 1.5 * plain.mde
    assert paired_stats(d, clusters=topics.tolist()) == clustered  # seeded: the same


def test_one_cluster_gives_no_mde_and_a_point_interval() -> None:
    result = paired_stats([-0.1, -0.2, -0.3], clusters=["a", "a", "a"])
    assert result is not None
    assert (result.clusters, result.mde, result.unit_sd) == (1, None, None)
    assert (result.ci_low, result.ci_high) == (result.mean_delta, result.mean_delta)
    assert result.p_worse == 0.25


def test_label_of_looks_in_metadata_then_the_item() -> None:
    item = Item(
        "q1",
        {"doc": "manual.pdf"},
        "yes",
        {"topic": "billing", "source": {"doc": "a"}, "flag": True, "n": 3, "empty": ""},
    )
    assert label_of(item, "topic") == "billing"
    assert label_of(item, "metadata.topic") == "billing"
    assert label_of(item, "source.doc") == "a"
    assert label_of(item, "input.doc") == "manual.pdf"
    assert label_of(item, "expected_output") == "yes"
    assert label_of(item, "n") == 3
    assert label_of(item, "flag") == "true"  # not the topic 1
    assert label_of(item, "source") == '{"doc": "a"}'
    assert label_of(item, "missing") is None
    assert label_of(item, "empty") is None
    assert label_of(item, "metadata.input") is None  # metadata only


def test_clustering_text() -> None:
    assert Clustering("topic", 20).text == "clustered by topic (20 clusters)"
    assert Clustering("doc", 5, 1).text == (
        "clustered by doc (5 clusters; 1 item without doc, its own cluster)"
    )
    assert Clustering("doc", 5, 3).text == (
        "clustered by doc (5 clusters; 3 items without doc, each its own cluster)"
    )


def test_power_note_under_ten_clusters() -> None:
    assert power_note(FEW_CLUSTERS, "topic") is None
    note = power_note(4, "topic")
    assert note is not None
    assert note == (
        "Little power: only 4 clusters of topic, and the clusters are the test's units (at best "
        "p = 0.031; a drop must show in most clusters to be significant); add clusters (more "
        "topic values), not items"
    )
