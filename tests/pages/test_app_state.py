"""Page state in a running app (AppTest): settings survive page switches, dropped widget state,
a new session opened from the URL, and bad values; nothing a page keeps depends on widget state.

Streamlit drops the state of widgets a run does not draw. A fragment rerun does it to the widgets
of other pages (the latent explorer and the snapshot scrubber are fragments), and a new session
after a server restart starts with none. AppTest cannot run a fragment alone, so these tests drop
that widget state by hand, exactly as such a run leaves it; the browser tests
(``tests/e2e/test_page_state.py``) walk the real thing.
"""

import base64
import time

import numpy as np

from latent_lab.images.dataset import digits_dataset
from latent_lab.models import replay
from latent_lab.state.settings import SETTINGS
from tests.pages.app_helpers import PAGES, chart, component_data, finish_training, open_page, shown, training

TRAINING, LATENT, BETA, INTERP, GALLERY, CLAIMS = PAGES
# The keys of every widget that holds a setting; other session values are not widget state.
WIDGET_KEYS = [key for key, setting in SETTINGS.items() if setting.widget]


def drop_widget_state(at, keep_prefix):
    """Forget the widget state of other pages' settings, as a fragment run on this page does.

    The widgets this page draws (its own, and the sidebar's shared ``explore_`` radio) stay.
    """
    for key in WIDGET_KEYS:
        if not key.startswith((keep_prefix, "explore_")) and key in at.session_state:
            del at.session_state[key]


def test_training_page_survives_a_click_elsewhere():
    at = open_page(TRAINING)
    at.switch_page(LATENT).run()
    at.number_input(key="latent_digit").set_value(5).run()  # in the latent page's fragment
    drop_widget_state(at, "latent_")
    at.switch_page(TRAINING).run()
    assert not at.exception, at.exception  # was: st.session_state has no attribute "train_snapshot"
    assert "epoch 300" in chart(at, "train_snapshot_chart")["layout"]["title"]["text"]
    at.switch_page(TRAINING).run()  # and on every later visit
    assert not at.exception


def test_settings_survive_a_fragment_run_on_another_page():
    at = open_page(GALLERY)
    at.slider(key="gen_temperature").set_value(1.3).run()
    at.switch_page(LATENT).run()
    at.number_input(key="latent_digit").set_value(5).run()
    drop_widget_state(at, "latent_")
    at.switch_page(GALLERY).run()
    assert at.slider(key="gen_temperature").value == 1.3  # was: back at 1.0
    assert "N(0, 1.3²·I)" in at.caption[0].value
    at.switch_page(LATENT).run()
    assert at.number_input(key="latent_digit").value == 5


def test_the_snapshot_on_view_survives_a_fragment_run_and_a_new_model():
    at = open_page(TRAINING)
    epoch = at.select_slider(key="train_snapshot").options[9]  # a snapshot mid-training
    at.select_slider(key="train_snapshot").set_value(int(epoch)).run()
    at.switch_page(LATENT).run()
    at.number_input(key="latent_digit").set_value(5).run()
    drop_widget_state(at, "latent_")
    at.switch_page(TRAINING).run()
    assert at.select_slider(key="train_snapshot").value == int(epoch)
    # A newly trained model opens on its own last snapshot.
    at.number_input(key="train_epochs").set_value(12)
    finish_training(at.button(key="train_submit_button").click().run())
    assert not at.exception and not at.error
    assert at.select_slider(key="train_snapshot").value == 12


def test_every_moved_setting_survives_a_tour_of_the_pages():
    at = open_page(BETA)
    at.select_slider(key="beta_beta").set_value(4.0).run()
    at.toggle(key="beta_warmup").set_value(True).run()
    at.switch_page(INTERP).run()
    at.slider(key="interp_steps").set_value(5).run()
    at.selectbox(key="interp_class_b").set_value(1).run()
    at.switch_page(LATENT).run()
    at.toggle(key="latent_manifold").set_value(True).run()
    at.slider(key="latent_manifold_n").set_value(8).run()
    at.switch_page(GALLERY).run()
    at.radio(key="gen_kind").set_value("ae").run()
    at.select_slider(key="gen_n").set_value(16).run()
    at.button(key="gen_reseed_button").click().run()
    for page in (LATENT, BETA, GALLERY, INTERP, TRAINING, BETA):
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
    at.switch_page(BETA).run()
    assert at.select_slider(key="beta_beta").value == 4.0 and at.toggle(key="beta_warmup").value
    at.switch_page(INTERP).run()
    assert at.slider(key="interp_steps").value == 5 and at.selectbox(key="interp_class_b").value == 1
    at.switch_page(LATENT).run()
    assert at.toggle(key="latent_manifold").value and at.slider(key="latent_manifold_n").value == 8
    at.switch_page(GALLERY).run()
    assert at.radio(key="gen_kind").value == "ae" and at.select_slider(key="gen_n").value == 16
    assert "seed 1" in at.caption[0].value


