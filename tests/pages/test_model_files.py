"""Any model file the engine writes shows on every page that shows a visitor's models, without raising."""

from types import SimpleNamespace

import pytest
from streamlit.testing.v1 import AppTest

from latent_lab.images.dataset import digits_dataset
from latent_lab.models import uploaded
from tests.pages.app_helpers import APP
from vae_core import make_model, model_to_bytes


def _no_held_out(split):
    return make_model("vae", epochs=3).fit(split.X_train)


def _1d_ae_of_100(split):
    return make_model("ae", epochs=3, latent_dim=1).fit(split.X_train, split.X_test[:100])


def _16d_without_codes(split):
    model = make_model("vae", epochs=3, latent_dim=16).fit(split.X_train, split.X_test)
    model.latent_snapshots_ = model.latent_snapshots_[:, :0]
    return model


# Each loaded, then the training page raised: it drew the snapshots in the 360 held-out digits' colours.
FILES = {"no held-out images": _no_held_out, "a 1-D AE of 100 held-out images": _1d_ae_of_100,
         "16-D snapshots of no images": _16d_without_codes}
# Every file on the training page (it draws their snapshots); one on each page that shows the
# session's own models (the one without held-out images: the pages read held-out histories).
CASES = [(name, "pages/1_Training_dynamics.py") for name in FILES] + [
    ("no held-out images", page) for page in ("pages/2_Latent_space.py", "pages/4_Interpolation.py",
                                              "pages/5_Generation_gallery.py", "pages/6_Claims.py")]


@pytest.fixture(scope="module")
def model_files():
    split = digits_dataset().split
    return {name: model_to_bytes(make(split)) for name, make in FILES.items()}


@pytest.mark.parametrize(("name", "page"), CASES)
def test_an_uploaded_model_file_shows_on_the_page(model_files, name, page):
    state = {}
    uploaded.model_file(state, SimpleNamespace(name="model.npz", getvalue=lambda: model_files[name]))
    assert state["train_error"] is None
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["explore_models"] = "trained"  # the exploring pages show the session's own models
    at.switch_page(page)
    at.run()
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
