"""What the server keeps: bounded by entries and bytes, keyed by content, gone with its upload."""

import gc
import threading
import time

import numpy as np
import pytest

from latent_lab.drawing import latent_explorer
from latent_lab.images.dataset import digits, from_images
from latent_lab.images.uploads import ImageSet
from latent_lab.models import cache, catalog, jobs


def test_a_bounded_cache_keeps_the_most_recent_entries_within_both_bounds():
    kept = cache.BoundedCache("test", max_entries=3, max_bytes=10_000)
    for i in range(5):
        kept.put(i, np.zeros(100))  # 800 bytes of data each
    assert len(kept) == 3 and kept.get(0) is None and kept.get(4) is not None  # by entries
    kept.get(2)  # used: the least recently used is now 3
    kept.put("big", np.zeros(1000))  # 8 kB: over the bytes, so the least recently used (3) goes
    assert kept.get(3) is None and all(kept.get(key) is not None for key in (2, 4, "big"))
    assert kept.nbytes <= 10_000
    huge = np.zeros(5000)
    assert kept.put("huge", huge) is huge and "huge" not in kept  # larger than the cache: not kept


def test_sizeof_counts_buffers_once_and_walks_objects():
    base = np.zeros(1000)  # 8 kB
    assert 8000 <= cache.sizeof([base, base[:10], base.reshape(10, 100)]) < 9000
    model = cache.cached_model(catalog.shipped_configs()["vae_default"])
    assert cache.sizeof(model) >= model.flat_params_.nbytes + model.latent_snapshots_.nbytes


def _upload(seed, n=60):
    rng = np.random.default_rng(seed)
    return from_images(ImageSet(rng.uniform(size=(n, 16)), rng.integers(0, 3, n), 4, f"test {seed}"))


def test_what_was_made_from_an_upload_goes_when_no_session_holds_it():
    kept = cache.BoundedCache("test", max_entries=8, max_bytes=10**6)
    dataset, other = _upload(1), _upload(2)
    cache.track(dataset)
    cache.track(other)
    kept.put("a", 1, dataset=dataset.token)
    kept.put("b", 2, dataset=other.token)
    kept.put("digits", 3, dataset="digits")
    token = dataset.token
    assert cache.forget_gone() == []  # both are held
    del dataset
    gc.collect()
    # The session reaper (started by any page run in this process) may forget it first: either way,
    # once forget_gone returns the upload is forgotten.
    assert cache.forget_gone() in ([token], [])
    assert token not in cache._LIVE and other.token in cache._LIVE
    assert "a" not in kept and "b" in kept and "digits" in kept


def test_a_cached_function_is_keyed_by_its_plain_arguments_and_tied_to_its_dataset():
    calls = []

    @cache.bounded(max_entries=4, max_mb=1)
    def measure(token, _model, _dataset=None):
        calls.append(token)
        return {"token": token}

    dataset = _upload(3)
    assert measure("m1", object(), dataset) is measure("m1", object(), dataset)  # the model: not a key
    measure("m2", object())
    assert calls == ["m1", "m2"]
    del dataset
    gc.collect()
    cache.forget_gone()
    measure("m1", object())
    measure("m2", object())
    assert calls == ["m1", "m2", "m1"]  # only what was made from the upload went with it


def test_the_explorer_sends_training_images_once_per_content():
    split = digits()[0]
    X, y = split.X_train[:50], split.y_train[:50]
    first = latent_explorer._train_payload(X, y, (1.5, 0.75))
    assert latent_explorer._train_payload(X.copy(), y.copy(), (1.5, 0.75)) is first  # same content: a hit
    assert latent_explorer._train_payload(X[::-1], y, (1.5, 0.75)) is not first
    payloads = latent_explorer._TRAIN_PAYLOADS
    assert len(payloads) <= payloads.max_entries and payloads.nbytes <= payloads.max_bytes
    rng = np.random.default_rng(0)
    for _ in range(payloads.max_entries + 2):  # new uploads push the oldest out
        latent_explorer._train_payload(rng.uniform(size=(20, 64)), np.zeros(20), (1.0, 0.5))
    assert len(payloads) == payloads.max_entries


def test_a_model_that_must_be_trained_is_trained_by_the_trainer_once(monkeypatch):
    config = catalog.model_config("ae", epochs=3, random_state=424242)
    assert cache.cached_model(config) is None and not cache.is_cached(config)  # never trains
    built, threads = [], []
    real_build = jobs.build_model

    def counting_build(cfg):
        built.append(threading.current_thread().name)
        time.sleep(0.3)  # both askers are surely waiting while the trainer builds this one
        return real_build(cfg)

    real_store = cache.store

    def recording_store(cfg, model, token="digits"):
        threads.append(threading.current_thread().name)
        real_store(cfg, model, token)

    monkeypatch.setattr(jobs, "build_model", counting_build)
    monkeypatch.setattr(cache.trainer(), "on_done", recording_store)
    results = [None, None]

    def ask(i):
        results[i] = cache.get_model(config)

    askers = [threading.Thread(target=ask, args=(i,)) for i in range(2)]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join()
    assert results[0] is results[1] is not None
    assert len(built) == 1 and built[0].startswith("train-")  # one job, in the trainer's thread
    assert threads and all(name.startswith("train-") for name in threads)
    assert cache.cached_model(config) is results[0] and cache.is_cached(config)
    assert cache.get_model(config) is results[0]  # and later asks are served by the cache


def test_a_diverging_model_is_refused_with_its_reason_and_not_trained_again():
    config = catalog.model_config("vae", epochs=20, optimizer="sgd", learning_rate=5.0, random_state=424243)
    with pytest.raises(Exception, match="diverged") as first:
        cache.get_model(config)
    assert cache.trainer().remembered(config).status == jobs.DIVERGED
    watch = cache.train_in_background(config)
    assert not watch.active and watch.status == jobs.DIVERGED  # at once: nothing is trained
    assert str(first.value) == watch.message
