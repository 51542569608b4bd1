"""The shared caches key what they build by its contents, so a cached figure is never stale."""

from __future__ import annotations

import numpy as np

from latent_lab.drawing import figures_once
from latent_lab.models import cache


def test_content_key_tells_apart_values_shapes_and_types():
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    assert cache.content_key(a) == cache.content_key(a.copy())
    changed = a.copy()
    changed[2, 3] += 1e-6
    assert cache.content_key(changed) != cache.content_key(a)
    assert cache.content_key(a.reshape(4, 3)) != cache.content_key(a)  # same bytes
    assert cache.content_key(a.view(np.int32)) != cache.content_key(a)  # same bytes
    assert cache.content_key(a, a[:1]) != cache.content_key(a[:1], a)


def test_the_animation_is_built_once_per_content_and_follows_the_model():
    rng = np.random.default_rng(0)
    snapshots = rng.normal(size=(4, 30, 2))
    labels = rng.integers(0, 10, 30)
    first = figures_once.animation_figure(snapshots, [1, 2, 3, 4], labels, "z₂")
    assert figures_once.animation_figure(snapshots.copy(), (1, 2, 3, 4), labels.copy(), "z₂") is first
    other = snapshots.copy()
    other[3, 0] = [5.0, 5.0]
    moved = figures_once.animation_figure(other, [1, 2, 3, 4], labels, "z₂")
    assert moved is not first
    assert list(moved.frames[3].data[0].x[:1]) == [5.0]
    assert [f.name for f in figures_once.animation_figure(snapshots, [1, 2, 3, 5], labels, "z₂").frames] \
        == ["1", "2", "3", "5"]
