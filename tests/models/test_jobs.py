"""Background training jobs: shared, bounded, stoppable, abandoned when nobody watches."""

import threading
import time

import numpy as np

from latent_lab.images.dataset import digits
from latent_lab.models import jobs
from latent_lab.models.catalog import model_config


def data():
    split = digits()[0]
    return split.X_train, split.X_test


def wait(job, timeout=60.0):
    """Wait for ``job`` to end, watching it as a page would (a bounded poll, not a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while job.active:
        assert time.monotonic() < deadline, f"job still {job.status}"
        job.seen()
        time.sleep(0.02)
    return job


def test_a_job_trains_the_config_and_hands_it_over():
    done = []
    trainer = jobs.Trainer(data, on_done=lambda config, model, token: done.append((config, model, token)))
    config = model_config("ae", epochs=5, random_state=101)
    job = wait(trainer.submit(config))
    assert job.status == jobs.DONE and job.model.get_params()["epochs"] == 5
    assert done == [(config, job.model, "digits")]
    progress = job.progress()
    assert progress.epoch == 5 and progress.history["epoch"] == [1, 2, 3, 4, 5]
    assert progress.codes.shape == (len(digits()[0].X_test), 2)


def test_sessions_asking_for_one_config_share_one_job():
    trainer = jobs.Trainer(data)
    config = model_config("vae", epochs=30, random_state=102)
    first, second = trainer.submit(config), trainer.submit(dict(config))
    assert first is second
    wait(first)
    third = trainer.submit(config)  # ended jobs are not reused: the cache holds their model
    assert third is not first
    wait(third)


def test_stop_keeps_the_epochs_trained_and_their_config():
    done = []
    trainer = jobs.Trainer(data, on_done=lambda config, model, token: done.append(config))
    job = trainer.submit(model_config("vae", "blog", epochs=50, random_state=103))
    while job.progress().epoch < 2:
        job.seen()
        time.sleep(0.01)
    job.stop()
    wait(job)
    assert job.status == jobs.STOPPED and "Stopped after epoch" in job.message
    trained = len(job.model.history_["epoch"])
    assert 2 <= trained < 50 and job.model.epochs == trained
    assert done == [{"kind": "vae", **job.model.get_params()}]  # cached under what it is


def test_a_job_nobody_watches_stops_and_caches_nothing():
    done = []
    trainer = jobs.Trainer(data, on_done=lambda *args: done.append(args), heartbeat_timeout=0.3)
    job = trainer.submit(model_config("ae", "blog", epochs=200, random_state=104))
    deadline = time.monotonic() + 60
    while job.active:  # nobody calls job.seen()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert job.status == jobs.ABANDONED and done == []
    assert trainer.active_jobs() == []  # nothing left locked: the next request starts afresh


def test_at_most_max_running_jobs_train_at_once():
    trainer = jobs.Trainer(data, max_running=1)
    a = trainer.submit(model_config("ae", "blog", epochs=20, random_state=105))
    b = trainer.submit(model_config("ae", epochs=3, random_state=106))
    while a.status != jobs.RUNNING:
        a.seen(), b.seen()
        time.sleep(0.01)
    b.seen()
    time.sleep(0.3)
    assert b.status == jobs.QUEUED  # waits for the running one
    a.stop()
    wait(a), wait(b)
    assert b.status == jobs.DONE


def test_continuing_a_job_gives_one_longer_runs_weights():
    trainer = jobs.Trainer(data)
    short = wait(trainer.submit(model_config("vae", epochs=20, random_state=107))).model
    longer = wait(trainer.submit(model_config("vae", epochs=30, random_state=107), base=short,
                                 extra_epochs=10)).model
    straight = wait(trainer.submit(model_config("vae", epochs=30, random_state=107))).model
    np.testing.assert_array_equal(longer.flat_params_, straight.flat_params_)
    assert len(short.history_["epoch"]) == 20  # the base is untouched


def test_a_diverging_job_says_so_and_keeps_nothing():
    done = []
    trainer = jobs.Trainer(data, on_done=lambda *args: done.append(args))
    # SGD with a learning rate far too large: the objective explodes within a few epochs.
    job = wait(trainer.submit(model_config("vae", epochs=20, optimizer="sgd", learning_rate=5.0,
                                           random_state=109)))
    assert job.status == jobs.DIVERGED and "diverged" in job.message and done == []


def test_a_broken_job_fails_visibly_instead_of_running_forever():
    trainer = jobs.Trainer(lambda: (_ for _ in ()).throw(RuntimeError("no data")))
    job = wait(trainer.submit(model_config("ae", epochs=2, random_state=110)))
    assert job.status == jobs.FAILED and "no data" in job.message
    assert threading.active_count() < 50


def test_the_same_config_on_other_images_is_another_job():
    trainer = jobs.Trainer(data)
    config = model_config("ae", epochs=3, random_state=111)
    rng = np.random.default_rng(0)
    other = (rng.uniform(size=(100, 64)), rng.uniform(size=(20, 64)))
    a = trainer.submit(config)
    b = trainer.submit(config, token="upload-x", data=other)
    assert a is not b
    wait(a), wait(b)
    assert not np.array_equal(a.model.flat_params_, b.model.flat_params_)
    assert b.progress().codes.shape == (20, 2)
