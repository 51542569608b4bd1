"""The blog's own recipe, run for its full length: what reproduces from the post and what does not.

These train with per-sample SGD (about two minutes in all), so they are marked ``slow``; they still
run in ``make test``.
"""

import pytest

from vae_core import TrainingDivergedError, make_model, pca_reconstruction_mse
from vae_core.metrics import collapsed_dims

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def blog_ae(digits):
    return make_model("ae", "blog").fit(digits.X_train, digits.X_test)


@pytest.fixture(scope="module")
def blog_vae(digits):
    model = make_model("vae", "blog")
    try:
        model.fit(digits.X_train, digits.X_test)
    except TrainingDivergedError:
        pass  # also a faithful outcome of the post's recipe; the model keeps its last finite epoch
    return model


def test_blog_autoencoder_lands_near_pca_not_at_the_printed_loss(blog_ae, digits):
    train = blog_ae.history_["train_loss"][-1]
    held_out = blog_ae.evaluate(digits.X_test)["loss"]
    pca2 = pca_reconstruction_mse(digits.X_train, digits.X_test, 2)
    pca16 = pca_reconstruction_mse(digits.X_train, digits.X_test, 16)
    assert train > 3 * 0.0081  # the post prints 0.0081 after 150 epochs: not reproducible
    assert 0.0081 < pca16 < held_out  # the printed value is even below a 16-D PCA
    assert held_out < 1.2 * pca2  # what the recipe really reaches: about a 2-D PCA


def test_fast_autoencoder_beats_the_blog_recipe(blog_ae, digits):
    fast = make_model("ae").fit(digits.X_train, digits.X_test)
    assert fast.evaluate(digits.X_test)["loss"] < blog_ae.evaluate(digits.X_test)["loss"]


def test_blog_vae_collapses_where_the_fast_recipe_does_not(blog_vae, digits):
    history = blog_vae.history_
    assert len(history["epoch"]) > 0
    blog_scores = blog_vae.evaluate(digits.X_test)
    fast_scores = make_model("vae").fit(digits.X_train, digits.X_test).evaluate(digits.X_test)
    # The post prints 24.8 at epoch 250; its own recipe stalls well above that...
    assert history["train_loss"][-1] > 26.0
    # ...because (part of) the latent code collapses onto the prior: a dimension carries ~no KL,
    # by the engine's one collapse rule, while the fast recipe keeps both dimensions. How much
    # collapses depends on the seed and even on the CPU's BLAS kernels: seed 0 loses both
    # dimensions under OpenBLAS's Haswell kernels, but under its Prescott kernels it diverges in
    # epoch 69 and keeps epoch 68, with one dimension carrying 15.9 nats. So one collapsed
    # dimension is what the test asks for, not a smaller total KL.
    assert collapsed_dims(blog_scores["kl_per_dim"])
    assert collapsed_dims(fast_scores["kl_per_dim"]) == []
    assert fast_scores["loss"] < blog_scores["loss"] - 1.5

