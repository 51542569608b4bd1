"""Intervals over training seeds, and the verdict a claim's threshold gives them.

A claim that compares models or settings is decided over several training seeds: the mean of
the figure (or of the per-seed difference, when both sides share a seed) with its 95 % Student-t
interval. The verdict is "holds" or "does not hold" only when the interval lies wholly on one
side of the claim's threshold; otherwise it is "depends", with the interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

HOLDS, FAILS, DEPENDS = "holds", "does not hold", "depends"
# Two-sided 95 % quantiles of Student's t by degrees of freedom (beyond 30, the normal's 1.96).
_T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262,
         10: 2.228, 12: 2.179, 15: 2.131, 20: 2.086, 25: 2.060, 30: 2.042}


def t975(df: int) -> float:
    """The 97.5 % quantile of Student's t with ``df`` degrees of freedom (conservative between table rows)."""
    if df < 1:
        raise ValueError(f"An interval needs at least 2 values (1 degree of freedom), got df={df}.")
    if df > 30:
        return 1.96
    return _T975[min(k for k in _T975 if k >= df)]


@dataclass(frozen=True)
class Interval:
    """A mean over seeds and its 95 % interval. ``low``/``high`` are NaN with fewer than 2 values."""

    mean: float
    low: float
    high: float
    n: int
    sd: float

    def text(self, fmt: str = ".2f", unit: str = "", signed: bool = False) -> str:
        """``"0.07 ± 0.10 nats (n = 5)"``: the mean, the interval's half-width and the count."""
        sign = "+" if signed else ""
        mean = f"{self.mean:{sign}{fmt}}".replace("-", "−")
        unit = f" {unit}" if unit and unit != "°" else unit
        if self.n < 2 or math.isnan(self.low):
            return f"{mean}{unit} (n = {self.n})"
        return f"{mean} ± {(self.high - self.low) / 2:{fmt}}{unit} (n = {self.n})"

    def percent(self, signed: bool = False, fmt: str = ".0f") -> str:
        """The interval of a share, in percent: ``"12 ± 4 % (n = 5)"``."""
        scaled = Interval(100 * self.mean, 100 * self.low, 100 * self.high, self.n, 100 * self.sd)
        return scaled.text(fmt, "%", signed)


def interval(values) -> Interval:
    """The mean of ``values`` (one per seed) and its 95 % Student-t interval."""
    values = [float(v) for v in values]
    n = len(values)
    if n == 0:
        raise ValueError("An interval needs at least one value.")
    mean = sum(values) / n
    if n < 2:
        return Interval(mean, math.nan, math.nan, n, math.nan)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = t975(n - 1) * sd / math.sqrt(n)
    return Interval(mean, mean - half, mean + half, n, sd)


def paired(a, b) -> Interval:
    """The interval of the per-seed difference ``a - b`` (both lists in the same seed order)."""
    a, b = list(a), list(b)
    if len(a) != len(b):
        raise ValueError(f"A paired comparison needs one value per seed on each side, got {len(a)} and {len(b)}.")
    return interval(x - y for x, y in zip(a, b, strict=True))


def unpaired(a, b) -> Interval:
    """Welch's interval of ``mean(a) - mean(b)`` for two independent sets of seeds."""
    a, b = interval(a), interval(b)
    n = min(a.n, b.n)
    if n < 2:
        return Interval(a.mean - b.mean, math.nan, math.nan, n, math.nan)
    va, vb = a.sd ** 2 / a.n, b.sd ** 2 / b.n
    se = math.sqrt(va + vb)
    # Welch-Satterthwaite degrees of freedom (both variances 0: the difference is exact).
    df = (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1)) if va + vb > 0 else a.n + b.n - 2
    half = t975(max(1, math.floor(df))) * se
    diff = a.mean - b.mean
    return Interval(diff, diff - half, diff + half, n, se * math.sqrt(n))


def decide(iv: Interval, threshold: float, above: bool = True) -> str:
    """HOLDS when the whole interval is on the claimed side of ``threshold`` (above it, or below
    it with ``above=False``), FAILS when it is wholly on the other side (or on the threshold),
    DEPENDS when it straddles it or cannot be computed."""
    if math.isnan(iv.low) or math.isnan(iv.high):
        return DEPENDS
    low, high = (iv.low, iv.high) if above else (-iv.high, -iv.low)
    bar = threshold if above else -threshold
    if low > bar:
        return HOLDS
    if high <= bar:
        return FAILS
    return DEPENDS


def all_hold(*verdicts: str) -> str:
    """A claim made of parts that must all be true: FAILS if any part fails, HOLDS if all hold."""
    if FAILS in verdicts:
        return FAILS
    return HOLDS if all(v == HOLDS for v in verdicts) else DEPENDS


def agree(*verdicts: str) -> str:
    """A claim read in several ways: a verdict only where every reading gives it, else DEPENDS."""
    return verdicts[0] if len(set(verdicts)) == 1 else DEPENDS