def test_a_new_session_opens_from_the_url_where_the_last_one_was():
    # A server restart leaves the tab open on the same URL, as does a link sent to someone.
    at = open_page(GALLERY)
    at.slider(key="gen_temperature").set_value(1.9).run()
    at.button(key="gen_reseed_button").click().run()
    at.switch_page(BETA).run()
    at.select_slider(key="beta_beta").set_value(0.5).run()
    url = dict(at.query_params)
    assert url == {"beta_beta": "0.5", "gen_temperature": "1.9", "gen_seed": "1"}

    again = open_page(BETA, params=url)  # a new session: no widget state at all
    assert not again.warning
    assert again.select_slider(key="beta_beta").value == 0.5
    again.switch_page(GALLERY).run()
    assert again.slider(key="gen_temperature").value == 1.9
    assert "seed 1" in again.caption[0].value
    # The first change in the new session is kept, and the one after it.
    again.slider(key="gen_temperature").set_value(2.0).run()
    again.slider(key="gen_temperature").set_value(2.1).run()
    assert again.slider(key="gen_temperature").value == 2.1
    assert again.query_params["gen_temperature"] == "2.1"


def test_page_links_carry_the_settings():
    at = open_page(GALLERY)
    at.slider(key="gen_temperature").set_value(0.7).run()
    links = at.sidebar.get("page_link")
    assert links and all(link.proto.query_string == "gen_temperature=0.7" for link in links)


def test_a_hostile_link_falls_back_to_defaults_with_a_notice():
    at = open_page(GALLERY, params={
        "gen_temperature": "NaN", "gen_n": "1000000000", "train_epochs": "1e9",
        "script": "<script>alert(1)</script>", "latent_z": "![x](http://example.com/x.png)",
        "beta_beta": "4",
    })
    assert not at.exception
    notice = at.warning[0].value
    assert "could not be used" in notice
    for name in ("gen_temperature", "gen_n", "train_epochs", "script", "latent_z"):
        assert name.replace("_", "\\_") in notice
    assert "![x]" not in notice and "<script>" not in notice  # shown as text, never as Markdown
    assert at.slider(key="gen_temperature").value == 1.0
    assert at.select_slider(key="gen_n").value == 36
    assert dict(at.query_params) == {"beta_beta": "4"}  # what could be used stays in the URL
    at.switch_page(BETA).run()
    assert at.select_slider(key="beta_beta").value == 4.0
    assert not at.warning or "could not be used" not in at.warning[0].value  # said once


def test_a_number_out_of_range_is_named_on_the_page():
    at = open_page(TRAINING)
    before = at.caption[0].value
    at.number_input(key="train_epochs").set_value(5000)
    finish_training(at.button(key="train_submit_button").click().run())
    assert not at.exception
    error = shown(at.error[0].value)
    assert "Not trained" in error and "Epochs" in error and "1 to 1000" in error and "5000" in error
    assert at.caption[0].value == before  # the model on view is kept
    at.number_input(key="train_learning_rate").set_value(0.0)
    at.number_input(key="train_epochs").set_value(4)
    finish_training(at.button(key="train_submit_button").click().run())
    assert "Learning rate" in shown(at.error[0].value)


def test_choosing_the_blog_recipe_sets_every_setting_of_the_post():
    at = open_page(TRAINING)
    at.number_input(key="train_beta").set_value(4.0)
    at.number_input(key="train_kl_warmup").set_value(20)
    finish_training(at.button(key="train_submit_button").click().run())  # submitted, not trained: warm-up > 0 is fine
    at.radio(key="train_recipe").set_value("blog").run()
    values = {key: at.number_input(key=key).value for key in
              ("train_beta", "train_kl_warmup", "train_epochs", "train_batch_size",
               "train_learning_rate")}
    assert values == {"train_beta": 1.0, "train_kl_warmup": 0, "train_epochs": 300,
                      "train_batch_size": 1, "train_learning_rate": 0.003}
    assert at.selectbox(key="train_optimizer").value == "sgd"


