"""The interpolation page's parts: the classes its ends open on, its paths, and their maps."""

import numpy as np
import pytest

from latent_lab.drawing import figures, interpolation, latent_explorer
from latent_lab.images.dataset import digits_dataset, from_images
from latent_lab.images.uploads import ImageSet
from latent_lab.models.catalog import asset_path
from vae_core import load_model, make_model


def three_classes(n=150, side=6, seed=0):
    """An upload of ``n`` images in three classes, labelled 2, 5 and 7 (not 3 → 7)."""
    rng = np.random.default_rng(seed)
    y = np.array([2, 5, 7])[rng.integers(0, 3, size=n)]
    X = rng.uniform(0, 0.3, size=(n, side * side))
    X[:, :side] = (y[:, None] == 5)  # something per class
    return from_images(ImageSet(X, y, side, "three classes"))


@pytest.mark.parametrize(("classes", "kept", "opened"), [
    (range(10), (3, 7), (3, 7)),  # the digits: the defaults
    (range(10), (4, 4), (4, 4)),  # both kept, even alike: two examples of one class can be picked
    ([2, 5, 7], (3, 7), (2, 7)),  # the default 3 is missing: the first class other than the 7
    ([2, 5, 7], (5, 3), (5, 7)),  # the 3 is missing at the other end: the last class other than 5
    ([0, 1, 2], (3, 7), (0, 2)),  # neither: the first and the last
    ([7, 9], (3, 7), (9, 7)),
    ([4], (3, 7), (4, 4)),  # one class: nothing else to pick
])
def test_the_ends_open_on_two_different_classes_the_data_has(classes, kept, opened):
    assert interpolation.end_classes(list(classes), *kept) == opened


def test_paths_of_any_latent_size_are_decoded_and_drawn_on_the_codes_main_axes():
    data = digits_dataset()
    vae8 = make_model("vae", latent_dim=8, epochs=2, random_state=0).fit(data.split.X_train)
    ae = load_model(asset_path("ae_default"))
    pair = data.split.X_test[[0, 1]]
    rows, labels, paths = interpolation.interpolate([("AE", ae), ("Your VAE", vae8)], pair, 5)
    assert rows.shape == (4 * 5, 64)
    assert labels == ["AE linear", "AE spherical", "Your VAE linear", "Your VAE spherical"]
    z0, z1 = vae8.encode(pair)
    np.testing.assert_allclose(rows[10:15], vae8.decode(np.linspace(z0, z1, 5)), atol=1e-6)

    fig = interpolation.path_map(vae8, "Your VAE", data, paths["Your VAE"])
    assert fig.layout.title.text == "Your VAE latent space, on its 8-D code's two main axes"
    assert (fig.layout.xaxis.title.text, fig.layout.yaxis.title.text) == ("PC 1", "PC 2")
    # The codes and the path's ends on the codes' two main axes, the same projection for both.
    mean, axes = figures.main_axes(vae8.encode(data.X_all))
    first = next(t for t in fig.data if t.name == str(data.y_all[0]))
    # float32 codes: a batch and a single encode differ in their last bits (and by BLAS kernel).
    np.testing.assert_allclose([first.x[0], first.y[0]], (vae8.encode(data.X_all[:1])[0] - mean) @ axes, atol=1e-5)
    linear = next(t for t in fig.data if t.name == "linear")
    np.testing.assert_allclose([linear.x[0], linear.y[0]], (z0 - mean) @ axes, atol=1e-5)
    np.testing.assert_allclose([linear.x[-1], linear.y[-1]], (z1 - mean) @ axes, atol=1e-5)
    spread = np.var(np.concatenate([np.column_stack([t.x, t.y]) for t in fig.data if t.name.isdigit()]), axis=0)
    assert spread[0] >= spread[1]  # the first axis the one the codes vary most along

    flat = interpolation.path_map(ae, "AE", data, paths["AE"])
    assert (flat.layout.xaxis.title.text, flat.layout.yaxis.title.text) == ("z₁", "z₂")
    assert flat.layout.title.text == "AE latent space"


def test_an_uploads_classes_name_the_legends_of_both_maps():
    data = three_classes()
    model = make_model("ae", input_dim=36, epochs=2, random_state=0).fit(data.split.X_train)
    _, _, paths = interpolation.interpolate([("Your AE", model)], data.split.X_test[[0, 1]], 3)
    fig = interpolation.path_map(model, "Your AE", data, paths["Your AE"])
    assert [t.name for t in fig.data if t.mode == "markers"] == ["2", "5", "7"]
    assert latent_explorer.class_legend(data) == [("2", "#1f77b4"), ("5", "#ff7f0e"), ("7", "#2ca02c")]
    # The explorer's legend by default: one entry per colour on view.
    data_json = latent_explorer.explorer_data([("ae", "AE", "t", model.encode(data.X_all), model)],
                                              data.colour_labels())
    assert [name for name, _ in data_json["legend"]] == ["0", "1", "2"]
