"""Which models the exploring pages show: the shipped defaults, or the session's own.

The pages that explore a latent space (latent space, interpolation, generation) draw 2-D maps, so
"my trained models" takes the session's most recent AE and VAE with a 2-D latent space, and the
shipped default of a kind the session has none of, with a note saying which is which and why.

Models that must be trained first (a link's ``explore_ae`` / ``explore_vae``, the default models of
an uploaded dataset) are trained by the process's one trainer, never in the page's thread: the
page shows their progress (:func:`wait_for`), which redraws itself, and draws the maps once they
are ready. A training that diverged is said once and not retried (the trainer remembers it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from latent_lab.drawing import ui
from latent_lab.images.dataset import Dataset, active, digits_dataset
from latent_lab.models import cache, catalog, jobs, training
from latent_lab.models.catalog import KINDS, describe
from latent_lab.models.limits import LIMITS, affordable_epochs
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


def explored_models(any_latent: bool = False) -> Explored:
    """The sidebar choice "Models to explore" and the models it picks.

    "my trained models" takes the session's most recent trained or loaded AE and VAE with a
    2-D latent space, and the shipped default of a kind it has none of; a note under the page's
    introduction says which model is which, and why a default stands in. With ``any_latent``
    (a page that needs no 2-D map: interpolation draws codes of any size on their main axes) it
    takes the most recent of any latent size.
    """
    choice = page_state.widget(st.sidebar.radio, "Models to explore", list(EXPLORE_OPTIONS),
                          format_func=EXPLORE_OPTIONS.get, key="explore_models",
                          help="Models you train or load on the Training dynamics page can be "
                               "explored here too; the latent map needs a 2-D code, interpolation "
                               "and the gallery take any size.")
    dataset = active(st.session_state)
    if not dataset.is_digits:
        return _explored_on_upload(dataset, any_latent)
    default_ae, default_vae = cache.default_models()
    if choice == "default":
        return Explored(default_ae, default_vae, ("default", "default"),
                        (KINDS["ae"].short, KINDS["vae"].short))
    _models_from_link()
    latest, latest_2d = _own_models(dataset)
    chosen, notes = choose_explored(latest, latest if any_latent else latest_2d)
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
                      (entry["model"], _token(entry["model"]), f"Your {name}"))
    (ae, ae_token, ae_name), (vae, vae_token, vae_name) = picked
    return Explored(ae, vae, (ae_token, vae_token), (ae_name, vae_name))


def _token(model) -> str:
    """What the caches of a session's own model are keyed on: its content, shared by equal models."""
    return cache.model_key(model)


def _own_models(dataset: Dataset) -> tuple[dict, dict]:
    """The session's latest models, and latest 2-D models, trained on ``dataset``, by kind."""
    return tuple({kind: entry for kind, entry in st.session_state.get(key, {}).items()
                  if entry["dataset"].token == dataset.token}
                 for key in ("user_models_latest", "user_models_2d"))


def _explored_on_upload(dataset: Dataset, any_latent: bool = False) -> Explored:
    """The session's own models of its uploaded images; a kind it has none of gets the default
    recipe trained on them (by the trainer, once, cached; the page waits and shows its progress)."""
    own_latest, own_2d = _own_models(dataset)
    own_2d = own_latest if any_latent else own_2d
    picked, notes, waiting = [], [], []
    for kind in ("ae", "vae"):
        entry = own_2d.get(kind)
        if entry is not None:
            picked.append((entry["model"], _token(entry["model"]), f"Your {KINDS[kind].short}"))
            notes.append(f"Your {KINDS[kind].noun}: {entry['source']}.")
            continue
        config, shortened = upload_default(kind, dataset)
        model, watch, problem = trained(config, dataset, kind)
        if watch is not None:
            waiting.append((watch, f"the default {KINDS[kind].noun} on {dataset.name}"))
            continue
        if model is None:
            st.warning(ui.plain(f"The default {KINDS[kind].noun} could not be trained on {dataset.name}: "
                                f"{problem} Train one on the Training dynamics page."))
            st.stop()
        picked.append((model, _token(model), f"Your {KINDS[kind].short}"))
        notes.append(f"No 2-D {KINDS[kind].noun} of your images yet: showing the default one "
                     f"({describe(catalog.config_of(model))}), trained on them"
                     + (f" ({problem})" if problem else shortened) + ".")
    if waiting:
        wait_for(waiting)
    st.info(f"You are working on {dataset.name}; these pages show models trained on them.\n"
            + "\n".join(f"- {ui.plain(note)}" for note in notes))
    (ae, ae_token, ae_name), (vae, vae_token, vae_name) = picked
    return Explored(ae, vae, (ae_token, vae_token), (ae_name, vae_name), dataset)