def test_latent_pin_and_digit_round_trip_through_the_url():
    at = open_page(LATENT, params={"latent_z": "-2.5,1.25", "latent_z_from": "AE"})
    at.number_input(key="latent_digit").set_value(42).run()
    assert dict(at.query_params) == {"latent_z": "-2.5,1.25", "latent_z_from": "AE",
                                     "latent_digit": "42"}
    again = open_page(LATENT, params=dict(at.query_params))
    data = component_data(again, "latent_explorer")
    assert data["pinned"] == [-2.5, 1.25]
    assert data["posterior"] == component_data(at, "latent_explorer")["posterior"]


def test_a_trained_model_travels_by_its_recipe_in_the_link():
    at = open_page(TRAINING, params={"train_epochs": "12", "train_seed": "5"})
    finish_training(at.button(key="train_submit_button").click().run())
    at.switch_page(GALLERY).run()
    at.radio(key="explore_models").set_value("trained").run()
    url = dict(at.query_params)
    assert url["train_view"] == url["explore_vae"] == "vae_fast_2_32_1.0_0_12_128_adam_0.01_5"

    other = open_page(GALLERY, params=url)  # a fresh browser on the copied link
    assert other.caption[0].value == at.caption[0].value  # the same samples of the same model
    assert chart(other, "gen_gallery_chart") == chart(at, "gen_gallery_chart")
    other.switch_page(TRAINING).run()
    finish_training(other)
    at.switch_page(TRAINING).run()
    assert "12 epochs · adam lr 0.01 · batch 128 · seed 5 (from the link" in other.caption[0].value
    assert chart(other, "train_loss_chart") == chart(at, "train_loss_chart")


def test_a_link_asking_for_too_much_work_is_refused_with_a_notice():
    at = open_page(TRAINING, params={"train_view": "vae_blog_16_256_1.0_0_999999_1_sgd_0.003_0",
                                     "explore_ae": "vae_fast_2_32_1.0_0_300_128_adam_0.01_0"})
    assert not at.exception and not any(m.value.startswith("**Training:**") for m in at.markdown)
    notice = shown(at.warning[0].value)
    assert "train_view" in notice and "from 1 to 1000" in notice
    assert "explore_ae" in notice and "expected a 2-D AE" in notice
    assert at.caption[0].value.startswith("Showing: VAE") and "shipped default" in at.caption[0].value


