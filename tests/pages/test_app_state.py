"""Page state in a running app (AppTest): settings survive page switches, dropped widget state,
a new session opened from the URL, and bad values; nothing a page keeps depends on widget state.

Streamlit drops the state of widgets a run does not draw. A fragment rerun does it to the widgets
of other pages (the latent explorer and the snapshot scrubber are fragments), and a new session
after a server restart starts with none. AppTest cannot run a fragment alone, so these tests drop
that widget state by hand, exactly as such a run leaves it; the browser tests
(``tests/e2e/test_page_state.py``) walk the real thing.
"""

import numpy as np

from latent_lab.state.settings import SETTINGS
from tests.pages.app_helpers import PAGES, chart, component_data, finish_training, open_page, shown

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