def upload_default(kind: str, dataset: Dataset) -> tuple[dict, str]:
    """The default recipe of ``kind`` for ``dataset``'s images, with as many of its epochs as fit
    the bound on one training; and a note if that is fewer than the recipe's."""
    config = catalog.model_config(kind, input_dim=dataset.n_pixels)
    epochs = min(config["epochs"], affordable_epochs(config, len(dataset.split.X_train)))
    if epochs == config["epochs"]:
        return config, ""
    return ({**config, "epochs": epochs},
            f", for {epochs} epochs: the recipe's {config['epochs']} would take more than this "
            f"server's {LIMITS.max_training_seconds:.0f} s of CPU per training")


def _models_from_link() -> None:
    """Put the models a link named for "my trained models" in the session, trained by the trainer.

    The page waits for them (showing their progress) rather than show other models; a link's
    model that cannot be trained (it diverged) is said once, and the page goes on without it.
    """
    pending = st.session_state.get("explore_pending") or {}
    waiting = []
    for kind, config in list(pending.items()):
        if kind in st.session_state.get("user_models_2d", {}):
            del pending[kind]  # the session has its own model of this kind now
            continue
        model, watch, problem = trained(config, digits_dataset(), kind)
        if watch is not None:
            waiting.append((watch, f"the {KINDS[kind].noun} of the link ({describe(config)})"))
            continue
        del pending[kind]
        if model is None:
            st.warning(ui.plain(f"The link's {KINDS[kind].noun} ({describe(config)}) could not be "
                                f"trained: {problem}"))
            continue
        training.remember_model(st.session_state, model, f"from the link, {describe(catalog.config_of(model))}"
                                + (f" ({problem})" if problem else ""))
    if waiting:
        wait_for(waiting)


def trained(config: dict, dataset: Dataset, kind: str):
    """``(model, watch, note)`` for the model of ``config`` on ``dataset``, never training here.

    ``model`` if it is at hand (cached, shipped, or its training just ended; ``note`` then says
    if it was cut short); else ``watch``, the trainer's job this session watches (started or
    joined now); or neither, with ``note`` saying why (it diverged; the trainer remembers it).
    """
    model = cache.cached_model(config, dataset)
    jobs_of_session = st.session_state.setdefault("explore_jobs", {})
    key = (dataset.token, kind)
    if model is not None:
        jobs_of_session.pop(key, None)
        return model, None, None
    watch = jobs_of_session.get(key)
    if watch is None or watch.config != config or watch.status == jobs.ABANDONED:
        watch = jobs_of_session[key] = cache.train_in_background(config, dataset)
    watch.seen()
    if watch.active:
        return None, watch, None
    del jobs_of_session[key]
    if watch.model is not None and watch.status in (jobs.DONE, jobs.STOPPED):
        return watch.model, None, None if watch.status == jobs.DONE else watch.message
    return None, None, watch.message or f"its training ended ({watch.status})."


def wait_for(waiting: list) -> None:
    """Show the trainings the page waits for, redrawn every second, then end this run.

    ``waiting`` holds ``(watch, what)``; the whole page reruns when they have all ended.
    """
    st.info("These maps need models that are being trained first; the page draws them when they "
            "are ready (you can go on meanwhile: training goes on while you are on the other pages "
            "for up to half a minute).")
    _progress(tuple(waiting))
    st.stop()


@st.fragment(run_every=1.0)
def _progress(waiting: tuple) -> None:
    for watch, _ in waiting:
        watch.seen()
    if not any(watch.active for watch, _ in waiting):
        st.rerun(scope="app")
    for watch, what in waiting:
        progress = watch.progress()
        text = (f"Training {what}: waiting for a free trainer ({LIMITS.max_trainings} train at "
                "once)…" if watch.status == jobs.QUEUED else
                f"Training {what}: epoch {progress.epoch} of {progress.epochs} · {progress.seconds:.0f} s")
        st.progress(progress.epoch / max(progress.epochs, 1), text=ui.plain(text))


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
