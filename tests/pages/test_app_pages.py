"""Every page under Streamlit's AppTest: it runs, and its main control changes what it shows."""

import ast
import time
from pathlib import Path

import numpy as np
import pytest

from latent_lab.drawing import ui
from latent_lab.models import cache, catalog
from tests.pages.app_helpers import PAGES, chart, component_data, finish_training, heatmap_z, open_page, shown
from vae_core import model_to_bytes


def test_home_links_every_page():
    at = open_page()
    assert at.title[0].value == "Latent Lab"
    links = [link.proto.page for link in at.main.get("page_link")]
    # Streamlit names a page by its file name without the order prefix.
    assert links == [Path(p).stem.split("_", 1)[1] for p in PAGES]
    # Something to touch on the first screen: both shipped models' maps, decoded in the browser.
    assert [m["id"] for m in component_data(at, "home_explorer")["maps"]] == ["ae", "vae"]


@pytest.mark.parametrize("page", [None, *PAGES])
def test_sidebar_links_every_page_by_its_title(page):
    at = open_page(page)
    links = at.sidebar.get("page_link")
    assert [link.proto.label for link in links] == [label for _, label, _, _ in ui.PAGES]
    assert links[0].proto.label == "Home"  # not "app", after the landing page's file
    if page is not None:
        # The page's own link reads exactly like its title.
        label = next(label for path, label, _, _ in ui.PAGES if path == page)
        assert at.title[0].value == label


# What each page is for, drawn as soon as it opens on the shipped models.
MAIN_VIEW = {
    "pages/1_Training_dynamics.py": ("chart", "train_loss_chart"),
    "pages/2_Latent_space.py": ("component", "latent_explorer"),
    "pages/3_Beta_tradeoff.py": ("chart", "beta_recon_chart"),
    "pages/4_Interpolation.py": ("chart", "interp_strips_chart"),
    "pages/5_Generation_gallery.py": ("chart", "gen_gallery_chart"),
    "pages/6_Claims.py": ("claims", None),
}


def _explanation_start(page):
    """The first words of the paragraph the page passes to ``ui.page`` (read from its source)."""
    source = (Path(__file__).resolve().parents[2] / page).read_text()
    call = next(node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call)
                and ast.unparse(node.func) == "ui.page")
    text = call.args[1]
    first = text.values[0] if isinstance(text, ast.JoinedStr) else text  # an f-string's leading text
    return first.value[:40]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens_on_its_title_explanation_and_main_view(page):
    at = open_page(page)
    assert at.title[0].value == next(label for path, label, _, _ in ui.PAGES if path == page)
    assert at.markdown[0].value.startswith(_explanation_start(page))  # the paragraph right under the title
    kind, key = MAIN_VIEW[page]
    if kind == "chart":
        assert chart(at, key)["data"], f"{key} is drawn empty"
    elif kind == "component":
        assert [m["id"] for m in component_data(at, key)["maps"]] == ["ae", "vae"]
    else:  # the claims, each with its verdict
        claims = [m.value for m in at.markdown if " says:** " in m.value]
        assert len(claims) >= 5 and all(c.startswith(tuple(ui.VERDICT_BADGES.values())) for c in claims)
    assert not at.error


# ----------------------------------------------------------------------------- training
def test_training_snapshot_slider_scrubs_through_training():
    at = open_page(PAGES[0])
    final = chart(at, "train_snapshot_chart")
    assert "epoch 300" in final["layout"]["title"]["text"]  # opens on the trained latent space
    assert at.select_slider(key="train_snapshot").value == 300  # the slider reads epochs
    at.select_slider(key="train_snapshot").set_value(0).run()
    start = chart(at, "train_snapshot_chart")
    assert "epoch 0" in start["layout"]["title"]["text"]
    assert start["data"] != final["data"]
    anim = chart(at, "train_anim_chart")
    assert len(anim["frames"]) == len(anim["layout"]["sliders"][0]["steps"]) > 10


