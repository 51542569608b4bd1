"""What the training page does besides drawing: the form, the pending request, the model on view.

Every function takes the session as a mapping (``st.session_state`` in the app, a plain dict in
the tests), so the page keeps only its widgets and layout. The session holds:

- ``train_request``: the config of a submitted form, waiting to be trained (at most one);
- ``train_job`` (with ``train_job_dataset``, ``train_job_note``, ``train_job_watch``): the
  training on its way, and the pace its result is to be replayed at;
- ``train_replay``: a trained run replayed at a human pace (``latent_lab.models.replay``);
- ``train_paused``: the config of the run a Stop ended a replay of, so Continue can resume it;
- ``train_model``, ``train_source`` and ``train_dataset``: the model on view, where it came from
  and what it was trained on;
- ``train_error``: what went wrong with the last request or upload, for the page to show;
- ``train_results_first``: a training was asked for, so its results, not the settings, come first;
- ``train_settings``: whether the settings' expander is open (its widget state);
- ``train_snapshot_of``: the key of the model whose snapshot the ``train_snapshot`` setting names;
- ``user_models_latest`` / ``user_models_2d``: the session's own models, for the exploring pages.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass

import numpy as np

from latent_lab.images.dataset import Dataset, active, digits_dataset
from latent_lab.models import cache, jobs, replay
from latent_lab.models.catalog import build_model, config_of, describe, model_config, shipped_configs
from latent_lab.models.limits import check_training
from latent_lab.state.settings import RECIPE, SETTINGS
from vae_core import RECIPES

# Images in the digits' training split: what a training's cost is estimated on.
N_TRAIN = 1437
# The form's fields: (name, label). The widget key and the setting are ``train_<name>``.
FORM_FIELDS = (
    ("latent_dim", "Latent size"),
    ("hidden_size", "Hidden size (0 = linear)"),
    ("beta", "β (KL weight)"),
    ("kl_warmup", "KL warm-up (epochs)"),
    ("epochs", "Epochs"),
    ("batch_size", "Batch size"),
    ("optimizer", "Optimizer"),
    ("learning_rate", "Learning rate"),
    ("seed", "Seed"),
)
# The widget key of the settings' expander: a training folds it (results first).
SETTINGS_EXPANDER = "train_settings"
# Fields that only a VAE has (the autoencoder has no KL term).
KL_FIELDS = ("beta", "kl_warmup")
# How the form's number boxes step (the optimizer is a choice).
FIELD_STEPS = {"latent_dim": {"step": 1}, "hidden_size": {"step": 8}, "beta": {"step": 0.25},
               "kl_warmup": {"step": 10}, "epochs": {"step": 10}, "batch_size": {"step": 1},
               "learning_rate": {"step": 0.001, "format": "%.4f"}, "seed": {"step": 1}}
# Recipe settings the form shows, by the model parameter they set.
RECIPE_FIELDS = {"epochs": "epochs", "batch_size": "batch_size", "optimizer": "optimizer",
                 "learning_rate": "learning_rate", "beta": "beta", "kl_warmup": "kl_warmup"}


def form_values(session: MutableMapping) -> dict:
    """The form's values as the widgets hold them (in a callback: as just submitted)."""
    return {name: session[f"train_{name}"] for name, _ in FORM_FIELDS if f"train_{name}" in session}


def recipe_values(kind: str, recipe: str) -> dict:
    """The form values a recipe sets for a model kind: ``{field name: value}``."""
    config = model_config(kind, recipe)
    values = {field: config[param] for field, param in RECIPE_FIELDS.items() if param in config}
    values["learning_rate"] = float(values["learning_rate"])
    if "beta" in values:
        values["beta"] = float(values["beta"])
    return values


def use_recipe(session: MutableMapping, put) -> None:
    """Fill the form with the chosen recipe's settings for the chosen model (``put(key, value)`` keeps one)."""
    for name, value in recipe_values(session["train_kind"], session["train_recipe"]).items():
        put(f"train_{name}", value)


