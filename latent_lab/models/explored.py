"""Which models the exploring pages show: the shipped defaults, or the session's own.

The pages that explore a latent space (latent space, interpolation, generation) draw 2-D maps, so
"my trained models" takes the session's most recent AE and VAE with a 2-D latent space, and the
shipped default of a kind the session has none of, with a note saying which is which and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from latent_lab.drawing import ui
from latent_lab.images.dataset import Dataset, active, digits_dataset
from latent_lab.models import cache, catalog, training
from latent_lab.models.catalog import KINDS, describe
from latent_lab.state import page_state
from latent_lab.state.settings import EXPLORE_OPTIONS


@dataclass(frozen=True)
class Explored:
    """The autoencoder and VAE a page explores, with a cache key and a display name for each."""

    ae: object
    vae: object
    tokens: tuple[str, str]  # (AE, VAE): "default", or the id of a session's own model
    names: tuple[str, str]  # (AE, VAE): "AE" / "VAE", or "Your AE" / "Your VAE"
    dataset: Dataset = field(default_factory=digits_dataset)  # what both were trained on

    def model(self, kind: str):
        return self.ae if kind == "ae" else self.vae

    def is_own(self, kind: str) -> bool:
        """Whether the model of ``kind`` is the session's own rather than a shipped default."""
        return self.tokens[kind == "vae"] != "default"


def explored_models() -> Explored:
    """The sidebar choice "Models to explore" and the models it picks.

    "my trained models" takes the session's most recent trained or loaded AE and VAE with a
    2-D latent space, and the shipped default of a kind it has none of; a note under the page's
    introduction says which model is which, and why a default stands in.
    """
    choice = page_state.widget(st.sidebar.radio, "Models to explore", list(EXPLORE_OPTIONS),
                          format_func=EXPLORE_OPTIONS.get, key="explore_models",
                          help="Models you train or load on the Training dynamics page can be "
                               "explored here too; each needs a 2-D latent space.")
    dataset = active(st.session_state)
    if not dataset.is_digits:
        return _explored_on_upload(dataset)
    default_ae, default_vae = cache.default_models()
    if choice == "default":
        return Explored(default_ae, default_vae, ("default", "default"),
                        (KINDS["ae"].short, KINDS["vae"].short))
    _models_from_link()
    chosen, notes = choose_explored(*_own_models(dataset))
    text = "\n".join(f"- {ui.plain(note)}" for note in notes)  # notes quote file names
    if any("can't be drawn" in note for note in notes):
        st.warning(text)
    else:
        st.info(text)
    picked = []
    for kind, default in (("ae", default_ae), ("vae", default_vae)):
        name = KINDS[kind].short
        entry = chosen[kind]
        picked.append((default, "default", name) if entry is None else
                      (entry["model"], entry["token"], f"Your {name}"))
    (ae, ae_token, ae_name), (vae, vae_token, vae_name) = picked
    return Explored(ae, vae, (ae_token, vae_token), (ae_name, vae_name))


def _own_models(dataset: Dataset) -> tuple[dict, dict]:
    """The session's latest models, and latest 2-D models, trained on ``dataset``, by kind."""
    return tuple({kind: entry for kind, entry in st.session_state.get(key, {}).items()
                  if entry["dataset"].token == dataset.token}
                 for key in ("user_models_latest", "user_models_2d"))


def _explored_on_upload(dataset: Dataset) -> Explored:
    """The session's own models of its uploaded images; a kind it has none of gets the default
    recipe trained on them (once, cached)."""
    _, own_2d = _own_models(dataset)
    picked, notes = [], []
    for kind in ("ae", "vae"):
        entry = own_2d.get(kind)
        if entry is None:
            config = catalog.model_config(kind, input_dim=dataset.n_pixels)
            with st.spinner(f"Training the default {KINDS[kind].noun} on {dataset.name} (once)…"):
                model = cache.get_model(config, dataset=dataset)
            token = f"auto-{dataset.token}-{kind}"
            notes.append(f"No 2-D {KINDS[kind].noun} of your images yet: showing the default one "
                         f"({describe(config)}), trained on them.")
        else:
            model, token = entry["model"], entry["token"]
            notes.append(f"Your {KINDS[kind].noun}: {entry['source']}.")
        picked.append((model, token, f"Your {KINDS[kind].short}"))
    st.info(f"You are working on {dataset.name}; these pages show models trained on them.\n"
            + "\n".join(f"- {ui.plain(note)}" for note in notes))
    (ae, ae_token, ae_name), (vae, vae_token, vae_name) = picked
    return Explored(ae, vae, (ae_token, vae_token), (ae_name, vae_name), dataset)


def _models_from_link() -> None:
    """Train (or take from the cache) the models a link named for "my trained models"."""
    pending = st.session_state.get("explore_pending") or {}
    for kind, config in list(pending.items()):
        if kind not in st.session_state.get("user_models_2d", {}):
            with st.spinner(f"Training the {KINDS[kind].noun} from the link (once; it is then cached)…"):
                model = cache.get_model(config)
            training.remember_model(st.session_state, model,
                                            f"from the link, {describe(config)}")
        del pending[kind]


def choose_explored(latest: dict, latest_2d: dict) -> tuple[dict, list[str]]:
    """Which of a session's own models the exploring pages show, and what to tell the user.

    ``latest`` and ``latest_2d`` map a kind (``"ae"``, ``"vae"``) to the session's most recent
    trained or loaded model of that kind, and to its most recent one with a 2-D latent space;
    each entry is a dict with ``model``, ``source`` and ``token`` (a cache key). Returns the
    chosen entry per kind (``None``: use the shipped default) and one note per kind saying why.
    """
    chosen, notes = {}, []
    for kind in ("ae", "vae"):
        name = KINDS[kind].noun
        last, last_2d = latest.get(kind), latest_2d.get(kind)
        chosen[kind] = last_2d
        if last is None:
            notes.append(f"No {name} trained or loaded in this session yet: showing the shipped "
                         f"default {name}.")
            continue
        if last is last_2d:
            notes.append(f"Your {name}: {last['source']}.")
            continue
        dim = last["model"].latent_dim
        fallback = (f"your most recent 2-D {name} ({last_2d['source']})" if last_2d else
                    f"the shipped default {name}; train one with latent size 2 to explore it here")
        notes.append(f"Your latest {name} has a {dim}-D latent space, which can't be drawn on "
                     f"these 2-D maps: showing {fallback}.")
    return chosen, notes