def test_training_form_trains_the_requested_model():
    at = open_page(PAGES[0])
    at.radio(key="train_kind").set_value("ae").run()
    assert at.number_input(key="train_epochs").value == catalog.model_config("ae")["epochs"]
    at.number_input(key="train_epochs").set_value(4)
    at.number_input(key="train_latent_dim").set_value(3)
    at.number_input(key="train_seed").set_value(7)
    finish_training(at.button(key="train_submit_button").click().run())
    assert not at.exception and not at.error
    caption = at.caption[0].value
    assert caption.startswith("Showing: AE") and "latent 3" in caption and "4 epochs" in caption
    assert len(chart(at, "train_loss_chart")["data"][0]["x"]) == 4
    assert "PCA" in " ".join(c.value for c in at.caption)  # 3-D codes are projected


def test_training_rejects_invalid_settings_and_keeps_the_model():
    at = open_page(PAGES[0])
    before = at.caption[0].value
    at.number_input(key="train_epochs").set_value(5)
    at.number_input(key="train_kl_warmup").set_value(50)
    finish_training(at.button(key="train_submit_button").click().run())
    assert "warm-up" in shown(at.error[0].value) and "kept" in shown(at.error[0].value)
    assert at.caption[0].value == before


def test_training_divergence_keeps_the_last_good_model():
    at = open_page(PAGES[0])
    before = at.caption[0].value
    at.selectbox(key="train_optimizer").set_value("sgd")
    at.number_input(key="train_learning_rate").set_value(1.0)
    at.number_input(key="train_batch_size").set_value(8)
    at.number_input(key="train_epochs").set_value(3)
    finish_training(at.button(key="train_submit_button").click().run())
    assert not at.exception
    assert "diverged" in shown(at.error[0].value) and "previous model is kept" in shown(at.error[0].value)
    assert at.caption[0].value == before


def test_training_upload_loads_a_model_and_rejects_junk():
    at = open_page(PAGES[0])
    before = at.caption[0].value
    at.file_uploader(key="train_upload").upload("junk.npz", b"not a model at all").run()
    assert "Could not load junk.npz" in shown(at.error[0].value)
    assert at.caption[0].value == before
    ae = cache.get_model(catalog.shipped_configs()["ae_default"])
    at.file_uploader(key="train_upload").clear().upload("ae.npz", model_to_bytes(ae)).run()
    assert not at.error
    assert at.caption[0].value.startswith("Showing: AE") and "uploaded file ae.npz" in shown(at.caption[0].value)


# ----------------------------------------------------------------------------- latent space
def test_latent_explorer_gets_both_decoders_and_the_pinned_point():
    at = open_page(PAGES[1])
    data = component_data(at, "latent_explorer")
    assert [m["id"] for m in data["maps"]] == ["ae", "vae"]
    assert [m["title"] for m in data["maps"]] == ["AE latent space", "VAE latent space"]
    assert all(len(m["decoder"]["layers"]) == 2 for m in data["maps"])
    assert data["pinned"] is None and data["posterior"] is None and data["manifold"] == 0
    assert len(data["train"]["images"]) == 1437 * 64
    pinned = open_page(PAGES[1], params={"latent_z": "-6,5", "latent_z_from": "AE"})
    assert component_data(pinned, "latent_explorer")["pinned"] == [-6.0, 5.0]


def test_latent_manifold_toggle_and_grid_size_reach_the_explorer():
    at = open_page(PAGES[1])
    assert at.slider(key="latent_manifold_n").disabled
    at.toggle(key="latent_manifold").set_value(True).run()
    assert component_data(at, "latent_explorer")["manifold"] == 10
    at.slider(key="latent_manifold_n").set_value(8).run()
    assert component_data(at, "latent_explorer")["manifold"] == 8
    at.toggle(key="latent_manifold").set_value(False).run()
    assert component_data(at, "latent_explorer")["manifold"] == 0


def test_picking_a_digit_shows_its_posterior_and_new_draws():
    at = open_page(PAGES[1])
    assert "Pick a digit" in at.caption[-1].value
    at.number_input(key="latent_digit").set_value(5).run()
    data = component_data(at, "latent_explorer")
    post = data["posterior"]
    assert post["map"] == "vae" and len(post["draws"]) == 8 and min(post["sigma"]) > 0
    strip = heatmap_z(at, "latent_posterior_chart")
    assert "Image #5 (a 5)" in at.caption[-1].value
    at.button(key="latent_draws_button").click().run()
    again = component_data(at, "latent_explorer")["posterior"]
    assert again["mu"] == post["mu"] and again["draws"] != post["draws"]
    assert heatmap_z(at, "latent_posterior_chart") != strip