def _csv_of_images(n=200, side=12, seed=0):
    """A labelled CSV of ``n`` random ``side`` × ``side`` images (0..255 pixels)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 4, size=n)
    pixels = rng.integers(0, 256, size=(n, side * side))
    pixels[:, : side * 2] = labels[:, None] * 60  # something a model can learn per class
    header = "label," + ",".join(f"p{i}" for i in range(side * side))
    rows = [",".join(map(str, [label, *row])) for label, row in zip(labels, pixels, strict=True)]
    return ("\n".join([header, *rows]) + "\n").encode()


def test_own_images_are_trained_on_and_every_page_works_on_them():
    at = open_page(TRAINING, params={"train_epochs": "20"})
    at.file_uploader(key="train_data_upload").upload("mine.csv", _csv_of_images()).run()
    assert not at.exception and not at.error
    assert "Loaded your 200 images of 12×12, labelled" in at.info[0].value
    finish_training(at.button(key="train_submit_button").click().run())
    assert not at.error and "on your 200 images of 12×12" in at.caption[0].value
    assert at.session_state["train_model"].input_dim == 144
    for page in (LATENT, INTERP, GALLERY, BETA, CLAIMS):
        at.switch_page(page).run()
        # The default AE of the upload trains in the trainer, not in the page: the page says so
        # and draws the maps once it is ready.
        deadline = time.monotonic() + 120
        while at.info and "being trained first" in at.info[0].value and time.monotonic() < deadline:
            time.sleep(0.5)
            at.run()
        assert not at.exception, (page, at.exception)
        assert "your 200 images" in at.info[0].value, page
    at.switch_page(LATENT).run()
    maps = component_data(at, "latent_explorer")["maps"]
    assert component_data(at, "latent_explorer")["side"] == 12 and len(maps[0]["x"]) == 200
    at.switch_page(INTERP).run()
    assert at.radio(key="interp_mode").options == ["by class", "by index", "at random", "drawn by you"]


def test_bad_data_is_refused_with_what_to_fix_and_nothing_is_lost():
    at = open_page(TRAINING)
    before = at.caption[0].value
    ragged = b"1,2,3,4\n1,2,3\n" * 40
    at.file_uploader(key="train_data_upload").upload("bad.csv", ragged).run()
    error = shown(at.error[0].value)
    assert "Could not use that data" in error and "Nothing was changed" in error
    assert at.caption[0].value == before and "train_data_upload" in at.session_state
    assert "dataset" not in at.session_state


# ----------------------------------------------------------------------------- the training form
# Settings no other test trains (a config trained once is cached for the whole process, and
# these tests need a background job).
CHOSEN = {"train_beta": 2.0, "train_epochs": 150, "train_seed": 5, "train_latent_dim": 8}


def form(at, keys=CHOSEN):
    return {key: at.number_input(key=key).value for key in keys}


def test_the_form_keeps_what_was_trained_through_the_job_and_after_it():
    at = open_page(TRAINING)
    for key, value in CHOSEN.items():
        at.number_input(key=key).set_value(value)
    at.button(key="train_submit_button").click().run()
    assert "train_job" in at.session_state, "this config was cached already: the test needs a job"
    assert form(at) == CHOSEN  # was: β 1, 300 epochs, seed 0, latent 2 while the job ran
    finish_training(at)
    caption = at.caption[0].value
    assert "β 2 · warm-up 0 epochs · latent 8" in caption and "150 epochs" in caption and "seed 5" in caption
    assert form(at) == CHOSEN
    assert {key: at.query_params[key] for key in CHOSEN} == {
        "train_beta": "2.0", "train_epochs": "150", "train_seed": "5", "train_latent_dim": "8"}
    at.button(key="train_submit_button").click().run()  # Train again: the same model, not the defaults
    assert "train_job" not in at.session_state  # cached: replayed at the pace, not trained again
    assert finish_training(at).caption[0].value.startswith(caption.split(" (")[0])
    at.switch_page(GALLERY).run()
    at.switch_page(TRAINING).run()
    assert form(at) == CHOSEN


def test_stop_keeps_the_form_and_puts_the_results_first():
    at = open_page(TRAINING)
    chosen = {"train_beta": 2.0, "train_epochs": 1000, "train_batch_size": 16, "train_seed": 6}
    for key, value in chosen.items():
        at.number_input(key=key).set_value(value)
    at.button(key="train_submit_button").click().run()
    assert training(at) and not at.expander[0].proto.expanded  # the settings fold while it trains
    finish_training(at.button(key="train_stop_button").click().run())
    assert "Stopped after epoch" in at.info[0].value
    assert form(at, chosen) == chosen  # was: back at the defaults
    # The results come first: the settings stay folded (on a phone they are 2,000 px tall).
    assert not at.expander[0].proto.expanded  # was: open again
    at.switch_page(LATENT).run()
    at.switch_page(TRAINING).run()
    assert not at.expander[0].proto.expanded and form(at, chosen) == chosen
    # Opened by hand, they fold again for the next training, and stay folded after it.
    at.session_state["train_settings"] = True
    assert at.run().expander[0].proto.expanded
    finish_training(at.button(key="train_step_button").click().run())
    assert "continued" in at.caption[0].value and not at.expander[0].proto.expanded


def test_a_links_snapshot_epoch_is_shown_when_the_model_on_view_has_it():
    at = open_page(TRAINING, params={"train_snapshot": "145"})  # a snapshot of the shipped VAE
    assert at.select_slider(key="train_snapshot").value == 145
    assert at.query_params["train_snapshot"] == "145"
    # An epoch the model has no snapshot at shows its last, and the link stops naming one.
    other = open_page(TRAINING, params={"train_snapshot": "150"})
    assert other.select_slider(key="train_snapshot").value == 300
    assert "train_snapshot" not in other.query_params  # was: rewritten to train_snapshot=300
    other.run()
    assert "train_snapshot" not in other.query_params


def test_a_links_snapshot_epoch_waits_for_the_links_model():
    view = "vae_fast_8_32_2.0_0_150_128_adam_0.01_7"  # trained by the link (seed 7: not cached)
    at = open_page(TRAINING, params={"train_view": view, "train_snapshot": "72"})
    assert training(at)
    finish_training(at)
    assert at.select_slider(key="train_snapshot").value == 72
    assert at.query_params["train_snapshot"] == "72"


def test_the_snapshot_on_view_belongs_to_the_models_content_not_the_object():
    at = open_page(TRAINING)
    at.select_slider(key="train_snapshot").set_value(145).run()
    # The same model as another object (a cache refill, a copy): the same view.
    at.session_state["train_model"] = at.session_state["train_model"].copy()
    at.run()
    assert at.select_slider(key="train_snapshot").value == 145  # was: back at 300
    assert chart(at, "train_snapshot_chart")["layout"]["title"]["text"].endswith("epoch 145")


def test_a_link_does_not_name_the_last_snapshot_while_a_model_trains():
    at = open_page(TRAINING)
    at.number_input(key="train_epochs").set_value(140)
    at.number_input(key="train_seed").set_value(8)
    at.button(key="train_submit_button").click().run()
    assert training(at)
    assert "train_snapshot" not in at.query_params  # was: train_snapshot=300, the old model's last
    finish_training(at)
    assert at.select_slider(key="train_snapshot").value == 140 and "train_snapshot" not in at.query_params


# ----------------------------------------------------------------------------- training at a pace
def numbers(values) -> np.ndarray:
    """A chart's array, as Plotly sends it (a list, or typed binary data)."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
    return np.asarray(values, dtype=float)


