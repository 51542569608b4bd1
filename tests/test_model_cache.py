"""The shared caches key what they build by its contents, so a cached figure is never stale."""

from __future__ import annotations

import numpy as np

from latent_lab import model_cache


def test_content_key_tells_apart_values_shapes_and_types():
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    assert model_cache.content_key(a) == model_cache.content_key(a.copy())
    changed = a.copy()
    changed[2, 3] += 1e-6
    assert model_cache.content_key(changed) != model_cache.content_key(a)
    assert model_cache.content_key(a.reshape(4, 3)) != model_cache.content_key(a)  # same bytes
    assert model_cache.content_key(a.view(np.int32)) != model_cache.content_key(a)  # same bytes
    assert model_cache.content_key(a, a[:1]) != model_cache.content_key(a[:1], a)


def test_the_animation_is_built_once_per_content_and_follows_the_model():
    rng = np.random.default_rng(0)
    snapshots = rng.normal(size=(4, 30, 2))
    labels = rng.integers(0, 10, 30)
    first = model_cache.animation_figure(snapshots, [1, 2, 3, 4], labels, "z₂")
    assert model_cache.animation_figure(snapshots.copy(), (1, 2, 3, 4), labels.copy(), "z₂") is first
    other = snapshots.copy()
    other[3, 0] = [5.0, 5.0]
    moved = model_cache.animation_figure(other, [1, 2, 3, 4], labels, "z₂")
    assert moved is not first
    assert list(moved.frames[3].data[0].x[:1]) == [5.0]
    assert [f.name for f in model_cache.animation_figure(snapshots, [1, 2, 3, 5], labels, "z₂").frames] \
        == ["1", "2", "3", "5"]