# ----------------------------------------------------------------------------- β tradeoff
def test_beta_slider_changes_images_and_reports_collapse():
    at = open_page(PAGES[2])
    assert at.success and "no collapse" in at.success[0].value
    recon_at_1 = heatmap_z(at, "beta_recon_chart")
    at.select_slider(key="beta_beta").set_value(8.0).run()
    assert at.warning and "Posterior collapse at β = 8" in shown(at.warning[0].value)
    assert heatmap_z(at, "beta_recon_chart") != recon_at_1
    star = next(t for t in chart(at, "beta_rd_chart")["data"] if t["name"].startswith("chosen"))
    assert star["name"] == "chosen β=8"
    # The collapse is explained as its objective's optimum, with the numbers.
    assert any("the collapse is the objective's optimum" in m.value for m in at.markdown)
    assert at.metric[3].value == "0 of 2"  # no active latent unit
    at.select_slider(key="beta_beta").set_value(0.25).run()
    assert not at.warning
    assert float(at.metric[0].value) > 4  # a low β spends nats on the code


def test_beta_page_shows_likelihood_and_samples_for_every_beta():
    at = open_page(PAGES[2])
    lik = chart(at, "beta_likelihood_chart")
    assert [t["name"] for t in lik["data"]] == ["−ELBO", "IWAE-1000", "exact −log p(x)"]
    exact = dict(zip(lik["data"][2]["x"], lik["data"][2]["y"], strict=True))
    assert exact["0.5"] < exact["1"]  # the measured finding the page states
    rd = chart(at, "beta_rd_chart")
    assert any(t["name"].startswith("rate + distortion") for t in rd["data"])
    assert any("no BCE goes lower" in a.get("text", "") for a in rd["layout"]["annotations"])


def test_beta_warmup_toggle_switches_models():
    at = open_page(PAGES[2])
    plain = heatmap_z(at, "beta_samples_chart")
    at.toggle(key="beta_warmup").set_value(True).run()
    assert heatmap_z(at, "beta_samples_chart") != plain
    assert f"{catalog.SWEEP_WARMUP_EPOCHS} epochs" in at.toggle(key="beta_warmup").label



def test_beta_page_draws_every_betas_traversals_side_by_side_and_marks_collapse():
    at = open_page(PAGES[2])
    data = component_data(at, "beta_traversals")
    assert [m["name"] for m in data["models"]] == [f"β = {b:g}" for b in catalog.SWEEP_BETAS]
    assert data["mode"] == "prior" and data["k"] == 2.0
    by_beta = dict(zip(catalog.SWEEP_BETAS, data["models"], strict=True))
    # Collapse by the one rule: the β = 8 code says nothing in any dimension, β = 1 keeps both.
    assert by_beta[8.0]["collapsed"] == [0, 1] and by_beta[1.0]["collapsed"] == []
    assert all(kl < 0.1 for kl in by_beta[8.0]["kl"])
    # The warm-up toggle swaps every column's model.
    decoders = [m["decoder"] for m in data["models"]]
    at.toggle(key="beta_warmup").set_value(True).run()
    assert [m["decoder"] for m in component_data(at, "beta_traversals")["models"]] != decoders


# ----------------------------------------------------------------------------- interpolation
def test_interpolation_controls_change_the_strips_and_paths():
    at = open_page(PAGES[3])
    strips = heatmap_z(at, "interp_strips_chart")
    at.selectbox(key="interp_class_b").set_value(1).run()
    assert heatmap_z(at, "interp_strips_chart") != strips
    at.slider(key="interp_steps").set_value(5).run()
    paths = [t for t in chart(at, "interp_vae_map_chart")["data"] if t["name"] in ("linear", "spherical")]
    assert [len(t["x"]) for t in paths] == [5, 5]
    at.radio(key="interp_mode").set_value("by index").run()
    at.number_input(key="interp_index_a").set_value(42).run()
    assert "#42" in at.markdown[1].value
    at.radio(key="interp_mode").set_value("at random").run()
    first_pair = at.markdown[1].value
    at.button(key="interp_reroll_button").click().run()
    assert at.markdown[1].value != first_pair