def check_form(kind: str, recipe: str, values: dict, n_train: int = N_TRAIN, input_dim: int = 64) -> dict:
    """The config the form describes; ``ValueError`` names the field and says what it takes.

    Each field is checked against its setting's bounds (the hosted limits) before anything is
    built, and the whole against the limit on one training's CPU time (on ``n_train`` images),
    so no value typed into the form, nor any link, can ask for unbounded work. ``input_dim``
    is the pixels of the images it trains on (an upload's, or the digits' 64).
    """
    checked = {}
    for name, label in FORM_FIELDS:
        if kind == "ae" and name in KL_FIELDS:
            checked[name] = SETTINGS[f"train_{name}"].default
            continue
        value = values.get(name, SETTINGS[f"train_{name}"].default)
        try:
            checked[name] = SETTINGS[f"train_{name}"].kind.check(value)
        except ValueError as err:
            raise ValueError(f"{label}: {err}, got {value!r}.") from None
    config = training_config(kind, recipe, **checked, input_dim=input_dim)
    check_training(config, n_train)
    return config


def training_config(kind: str, recipe: str, *, latent_dim: int, hidden_size: int, beta: float,
                    kl_warmup: int, epochs: int, batch_size: int, optimizer: str,
                    learning_rate: float, seed: int, input_dim: int = 64) -> dict:
    """The config of the form's fields; ``ValueError`` says what is wrong with their combination.

    The autoencoder has no KL term, so ``beta`` and ``kl_warmup`` are dropped for it.
    """
    overrides = {
        "latent_dim": int(latent_dim), "hidden_sizes": (int(hidden_size),) if hidden_size else (),
        "epochs": int(epochs), "batch_size": int(batch_size), "optimizer": optimizer,
        "learning_rate": float(learning_rate), "random_state": int(seed),
    }
    if input_dim != 64:  # the digits' size is every recipe's default: configs stay as they were
        overrides["input_dim"] = int(input_dim)
    if kind == "vae":
        if kl_warmup > epochs:
            raise ValueError(f"KL warm-up ({kl_warmup} epochs) is longer than training ({epochs} "
                             "epochs): β would never reach its value. Shorten the warm-up.")
        overrides.update(beta=float(beta), kl_warmup=int(kl_warmup))
    config = model_config(kind, recipe, **overrides)
    build_model(config).validate_params()
    return config


def config_from_recipe(recipe_text: str) -> dict:
    """The config a recipe link describes; ``ValueError`` says what is wrong with it."""
    fields = RECIPE.values(RECIPE.parse(recipe_text))
    return check_form(fields.pop("kind"), fields.pop("recipe"), fields)


def recipe_of(config: dict) -> str | None:
    """The recipe link that trains ``config``, or None if the form cannot describe it.

    (A model loaded from a file, or with several hidden layers, travels by file, not by link.)
    """
    if len(config["hidden_sizes"]) > 1:
        return None
    fields = {"latent_dim": config["latent_dim"],
              "hidden_size": config["hidden_sizes"][0] if config["hidden_sizes"] else 0,
              "beta": float(config.get("beta", SETTINGS["train_beta"].default)),
              "kl_warmup": config.get("kl_warmup", SETTINGS["train_kl_warmup"].default),
              "epochs": config["epochs"], "batch_size": config["batch_size"],
              "optimizer": config["optimizer"], "learning_rate": float(config["learning_rate"]),
              "seed": config["random_state"]}
    for recipe in RECIPES:
        try:
            if check_form(config["kind"], recipe, fields) == config:
                values = {"kind": config["kind"], "recipe": recipe, **fields}
                return "_".join(f.kind.format(values[f.key[len("train_"):]]) for f in RECIPE.fields)
        except ValueError:
            continue
    return None


def submit(session: MutableMapping, kind: str, recipe: str) -> None:
    """Queue the submitted form for training on the session's data, or record why it can't be."""
    dataset = active(session)
    try:
        config = check_form(kind, recipe, form_values(session), n_train=len(dataset.split.X_train),
                            input_dim=dataset.n_pixels)
    except ValueError as err:
        session["train_error"] = f"Not trained: {err} The current model is kept."
        return
    session["train_error"] = None
    session["train_request"] = config


