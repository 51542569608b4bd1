"""The training page's snapshots of any model file: coloured when their images are known, bounded always."""

from types import SimpleNamespace

import numpy as np
import pytest

from latent_lab.drawing import figures, snapshots
from latent_lab.images.dataset import digits_dataset
from vae_core import make_model


@pytest.fixture(scope="module")
def dataset():
    return digits_dataset()


def _fit(dataset, kind="ae", latent_dim=2, n_held_out=None, **params):
    split = dataset.split
    model = make_model(kind, epochs=3, hidden_sizes=(8,), latent_dim=latent_dim, **params)
    held_out = None if n_held_out == 0 else split.X_test[:n_held_out]
    return model.fit(split.X_train, held_out)


def _without_points(model):
    model.latent_snapshots_ = model.latent_snapshots_[:, :0]
    return model


def _draws(drawn):
    """Build the page's two figures of ``drawn``, as the training page does."""
    ranges = figures.axis_range(*drawn.points)
    figures.latent_snapshot_figure(drawn.points[-1], drawn.labels, drawn.epochs[-1], *ranges, y_title=drawn.y_title)
    return figures.latent_animation_figure(drawn.points, drawn.epochs, drawn.labels, y_title=drawn.y_title)


def test_held_out_snapshots_are_coloured_by_the_held_out_labels(dataset):
    model = _fit(dataset)
    drawn = snapshots.drawn_snapshots(model, dataset)
    np.testing.assert_array_equal(drawn.labels, dataset.colour_labels(dataset.split.y_test))
    assert drawn.epochs == tuple(model.snapshot_epochs_.tolist()) and drawn.note is None
    np.testing.assert_array_equal(drawn.points, model.latent_snapshots_)  # 2-D codes as they are
    assert len(_draws(drawn).frames) == len(drawn.epochs)


def test_a_model_trained_without_held_out_images_is_coloured_by_its_training_labels(dataset):
    # Its snapshots are the codes of its 1,437 training images: the page drew them with the 360
    # held-out labels and raised.
    drawn = snapshots.drawn_snapshots(_fit(dataset, "vae", n_held_out=0), dataset)
    np.testing.assert_array_equal(drawn.labels, dataset.colour_labels(dataset.split.y_train))
    assert drawn.points.shape[1] == len(dataset.split.X_train)
    assert "without held-out images" in drawn.note
    _draws(drawn)


def test_snapshots_of_other_images_are_drawn_in_one_colour(dataset):
    # A 1-D autoencoder scored on 100 held-out images: the strip chart's rows were the 360 labels.
    drawn = snapshots.drawn_snapshots(_fit(dataset, latent_dim=1, n_held_out=100), dataset)
    assert drawn.labels.shape == (100,) and not drawn.labels.any()
    assert drawn.points.shape[1:] == (100, 2) and drawn.y_title == "spread out (a 1-D code)"
    assert "100 codes of other images than the 360 held-out ones" in drawn.note
    _draws(drawn)


def test_a_1d_code_of_the_held_out_images_has_a_row_per_digit(dataset):
    drawn = snapshots.drawn_snapshots(_fit(dataset, latent_dim=1), dataset)
    assert drawn.y_title.startswith("digit")
    rows = np.round(drawn.points[-1, :, 1])  # each row is a label, jittered by less than 0.5
    np.testing.assert_array_equal(rows, drawn.labels)


@pytest.mark.parametrize("latent_dim", [2, 16])
def test_snapshots_without_codes_draw_nothing_and_say_so(dataset, latent_dim):
    drawn = snapshots.drawn_snapshots(_without_points(_fit(dataset, "vae", latent_dim)), dataset)
    assert drawn.epochs == () and drawn.points.shape == (0, 0, 2)
    assert drawn.note == "This model's latent snapshots hold no codes to show."
    model = _fit(dataset)
    model.latent_snapshots_, model.snapshot_epochs_ = np.zeros((0, 360, 2)), np.zeros(0, dtype=np.int64)
    assert snapshots.drawn_snapshots(model, dataset).note == "This model has no latent snapshots to show."


def test_many_snapshots_of_many_codes_are_drawn_within_the_bounds(dataset):
    # A 453 kB file of 1,000 16-D snapshots took 3.7 s and 115 MB to view; here 2,500 codes each too.
    rng = np.random.default_rng(0)
    codes = rng.standard_normal((1000, 2500, 16), dtype=np.float32)
    model = SimpleNamespace(latent_dim=16, snapshot_epochs_=np.arange(0, 2000, 2), latent_snapshots_=codes)
    drawn = snapshots.drawn_snapshots(model, dataset)
    assert len(drawn.epochs) == snapshots.MAX_FRAMES and drawn.epochs[0] == 0 and drawn.epochs[-1] == 1998
    assert np.all(np.diff(drawn.epochs) > 0)
    assert drawn.points.shape == (snapshots.MAX_FRAMES, snapshots.MAX_POINTS, 2)
    assert drawn.labels.shape == (snapshots.MAX_POINTS,) and not drawn.labels.any()
    assert "Drawn: 31 of its 1,000 snapshots, 2,000 of the 2,500 codes in each." in drawn.note
    # The frames are the snapshots of their epochs, on the main axes of the last drawn one.
    last = codes[999][np.linspace(0, 2499, 2000).round().astype(int)].astype(float)
    spread = np.linalg.svd(last - last.mean(axis=0), compute_uv=False)[:2] / np.sqrt(2000)
    np.testing.assert_allclose(drawn.points[-1].std(axis=0), spread, rtol=1e-6)
    assert len(_draws(drawn).frames) == snapshots.MAX_FRAMES