# ----------------------------------------------------------------------------- generation
def test_generation_controls_change_the_gallery():
    at = open_page(PAGES[4])
    gallery = heatmap_z(at, "gen_gallery_chart")
    at.slider(key="gen_temperature").set_value(2.5).run()
    hot = heatmap_z(at, "gen_gallery_chart")
    assert hot != gallery
    at.button(key="gen_reseed_button").click().run()
    assert heatmap_z(at, "gen_gallery_chart") != hot
    assert "seed 1" in at.caption[0].value
    at.radio(key="gen_kind").set_value("ae").run()
    assert at.caption[0].value.startswith("Autoencoder")
    at.select_slider(key="gen_n").set_value(16).run()
    assert np.asarray(heatmap_z(at, "gen_gallery_chart")[0]).shape == (4 * 9 - 1, 4 * 9 - 1)


def test_gallery_samples_the_autoencoder_from_its_codes_and_scores_n_samples_fairly():
    at = open_page(PAGES[4])
    band = next(t for t in chart(at, "gen_curves_chart")["data"] if t["name"].startswith("36 real digits"))
    assert band["error_y"]["array"][0] > 0  # what 36 real held-out digits score, over draws
    assert "36 real held-out digits alone score" in at.caption[-1].value
    at.radio(key="gen_kind").set_value("ae").run()
    assert at.radio(key="gen_ae_sampler").value == "fitted" and "its fitted Gaussian" in at.caption[0].value
    fitted = heatmap_z(at, "gen_gallery_chart")
    at.radio(key="gen_ae_sampler").set_value("prior").run()
    assert "N(0, 1²·I)" in at.caption[0].value and heatmap_z(at, "gen_gallery_chart") != fitted
    assert any("fewer kinds of digit" in m.value for m in at.markdown)


def test_same_settings_draw_the_same_figures():
    a, b = open_page(PAGES[4]), open_page(PAGES[4])
    assert chart(a, "gen_gallery_chart") == chart(b, "gen_gallery_chart")
    a, b = open_page(PAGES[1]), open_page(PAGES[1])
    assert component_data(a, "latent_explorer") == component_data(b, "latent_explorer")


def test_widget_values_survive_a_page_change():
    at = open_page(PAGES[4])
    at.slider(key="gen_temperature").set_value(2.0).run()
    at.switch_page(PAGES[2]).run()
    at.select_slider(key="beta_beta").set_value(4.0).run()
    at.switch_page(PAGES[4]).run()
    assert at.slider(key="gen_temperature").value == 2.0
    at.switch_page(PAGES[2]).run()
    assert at.select_slider(key="beta_beta").value == 4.0


# ----------------------------------------------------------------------------- exploring own models
def train_in_session(at, kind, latent_dim, epochs=4, seed=7):
    """Train a small model on the training page of ``at``'s session."""
    at.switch_page(PAGES[0]).run()
    at.radio(key="train_kind").set_value(kind).run()
    at.number_input(key="train_epochs").set_value(epochs)
    at.number_input(key="train_latent_dim").set_value(latent_dim)
    at.number_input(key="train_seed").set_value(seed)
    finish_training(at.button(key="train_submit_button").click().run())
    assert not at.exception and not at.error


def test_pages_explore_the_models_trained_in_this_session():
    at = open_page()
    train_in_session(at, "vae", latent_dim=2)
    at.switch_page(PAGES[1]).run()
    assert at.radio(key="explore_models").value == "default"
    default_ae, default_vae = component_data(at, "latent_explorer")["maps"]
    assert not at.info  # the shipped defaults need no note

    at.radio(key="explore_models").set_value("trained").run()
    assert not at.exception
    ae_map, vae_map = component_data(at, "latent_explorer")["maps"]
    assert vae_map["decoder"] != default_vae["decoder"] and vae_map["x"] != default_vae["x"]
    assert vae_map["title"] == "Your VAE latent space"
    # No autoencoder trained yet: its default stands in, and the note says so.
    assert ae_map == default_ae
    note = shown(at.info[0].value)
    assert "Your VAE: trained on request" in note and "latent 2" in note
    assert "No autoencoder trained or loaded" in note

    # The choice holds on the other exploring pages.
    at.radio(key="explore_models").set_value("trained").run()
    at.switch_page(PAGES[4]).run()
    assert at.radio(key="explore_models").value == "trained"
    assert at.caption[0].value.startswith("Your VAE")
    at.switch_page(PAGES[3]).run()
    assert chart(at, "interp_vae_map_chart")["layout"]["title"]["text"] == "Your VAE latent space"
    assert list(chart(at, "interp_strips_chart")["layout"]["yaxis"]["ticktext"])[2:] == [
        "Your VAE linear", "Your VAE spherical"]