def ensure_model(session: MutableMapping) -> None:
    """Put the shipped default VAE on view if the session has no model yet."""
    if "train_model" not in session:
        session["train_model"] = cache.get_model(shipped_configs()["vae_default"])
        session["train_source"] = "shipped default"


def within_limits(session: MutableMapping, config: dict, dataset: Dataset) -> bool:
    """Whether training ``config`` on ``dataset`` fits the hosted limits; if not, record why."""
    try:
        check_training(config, len(dataset.split.X_train))
    except ValueError as err:
        fail(session, f"Not trained: {err} The current model is kept.")
        return False
    return True


def train(session: MutableMapping, trainer, config: dict, dataset: Dataset | None = None,
          **kwargs) -> None:
    """Put the model of ``config`` on view: from the cache if it holds it, else by :func:`start`.

    ``kwargs`` go to :func:`start`; a training whose result its config does not reproduce
    (``cacheable=False``) never takes the cached model of that config.
    """
    dataset = dataset or active(session)
    cached = cache.cached_model(config, dataset) if kwargs.get("cacheable", True) else None
    start(session, trainer, config, cached=cached, dataset=dataset, **kwargs)


def train_form(session: MutableMapping, trainer, pace: float = 0) -> None:
    """Train the model the submitted form describes (Train), or record why it can't be.

    At ``pace`` (epochs per second; 0: as it trains) its run is then replayed from the start,
    also when the model was trained already (the blog recipe's ships in ``assets/``).
    """
    submit(session, session["train_kind"], session["train_recipe"])
    request = take_request(session)
    if request is not None:
        train(session, trainer, request, pace=pace)


def start(session: MutableMapping, trainer, config: dict, *, cached=None, base=None, extra_epochs=0,
          cacheable=True, note: str = "trained on request", dataset=None, pace: float = 0,
          watch_from: int = 0) -> None:
    """Put the model of ``config`` on view: at once if ``cached`` holds it, else by a training job.

    The session keeps the job (``train_job``) until :func:`collect` picks up its result, on this
    page or another: training goes on when the user moves to another page. ``dataset`` (default:
    the session's) is what the model trains on. The settings fold away, and from now on the
    page shows results first. With a ``pace``, the model's run is replayed from epoch
    ``watch_from`` (the epochs it adds to the model on view) once it is on view
    (:func:`begin_replay`). A new request ends the replay on view.
    """
    dataset = dataset or active(session)
    session["train_results_first"] = True
    session[SETTINGS_EXPANDER] = False
    session.pop("train_replay", None)
    if cached is not None:
        show(session, cached, note, note=f"{note}, {describe(config)}", dataset=dataset)
        begin_replay(session, cached, pace, watch_from, exact=cacheable, dataset=dataset)
        return
    session["train_job"] = trainer.submit(
        config, base=base, extra_epochs=extra_epochs, cacheable=cacheable, token=dataset.token,
        data=None if dataset.is_digits else (dataset.split.X_train, dataset.split.X_test))
    session["train_job_dataset"] = dataset
    session["train_job_note"] = note
    session["train_job_watch"] = (pace, watch_from, cacheable)
    session["train_error"] = None


