"""What the traversals sweep and send to the browser, checked without a browser."""

import numpy as np
import pytest

from latent_lab.drawing import traversals
from latent_lab.images.dataset import digits_dataset
from latent_lab.models.catalog import asset_path
from latent_lab.state.settings import SETTINGS
from tests.drawing.test_latent_explorer import run_spec
from tests.pages.app_helpers import component_data, open_page
from vae_core import load_model, make_model


@pytest.fixture(scope="module")
def vae_3d():
    split = digits_dataset().split
    return make_model("vae", latent_dim=3, epochs=3, random_state=0).fit(split.X_train)


def test_the_codes_range_is_k_standard_deviations_around_their_mean_and_the_priors_is_k():
    codes = np.array([[0.0, 10.0], [2.0, 10.0], [4.0, 13.0], [6.0, 7.0]])  # means 3, 10
    lo, hi = traversals.sweep_range(codes, "codes", 2.0)
    np.testing.assert_allclose(lo, [3 - 2 * np.sqrt(5), 10 - 2 * np.sqrt(4.5)])
    np.testing.assert_allclose(hi, [3 + 2 * np.sqrt(5), 10 + 2 * np.sqrt(4.5)])
    lo, hi = traversals.sweep_range(codes, "prior", 1.5)
    np.testing.assert_array_equal(lo, [-1.5, -1.5])
    np.testing.assert_array_equal(hi, [1.5, 1.5])
    with pytest.raises(ValueError, match=r"codes.*prior"):
        traversals.sweep_range(codes, "posterior", 1.0)


def test_the_page_offers_exactly_the_sweep_ranges_there_are():
    assert SETTINGS["interp_trav_range"].kind.options == tuple(traversals.RANGES)


def test_sweep_values_run_evenly_from_lo_to_hi_with_the_centre_in_the_middle():
    values = traversals.sweep_values(np.array([-1.0, 0.0]), np.array([1.0, 4.0]), 9)
    assert values.shape == (2, 9)
    np.testing.assert_allclose(values[:, 0], [-1, 0])
    np.testing.assert_allclose(values[:, -1], [1, 4])
    np.testing.assert_allclose(values[:, 4], [0, 2])
    np.testing.assert_allclose(np.diff(values, axis=1), [[0.25] * 8, [0.5] * 8])


def test_each_row_moves_its_own_dimension_and_keeps_the_others_at_the_anchor():
    anchor = np.array([0.5, -1.0, 2.0])
    values = traversals.sweep_values(np.array([-3.0, -2.0, -1.0]), np.array([3.0, 2.0, 1.0]), 5)
    Z = traversals.traversal_codes(anchor, values)
    assert Z.shape == (3, 5, 3)
    for d in range(3):
        for j in range(5):
            want = anchor.copy()
            want[d] = values[d, j]
            np.testing.assert_array_equal(Z[d, j], want)


def test_traversal_images_are_the_models_decodings_of_those_codes(vae_3d):
    anchor = np.array([0.1, 0.2, -0.3])
    values = traversals.sweep_values(-np.ones(3), np.ones(3), 4)
    images = traversals.traversal_images(vae_3d, anchor, values)
    assert images.shape == (3, 4, 64)
    z = anchor.copy()
    z[2] = values[2, 1]
    np.testing.assert_allclose(images[2, 1], vae_3d.decode(z[None])[0], atol=1e-6)  # float32: batch vs one


def test_the_data_holds_each_models_anchor_range_and_decoder_side_by_side(vae_3d):
    data_set = digits_dataset()
    ae = load_model(asset_path("ae_default"))
    models = [("AE", ae), ("VAE latent 3", vae_3d)]
    data = traversals.traversal_data(models, data_set, mode="codes", k=1.5, steps=7)
    assert data["side"] == 8 and data["steps"] == 7
    assert [m["name"] for m in data["models"]] == ["AE", "VAE latent 3"]
    assert len({m["id"] for m in data["models"]}) == 2
    for entry, (_, model) in zip(data["models"], models, strict=True):
        codes = model.encode(data_set.split.X_train).astype(float)
        np.testing.assert_allclose(entry["anchor"], codes.mean(axis=0))
        np.testing.assert_allclose(entry["lo"], codes.mean(axis=0) - 1.5 * codes.std(axis=0))
        np.testing.assert_allclose(entry["hi"], codes.mean(axis=0) + 1.5 * codes.std(axis=0))
        assert len(entry["anchor"]) == model.latent_dim
        # The browser's decoder of this entry decodes the rows as the model does.
        Z = traversals.traversal_codes(entry["anchor"], traversals.sweep_values(entry["lo"], entry["hi"], 7))
        flat = Z.reshape(-1, model.latent_dim)
        np.testing.assert_allclose(run_spec(entry["decoder"], flat), model.decode(flat), atol=1e-5)
    assert data["models"][0]["kl"] is None and data["models"][0]["collapsed"] == []  # an AE has no KL
    assert len(data["models"][1]["kl"]) == 3


def test_an_image_anchors_the_rows_at_its_own_code_and_the_prior_range_ignores_the_codes(vae_3d):
    data_set = digits_dataset()
    image = data_set.split.X_test[5]
    data = traversals.traversal_data([("VAE", vae_3d)], data_set, anchor_image=image, mode="prior", k=3.0)
    entry = data["models"][0]
    np.testing.assert_allclose(entry["anchor"], vae_3d.encode(image[None])[0])
    assert entry["lo"] == [-3.0] * 3 and entry["hi"] == [3.0] * 3
    assert data["anchor"] == "image" and data["mode"] == "prior"


def test_a_collapsed_vaes_dimensions_are_marked_off_and_its_rows_barely_change():
    data_set = digits_dataset()
    collapsed, healthy = load_model(asset_path("vae_beta8_nowarmup")), load_model(asset_path("vae_default"))
    data = traversals.traversal_data([("β = 8", collapsed), ("β = 1", healthy)], data_set, mode="prior")
    assert data["models"][0]["collapsed"] == [0, 1] and data["models"][1]["collapsed"] == []
    # What "off" means on the page: a row of one image repeated, against a row that changes.
    for entry, model, most in ((data["models"][0], collapsed, 0.05), (data["models"][1], healthy, None)):
        values = traversals.sweep_values(entry["lo"], entry["hi"], 9)
        images = traversals.traversal_images(model, entry["anchor"], values)
        change = np.abs(images[:, -1] - images[:, 0]).max(axis=1)  # per row, end against start
        if most is None:
            assert change.min() > 0.3
        else:
            assert change.max() < most


def test_the_interpolation_page_sweeps_as_its_controls_say():
    at = open_page("pages/4_Interpolation.py", params={"interp_trav_range": "prior", "interp_trav_k": "3",
                                                       "interp_trav_anchor": "from"})
    data = component_data(at, "interp_traversals")
    assert data["mode"] == "prior" and data["k"] == 3.0
    split = digits_dataset().split
    first_three = split.X_test[np.flatnonzero(split.y_test == 3)[0]]  # the "from" end it opens on
    vae = load_model(asset_path("vae_default"))
    entry = data["models"][1]
    assert entry["name"] == "VAE" and entry["lo"] == [-3.0, -3.0]
    np.testing.assert_allclose(entry["anchor"], vae.encode(first_three[None])[0], atol=1e-6)
    at.radio(key="interp_trav_anchor").set_value("mean").run()
    np.testing.assert_allclose(component_data(at, "interp_traversals")["models"][1]["anchor"],
                               vae.encode(split.X_train).mean(axis=0), atol=1e-6)