def test_a_model_without_a_2d_latent_space_is_explained_not_drawn():
    at = open_page()
    train_in_session(at, "ae", latent_dim=3)
    at.switch_page(PAGES[1]).run()
    at.radio(key="explore_models").set_value("trained").run()
    assert not at.exception
    assert "3-D latent space" in shown(at.warning[0].value) and "can't be drawn" in shown(at.warning[0].value)
    assert "shipped default autoencoder" in shown(at.warning[0].value)
    assert component_data(at, "latent_explorer")["maps"][0]["title"] == "AE latent space"
    # Interpolation needs no 2-D map: it takes the 3-D autoencoder, drawn on its two main axes.
    at.switch_page(PAGES[3]).run()
    assert not at.exception and not at.warning
    layout = chart(at, "interp_ae_map_chart")["layout"]
    assert layout["title"]["text"] == "Your AE latent space, on its 3-D code's two main axes"
    assert (layout["xaxis"]["title"]["text"], layout["yaxis"]["title"]["text"]) == ("PC 1", "PC 2")
    # So does the gallery: it samples the 3-D autoencoder and shows the draws on the same axes.
    at.switch_page(PAGES[4]).run()
    at.radio(key="gen_kind").set_value("ae").run()
    assert not at.exception and not at.warning
    assert at.caption[0].value.startswith("Your autoencoder")
    layout = chart(at, "gen_map_chart")["layout"]
    assert (layout["xaxis"]["title"]["text"], layout["yaxis"]["title"]["text"]) == ("PC 1", "PC 2")

    # A 2-D autoencoder loaded from a file is the most recent one now: it is explored.
    at.switch_page(PAGES[0]).run()
    ae = cache.get_model(catalog.model_config("ae", epochs=3, random_state=3))
    at.file_uploader(key="train_upload").upload("ae2d.npz", model_to_bytes(ae)).run()
    at.switch_page(PAGES[1]).run()
    assert not at.warning
    assert "Your autoencoder: uploaded file ae2d.npz" in shown(at.info[0].value)
    assert component_data(at, "latent_explorer")["maps"][0]["title"] == "Your AE latent space"


# ----------------------------------------------------------------------------- more of each page
def test_training_page_flags_collapsed_latent_dimensions():
    collapsed = cache.sweep_model(8.0, False)  # the β = 8 model of the sweep keeps ~0 nats
    at = open_page(PAGES[0])
    assert not at.warning
    at.file_uploader(key="train_upload").upload("beta8.npz", model_to_bytes(collapsed)).run()
    assert "Posterior collapse" in shown(at.warning[0].value) and "z1, z2" in shown(at.warning[0].value)


def test_interpolation_picks_an_example_warns_on_identical_ends_and_takes_drawings():
    at = open_page(PAGES[3], params={"interp_class_a": "7", "interp_class_b": "7"})
    assert "same image" in at.warning[0].value  # both ends are the first 7
    at = open_page(PAGES[3], params={"interp_class_a": "7", "interp_class_b": "7", "interp_pick_b": "4"})
    assert not at.warning
    assert "held-out #" in at.markdown[1].value and heatmap_z(at, "interp_ends_chart")
    drawn = "0" * 20 + "g" * 8 + "0" * 36
    at = open_page(PAGES[3], params={"interp_mode": "drawn by you", "interp_draw_b": drawn})
    assert not at.exception
    assert "From your first drawing to your second drawing." in [m.value for m in at.main.markdown]
    to_image = np.asarray(heatmap_z(at, "interp_ends_chart")[0])[9:17]
    assert np.nanmax(to_image[2]) == 1.0 and np.nanmax(to_image[0]) == 0.0  # the drawn row of ink