def collect(session: MutableMapping) -> str | None:
    """If the session's job has ended, put its model on view (or say why not); return a note.

    A stopped job's model is shown with the epochs it trained; a diverged job keeps the model
    that was on view; a job that nobody watched for a while (the user left) says so.
    """
    job = session.get("train_job")
    if job is None or job.active:
        return None
    del session["train_job"]
    note = session.pop("train_job_note", "trained on request")
    dataset = session.pop("train_job_dataset", None)
    pace, watch_from, exact = session.pop("train_job_watch", (0, 0, True))
    config = config_of(job.model) if job.model is not None else job.config
    if job.status == "done":
        show(session, job.model, note, note=f"{note}, {describe(config)}", dataset=dataset)
        begin_replay(session, job.model, pace, watch_from, exact=exact, dataset=dataset,
                     trained_seconds=job.progress().seconds)
        return None
    if job.status in ("stopped", "abandoned") and job.model is not None:
        why = ("Training stopped when nobody had watched it for a while (you were on another page): "
               if job.status == "abandoned" else "")
        show(session, job.model, f"{note}, stopped", note=f"{note}, {describe(config)}", dataset=dataset)
        return f"{why}{job.message} Showing the model trained so far."
    fail(session, f"{job.message} The previous model is kept.")
    return None


def begin_replay(session: MutableMapping, model, pace: float, first: int = 0, *, exact: bool = True,
                 dataset=None, trained_seconds: float | None = None) -> None:
    """Replay the run of ``model`` (on view) from epoch ``first`` at ``pace``, if worth watching.

    ``trained_seconds``: how long the visitor watched it train (None: it was trained earlier); a
    run that trained as slowly as the replay would go was watched live, and is not replayed.
    """
    if replay.worth_replaying(first, model.epochs, pace, trained_seconds) and len(model.snapshot_epochs_):
        session["train_replay"] = replay.Replay(model, first, pace, replay.now(), exact=exact,
                                                dataset=dataset or active(session))


def replaying(session: MutableMapping) -> replay.Replay | None:
    """The replay on view, or None (a replay that has ended is dropped: its model is on view)."""
    run = session.get("train_replay")
    if run is not None and not run.active:
        del session["train_replay"]
        return None
    return run


def watched(session: MutableMapping) -> tuple[object, Dataset] | None:
    """What the page shows live, and its data: the job while it trains, else the replay on view."""
    job = session.get("train_job")
    if job is not None and job.active:
        return job, session.get("train_job_dataset") or active(session)
    run = replaying(session)
    return None if run is None else (run, run.dataset or active(session))


def stop_replay(session: MutableMapping, trainer) -> None:
    """Stop: end the replay at the epoch reached, k, and put the model of ``epochs=k`` on view.

    That model is trained the ordinary way (cached, or a fast job): a run of k epochs has the
    weights of the first k epochs of the longer run. Continue resumes the run (``train_paused``).
    A run its config does not reproduce (it continued a model from a file) shows its end instead.
    """
    run = session.pop("train_replay", None)
    if run is None:
        return
    epoch = max(run.stop(), 1)
    if epoch >= run.last:
        return
    if not run.exact:
        session["train_note"] = (f"Stopped watching at epoch {epoch} of {run.last}. This run continued a "
                                 "model loaded from a file, which no settings reproduce part-way, so "
                                 "the model on view is the one trained to the end.")
        return
    session["train_paused"] = run.config
    session["train_note"] = (f"Stopped at epoch {epoch} of {run.last}. **Continue** goes on to epoch "
                             f"{run.last}, **Step** adds one epoch.")
    train(session, trainer, {**run.config, "epochs": epoch}, run.dataset,
          note=f"stopped at epoch {epoch} of {run.last}")


def skip_replay(session: MutableMapping) -> None:
    """To the end: end the replay; the model it replays is on view already."""
    run = session.pop("train_replay", None)
    if run is not None:
        run.skip()


def re_pace(session: MutableMapping) -> None:
    """The pace changed (``train_pace``): the replay on view goes on at it (0: ends, shows its model),
    and the job on its way is replayed at it."""
    pace = session.get("train_pace", 0)
    if "train_job_watch" in session:
        session["train_job_watch"] = (pace, *session["train_job_watch"][1:])
    run = replaying(session)
    if run is None:
        return
    if pace:
        session["train_replay"] = run.repaced(pace, replay.now())
    else:
        skip_replay(session)


def take_request(session: MutableMapping) -> dict | None:
    """The pending request, taken off the queue.

    Taken before training starts, so a run that is interrupted (the user leaves the page) does
    not restart training by surprise on a later visit.
    """
    return session.pop("train_request", None)


