"""Background training jobs: shared, bounded, stoppable, abandoned when nobody watches."""

import threading
import time

import numpy as np

from latent_lab.images.dataset import digits
from latent_lab.models import jobs
from latent_lab.models.catalog import config_of, model_config


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
    assert first.job is second.job and first is not second  # one run, a watch for each session
    wait(first)
    third = trainer.submit(config)  # ended jobs are not reused: the cache holds their model
    assert third.job is not first.job
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
    assert done == [config_of(job.model)] and done[0]["kind"] == "vae"  # cached under what it is


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
    before = threading.active_count()
    trainer = jobs.Trainer(lambda: (_ for _ in ()).throw(RuntimeError("no data")))
    job = wait(trainer.submit(model_config("ae", epochs=2, random_state=110)))
    assert job.status == jobs.FAILED and "no data" in job.message
    # Its worker thread ends too: the process is back to the threads it had before the job.
    deadline = time.monotonic() + 10.0
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert threading.active_count() <= before


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


def test_one_sessions_stop_ends_its_watching_not_the_run_others_watch():
    done = []
    trainer = jobs.Trainer(data, on_done=lambda config, model, token: done.append(config))
    config = model_config("vae", epochs=60, batch_size=8, random_state=112)
    a, b = trainer.submit(config), trainer.submit(config)  # A trains it, B asks for the same
    assert a.job is b.job
    while b.progress().epoch < 2:
        a.seen(), b.seen()
        time.sleep(0.01)
    b.stop()
    wait(b)
    assert b.status == jobs.STOPPED and "Stopped after epoch" in b.message
    assert 2 <= b.model.epochs < 60 and len(b.model.history_["epoch"]) == b.model.epochs
    assert a.active or a.status == jobs.DONE  # the run went on for A
    wait(a)
    assert a.status == jobs.DONE and a.model.epochs == 60
    assert b.model is not a.model and len(a.model.history_["epoch"]) == 60
    assert {"kind": "vae", **b.model.get_params()} in done and config in done


def test_the_last_watchers_stop_ends_the_run():
    trainer = jobs.Trainer(data)
    config = model_config("vae", "blog", epochs=200, random_state=113)
    a, b = trainer.submit(config), trainer.submit(config)
    while a.progress().epoch < 1:
        a.seen(), b.seen()
        time.sleep(0.01)
    a.stop()
    b.stop()
    wait(a), wait(b)
    assert {a.status, b.status} == {jobs.STOPPED} and b.job.status == jobs.STOPPED
    assert b.job.model.epochs < 200


def test_a_run_stops_at_the_cpu_bound_keeps_its_epochs_and_is_not_run_again():
    done = []
    trainer = jobs.Trainer(data, on_done=lambda config, model, token: done.append(config), max_cpu_seconds=0.3)
    config = model_config("vae", "blog", epochs=1000, random_state=114)
    job = wait(trainer.submit(config))
    assert job.status == jobs.STOPPED and "bound of 0 s of CPU" in job.message and "kept" in job.message
    assert 1 <= job.model.epochs < 1000 and job.job.cpu_seconds >= 0.3
    assert done == [{"kind": "vae", **job.model.get_params()}]  # cached under what it is
    again = trainer.submit(config)
    assert not again.active and again.model is job.model and again.message == job.message
    assert trainer.active_jobs() == []


def test_a_diverged_recipe_is_remembered_not_trained_again():
    trainer = jobs.Trainer(data)
    config = model_config("vae", epochs=20, optimizer="sgd", learning_rate=5.0, random_state=115)
    first = wait(trainer.submit(config))
    assert first.status == jobs.DIVERGED
    again = trainer.submit(config)
    assert not again.active and again.status == jobs.DIVERGED and again.message == first.message
    assert again.job is not first.job and again.job.ended is None  # answered, not run
    trainer.forget("digits")  # (the dataset is gone): asked again, it is trained again
    assert trainer.submit(config).job.status in (jobs.QUEUED, jobs.RUNNING, jobs.DIVERGED)


def test_a_watch_of_a_finished_job_keeps_its_result():
    trainer = jobs.Trainer(data)
    watch = wait(trainer.submit(model_config("ae", epochs=2, random_state=116)))
    watch.stop()  # too late: nothing changes
    assert watch.status == jobs.DONE and watch.model is not None and not watch.active