def replaying(at) -> str | None:
    """The line over the training page's replay of a run, or None when it replays nothing."""
    return next((m.value for m in at.markdown if m.value.startswith("**Replaying:**")), None)


def test_train_at_a_pace_replays_the_run_and_stop_shows_the_model_of_the_epoch_reached(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(replay, "now", lambda: now[0])  # the replay's clock, moved by hand
    chosen = {"train_epochs": 100, "train_seed": 17}  # not cached: trained by a job, then replayed
    at = open_page(TRAINING, params={"train_pace": "10"})
    for key, value in chosen.items():
        at.number_input(key=key).set_value(value)
    at.button(key="train_submit_button").click().run()
    deadline = time.monotonic() + 120
    while any(m.value.startswith("**Training:**") for m in at.markdown):
        assert time.monotonic() < deadline
        time.sleep(0.05)
        at.run()
    assert replaying(at), "a fast run is replayed at 10 epochs per second"
    run = at.session_state["train_model"]
    assert run.epochs == 100 and at.select_slider(key="train_pace").value == 10
    now[0] += 4.2  # epoch 42
    at.run()
    assert at.get("progress")[0].proto.text.startswith("epoch 42/100")
    # The charts show the run as it was at its latest snapshot: the losses so far, and the map.
    snapshot = max(int(e) for e in run.snapshot_epochs_ if e <= 42)
    assert chart(at, "train_live_loss_chart")["data"][0]["x"] == list(range(1, snapshot + 1))
    drawn = chart(at, "train_live_map_chart")
    assert drawn["layout"]["title"]["text"].endswith(f"epoch {snapshot}")
    codes = run.latent_snapshots_[list(run.snapshot_epochs_).index(snapshot)]  # the map of that epoch
    threes = digits_dataset().split.y_test == 3
    np.testing.assert_allclose(numbers(drawn["data"][3]["x"]), codes[threes, 0], rtol=1e-6)

    finish_training(at.button(key="train_stop_button").click().run())
    model = at.session_state["train_model"]
    assert model.epochs == 42 and at.info[0].value.startswith("Stopped at epoch 42 of 100.")
    assert "· 42 epochs ·" in at.caption[0].value and "stopped at epoch 42 of 100" in at.caption[0].value
    # The model on view is the one the replay showed at epoch 42: the run's first 42 epochs.
    np.testing.assert_allclose(model.history_["val_loss"], run.history_["val_loss"][:42], rtol=1e-9)
    assert form(at, chosen) == chosen and at.query_params["train_epochs"] == "100"

    # Continue resumes the run: its own model (cached), replayed from epoch 42.
    assert at.button(key="train_continue_button").label == "Continue to epoch 100"
    at.button(key="train_continue_button").click().run()
    assert replaying(at) and at.get("progress")[0].proto.text.startswith("epoch 42/100")
    assert finish_training(at).session_state["train_model"] is run


def test_the_blog_recipes_stored_model_is_replayed_and_the_pace_lives_in_the_link():
    at = open_page(TRAINING)
    at.radio(key="train_recipe").set_value("blog").run()
    at.button(key="train_submit_button").click().run()
    assert replaying(at) and "train_job" not in at.session_state  # was: shown at once
    assert "300 epochs · sgd lr 0.003 · batch 1" in replaying(at)
    at.select_slider(key="train_pace").set_value(0).run()  # "as it trains": the replay ends
    assert not training(at) and "300 epochs · sgd" in at.caption[0].value
    assert at.query_params["train_pace"] == "0"
    again = open_page(TRAINING, params=dict(at.query_params))
    assert again.select_slider(key="train_pace").value == 0