def show(session: MutableMapping, model, source: str, note: str | None = None, dataset=None) -> None:
    """Put ``model`` on view and remember it for the pages that explore the session's models.

    ``source`` says on the training page where the model came from; ``note`` (default: the
    same) says it on the exploring pages, which don't show the model's settings. ``dataset``
    (default: the session's) is what the model was trained on.
    """
    dataset = dataset or active(session)
    session["train_model"] = model
    session["train_source"] = source
    session["train_dataset"] = dataset
    session["train_error"] = None
    remember_model(session, model, note or source, dataset)


def fail(session: MutableMapping, message: str) -> None:
    """Record why a request or an upload did not give a model; the model on view stays."""
    session["train_error"] = message


def remember_model(session: MutableMapping, model, source: str, dataset=None) -> None:
    """Record a model this session trained or loaded, for the pages that explore models."""
    entry = {"model": model, "source": source, "token": uuid.uuid4().hex,
             "dataset": dataset or active(session)}
    session.setdefault("user_models_latest", {})[model.kind] = entry
    if model.latent_dim == 2:
        session.setdefault("user_models_2d", {})[model.kind] = entry


@dataclass(frozen=True)
class SnapshotView:
    """Which latent snapshot of the model on view to draw."""

    epochs: tuple[int, ...]  # the snapshot epochs, increasing
    epoch: int  # the one on view


def snapshot_view(snapshot_epochs, wanted: int | None) -> SnapshotView | None:
    """The snapshot to show: ``wanted`` if the model has a snapshot at that epoch, else its last.

    None when the model has no snapshots (a file saved without them).
    """
    epochs = tuple(int(e) for e in snapshot_epochs)
    if not epochs:
        return None
    return SnapshotView(epochs, wanted if wanted in epochs else epochs[-1])


def snapshot_choice(session: MutableMapping, model_key: str, snapshot_epochs,
                    wanted: int | None) -> tuple[SnapshotView | None, bool]:
    """The snapshot of the model on view to draw, and whether the kept epoch is another model's.

    ``wanted`` (the ``train_snapshot`` setting; None: the last) was chosen on the model whose
    key (``latent_lab.models.cache.model_key``) the session holds; until the page has shown a
    model it is a link's, and holds for the first model shown. A different model opens on its
    own last snapshot: then the second value is True and the page forgets the kept epoch.
    """
    previous = session.get("train_snapshot_of")
    session["train_snapshot_of"] = model_key
    other = previous is not None and previous != model_key
    return snapshot_view(snapshot_epochs, None if other else wanted), other


def settings_open(session: Mapping, busy: bool) -> bool:
    """Whether the settings open unfolded: until a training is asked for, and never while one runs.

    Once a training was asked for, its results come first (on a phone the settings are a couple
    of screens tall): :func:`start` folds them, and they open unfolded no more; the visitor
    unfolds them by hand.
    """
    return not busy and not session.get("train_results_first", False)


def progress_text(progress: jobs.Progress, status: str) -> str:
    """One line on a training job in ``status``: waiting, or the epoch, time and latest losses."""
    if status == jobs.QUEUED:
        return "waiting for a free trainer (others are training)…"
    text = f"epoch {progress.epoch}/{progress.epochs} · {progress.seconds:.1f} s"
    if progress.history.get("train_loss"):
        text += f" · train loss {progress.history['train_loss'][-1]:.4g}"
        if progress.history.get("val_loss"):
            text += f" · held-out {progress.history['val_loss'][-1]:.4g}"
    return text


def held_out_colours(dataset: Dataset) -> np.ndarray:
    """The held-out images' labels as colour indices (one colour without labels)."""
    return (dataset.colour_labels(dataset.split.y_test) if dataset.labelled else
            np.zeros(len(dataset.split.X_test), dtype=np.int64))


def shown_dataset(session: Mapping) -> Dataset:
    """What the model on view was trained on."""
    return session.get("train_dataset") or digits_dataset()
