"""Intervals over seeds and the verdicts they give: known answers."""

import math

import pytest

from latent_lab.measures.intervals import (
    DEPENDS,
    FAILS,
    HOLDS,
    agree,
    all_hold,
    decide,
    interval,
    paired,
    t975,
    unpaired,
)


def test_student_t_interval_known_answer():
    iv = interval([1, 2, 3, 4, 5])
    assert iv.mean == 3 and iv.n == 5
    assert iv.sd == pytest.approx(math.sqrt(2.5))
    half = 2.776 * math.sqrt(2.5) / math.sqrt(5)  # t(0.975, 4) = 2.776
    assert (iv.low, iv.high) == pytest.approx((3 - half, 3 + half))
    assert iv.text(".1f", "nats") == "3.0 ± 2.0 nats (n = 5)"
    assert interval([0.1, 0.3]).percent() == "20 ± 127 % (n = 2)"
    assert t975(100) == 1.96 and t975(11) == t975(12)  # between rows: the larger quantile
    with pytest.raises(ValueError):
        t975(0)


def test_one_value_gives_no_interval_and_no_verdict():
    iv = interval([2.0])
    assert math.isnan(iv.low) and iv.text() == "2.00 (n = 1)"
    assert decide(iv, 0.0) == DEPENDS


def test_paired_interval_is_the_interval_of_the_differences():
    # The re-measured β = 1 minus β = 0.5 exact likelihoods over seeds 0-4 (the figures).
    a, b = [0.18, -0.05, -0.02, 0.07, 0.19], [0.0] * 5
    iv = paired(a, b)
    assert iv.mean == pytest.approx(0.074) and iv.low < 0 < iv.high
    assert decide(iv, 0.0) == DEPENDS
    with pytest.raises(ValueError, match="one value per seed"):
        paired([1, 2], [1])


def test_welch_interval_of_two_independent_sets():
    a, b = [2.3, 2.2, 2.4, 2.3, 2.25], [1.6, 1.7, 1.65, 1.75, 1.6]
    iv = unpaired(a, b)
    assert iv.mean == pytest.approx(sum(a) / 5 - sum(b) / 5)
    assert 0.5 < iv.low < iv.mean < iv.high < 0.8
    assert decide(iv, 0.1) == HOLDS
    exact = unpaired([1.0, 1.0, 1.0], [0.5, 0.5, 0.5])  # no spread: the difference is exact
    assert (exact.low, exact.high) == (0.5, 0.5)


def test_decide_reads_the_side_of_the_threshold():
    above, below, across = interval([1.0, 1.1, 1.2]), interval([-1.0, -1.1, -1.2]), interval([-1.0, 1.0, 0.5])
    assert (decide(above, 0.0), decide(below, 0.0), decide(across, 0.0)) == (HOLDS, FAILS, DEPENDS)
    assert (decide(below, 0.0, above=False), decide(above, 0.0, above=False)) == (HOLDS, FAILS)
    assert decide(interval([0.0, 0.0, 0.0]), 0.0) == FAILS  # on the threshold is not above it


def test_combining_verdicts():
    assert all_hold(HOLDS, HOLDS) == HOLDS and all_hold(HOLDS, DEPENDS) == DEPENDS
    assert all_hold(DEPENDS, FAILS) == FAILS
    assert agree(HOLDS, HOLDS) == HOLDS and agree(FAILS, FAILS) == FAILS
    assert agree(HOLDS, FAILS) == DEPENDS
