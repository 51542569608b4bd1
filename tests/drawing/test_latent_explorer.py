"""What the latent explorer sends to the browser, checked without a browser."""

import base64
import json

import numpy as np
import pytest

from latent_lab.drawing import latent_explorer
from latent_lab.drawing.image_picker import pixels_to_text, text_to_pixels
from latent_lab.images.dataset import digits, digits_dataset, from_images
from latent_lab.images.uploads import ImageSet
from latent_lab.models.catalog import shipped_configs
from vae_core import load_model, make_model


@pytest.fixture(scope="module")
def models():
    from latent_lab.models.catalog import asset_path

    return load_model(asset_path("ae_default")), load_model(asset_path("vae_default"))


def unpack(text):
    return np.frombuffer(base64.b64decode(text), dtype="<f4")


def run_spec(spec, Z):
    """The browser's decoder, step for step, in NumPy float64."""
    x = np.asarray(Z, dtype=float)
    for i, layer in enumerate(spec["layers"]):
        W = unpack(layer["W"]).reshape(layer["n_in"], layer["n_out"]).astype(float)
        x = x @ W + unpack(layer["b"])
        if i < len(spec["layers"]) - 1:
            x = np.maximum(x, 0)
    return np.clip(x, 0, 1) if spec["output"] == "clip" else 1 / (1 + np.exp(-x))


@pytest.mark.parametrize("kind", ["ae", "vae"])
def test_the_decoder_sent_to_the_browser_is_the_models(models, kind):
    model = models[kind == "vae"]
    Z = np.random.default_rng(0).uniform(-4, 4, size=(50, 2))
    np.testing.assert_allclose(run_spec(latent_explorer.decoder_spec(model), Z), model.decode(Z), atol=1e-5)


def test_a_deeper_clipped_decoder_is_sent_whole():
    split = digits()[0]
    model = make_model("ae", "blog", hidden_sizes=(16, 8), epochs=2).fit(split.X_train[:200])
    spec = latent_explorer.decoder_spec(model)
    assert [layer["n_out"] for layer in spec["layers"]] == [8, 16, 64] and spec["output"] == "clip"
    Z = np.random.default_rng(1).normal(size=(20, 2))
    np.testing.assert_allclose(run_spec(spec, Z), model.decode(Z), atol=1e-5)


def test_maps_have_one_scale_on_both_axes():
    codes = np.array([[0.0, 0.0], [4.0, 1.0], [2.0, -1.0]])
    x0, x1, y0, y1 = latent_explorer.square_range(codes, pad=0.1)
    assert x1 - x0 == pytest.approx(y1 - y0) == pytest.approx(4.0 * 1.2)
    assert (x0 + x1) / 2 == pytest.approx(2.0) and (y0 + y1) / 2 == pytest.approx(0.0)


def test_training_images_travel_as_one_character_per_pixel():
    images = np.array([[0, 1 / 16, 0.5, 1.0]])
    text = pixels_to_text(images)
    assert text == "018g"
    assert [int(ch, 17) / 16 for ch in text] == images[0].tolist()  # what the browser reads
    assert text_to_pixels(text).tolist() == images[0].tolist()


@pytest.mark.parametrize("pin", [
    None, "x", [], {"map": "pca", "x": 0, "y": 0}, {"map": "ae", "x": "1", "y": 0},
    {"map": "ae", "x": float("nan"), "y": 0}, {"map": "vae", "x": True, "y": 0},
    {"map": "vae", "y": 1.0},
])
def test_a_pin_that_names_no_point_is_refused(pin):
    assert latent_explorer.read_pin(pin, 10) is None


def test_a_pin_names_its_point_map_and_digit():
    assert latent_explorer.read_pin({"map": "vae", "x": 1, "y": -2.5, "index": 3}, 10) == {
        "z": (1.0, -2.5), "map": "vae", "index": 3}
    for index in (10, -1, 2.0, "3", True):  # not a digit of the map: the point still counts
        assert latent_explorer.read_pin({"map": "ae", "x": 0, "y": 0, "index": index}, 10)["index"] is None


def test_posterior_draws_are_reparameterized_and_seeded(models):
    vae = models[1]
    x = digits()[0].X_test[:1]
    view = latent_explorer.posterior_view(vae, x, seed=3)
    mu, log_var = vae.encode_distribution(x)
    np.testing.assert_allclose(view["mu"], mu[0], rtol=1e-6)
    np.testing.assert_allclose(view["sigma"], np.exp(0.5 * log_var[0]), rtol=1e-6)
    eps = np.random.default_rng(3).standard_normal((latent_explorer.N_DRAWS, 2))
    np.testing.assert_allclose(view["draws"], mu[0] + np.exp(0.5 * log_var[0]) * eps, rtol=1e-5)
    assert latent_explorer.posterior_view(vae, x, seed=3) == view
    assert latent_explorer.posterior_view(vae, x, seed=4)["draws"] != view["draws"]


def test_explorer_data_is_json_with_both_maps(models):
    split, X_all, y_all = digits()
    maps = [(kind, name, f"{name} map", model.encode(X_all), model)
            for kind, name, model in zip(("ae", "vae"), ("AE", "VAE"), models, strict=True)]
    data = latent_explorer.explorer_data(maps, y_all, pinned=(1, 2), manifold=12,
                                  train=(split.X_train, split.y_train, (1.5, 0.75)))
    text = json.dumps(data)
    assert len(text) < 400_000  # sent on every click: keep it small
    assert [m["id"] for m in data["maps"]] == ["ae", "vae"] and data["side"] == 8
    assert len(data["maps"][1]["x"]) == len(y_all) and data["pinned"] == [1.0, 2.0]
    assert data["manifold"] == 12 and data["train"]["thresholds"] == {"pixel": 1.5, "profile": 0.75}
    assert len(data["train"]["images"]) == split.X_train.size
    assert shipped_configs()["vae_default"]["latent_dim"] == 2


def test_explorer_data_names_the_pinned_map_and_a_posterior_colour_no_digit_has(models):
    from latent_lab.drawing.figures import DIGIT_COLORS

    _, X_all, y_all = digits()
    maps = [(kind, kind.upper(), kind, model.encode(X_all[:20]), model)
            for kind, model in zip(("ae", "vae"), models, strict=True)]
    data = latent_explorer.explorer_data(maps, y_all[:20], pinned=(0.5, 1), pinned_map="vae")
    assert data["pinned_map"] == "vae" and data["pinned"] == [0.5, 1.0]
    assert data["posterior_color"].lower() not in {c.lower() for c in DIGIT_COLORS}
    assert data["tour"] is None and data["compact"] is False  # the latent page: no tour


def test_no_legend_without_labels_or_with_more_classes_than_colours():
    unlabelled = from_images(ImageSet(np.zeros((60, 16)), None, 4, "none"))
    assert latent_explorer.class_legend(unlabelled) == []
    y = np.arange(120) % 12
    many = from_images(ImageSet(np.random.default_rng(0).uniform(size=(120, 16)), y, 4, "twelve"))
    assert latent_explorer.class_legend(many) == []
    assert [name for name, _ in latent_explorer.class_legend(digits_dataset())] == [str(d) for d in range(10)]