def test_claims_page_lists_measured_verdicts_for_the_models_in_view():
    at = open_page(PAGES[5])
    text = "\n".join(m.value for m in at.markdown)
    badges = (":red-badge[does not hold]", ":green-badge[holds]", ":orange-badge[depends]")
    assert all(badge in text for badge in badges)
    assert "Autoencoders & VAEs from Scratch" in text  # the post, named
    # Comparisons over seeds: each card with its figures ± and n, and its rule.
    assert "Lower temperature gives safer" in text and "(n = 5)" in text and "*Rule:* Read two ways" in text
    assert "Trained with the post's own recipe" in text
    own = open_page()
    train_in_session(own, "vae", latent_dim=2, epochs=6)
    own.switch_page(PAGES[5]).run()
    own.radio(key="explore_models").set_value("trained").run()
    mine = "\n".join(m.value for m in own.markdown)
    assert "AE and Your VAE, the models in view" in own.caption[0].value
    # A VAE like the post's is judged against its printed figure, in a sentence that reads right.
    assert "Your VAE, a model like it: held-out −ELBO" in mine and "The Your" not in mine and mine != text


def test_latent_holes_toggle_shades_each_map_and_states_the_shares():
    at = open_page(PAGES[1])
    assert all("holes" not in m for m in component_data(at, "latent_explorer")["maps"])
    at.toggle(key="latent_holes").set_value(True).run()
    ae_map, vae_map = component_data(at, "latent_explorer")["maps"]
    assert len(ae_map["holes"]["mask"]) == 40 and ae_map["holes"]["share"] > vae_map["holes"]["share"]
    said = f"Off the data: {ae_map['holes']['share']:.0%} of the AE map and {vae_map['holes']['share']:.0%}"
    assert any(c.value.startswith(said) for c in at.caption)
    assert any("garbage" in m.value for m in at.markdown)


def test_continue_and_step_train_the_model_on_view_further():
    at = open_page(PAGES[0])
    at.number_input(key="train_epochs").set_value(6)
    at.number_input(key="train_seed").set_value(21)
    finish_training(at.button(key="train_submit_button").click().run())
    assert "6 epochs" in at.caption[0].value
    finish_training(at.button(key="train_step_button").click().run())
    assert "7 epochs" in at.caption[0].value and "continued" in at.caption[0].value
    at.number_input(key="train_more").set_value(3).run()
    finish_training(at.button(key="train_continue_button").click().run())
    assert "10 epochs" in at.caption[0].value
    assert len(chart(at, "train_loss_chart")["data"][0]["x"]) == 10
    # Continuing gave the weights of one 10-epoch run: the same figures as training it at once.
    straight = open_page(PAGES[0], params={"train_epochs": "10", "train_seed": "21"})
    finish_training(straight.button(key="train_submit_button").click().run())
    assert chart(straight, "train_loss_chart")["data"] == chart(at, "train_loss_chart")["data"]


def test_continuing_a_shipped_model_trains_the_longer_run():
    at = open_page(PAGES[0])
    at.number_input(key="train_more").set_value(5).run()
    finish_training(at.button(key="train_continue_button").click().run())
    assert not at.error and "305 epochs" in at.caption[0].value


def test_a_training_that_ends_while_the_user_is_elsewhere_is_picked_up():
    at = open_page(PAGES[0], params={"train_epochs": "40", "train_seed": "23", "train_kind": "ae",
                                    "train_recipe": "blog", "train_batch_size": "1",
                                    "train_optimizer": "sgd", "train_learning_rate": "0.005"})
    at.button(key="train_submit_button").click().run()
    assert any(m.value.startswith("**Training:**") for m in at.markdown)
    at.switch_page(PAGES[4]).run()  # the gallery, while it trains
    job = at.session_state["train_job"]
    job.stop()
    deadline = time.monotonic() + 60
    while job.active:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    at.run()  # any page picks the result up...
    at.switch_page(PAGES[0]).run()  # ...and the training page says what happened
    assert "Stopped after epoch" in at.info[0].value
    assert "epochs · sgd" in at.caption[0].value and "stopped" in at.caption[0].value


def test_an_uploaded_model_for_other_images_is_refused_and_its_name_shown_as_text():
    from vae_core import make_model

    other = make_model("ae", input_dim=100, epochs=1).fit(np.random.default_rng(0).uniform(size=(50, 100)))
    at = open_page(PAGES[0])
    before = at.caption[0].value
    name = "![x](http://example.com/x.png) :red[100].npz"
    at.file_uploader(key="train_upload").upload(name, model_to_bytes(other)).run()
    error = at.error[0].value
    assert "images of 100 pixels" in shown(error) and "8 × 8" in shown(error)
    assert "![x](" not in error and ":red[" not in error  # escaped: shown as typed, never rendered
    assert name in shown(error)
    assert at.caption[0].value == before  # the model on view is kept
