"""What the training page does besides drawing: the form, the pending request, the model on view.

Every function takes the session as a mapping (``st.session_state`` in the app, a plain dict in
the tests), so the page keeps only its widgets and layout. The session holds:

- ``train_request``: the config of a submitted form, waiting to be trained (at most one);
- ``train_model`` and ``train_source``: the model on view and where it came from;
- ``train_error``: what went wrong with the last request or upload, for the page to show;
- ``user_models_latest`` / ``user_models_2d``: the session's own models, for the exploring pages.
"""

from __future__ import annotations

import uuid
from collections.abc import MutableMapping
from dataclasses import dataclass

from latent_lab.images.dataset import active
from latent_lab.models.catalog import build_model, describe, model_config
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


def check_form(kind: str, recipe: str, values: dict, n_train: int = N_TRAIN, input_dim: int = 64) -> dict:
    """The config the form describes; ``ValueError`` names the field and says what it takes.

    Each field is checked against its setting's bounds (the hosted limits) before anything is
    built, and the whole against the limit on one training's CPU time (on ``n_train`` images),
    so no value typed into the form, nor any link, can ask for unbounded work. ``input_dim``
    is the pixels of the images it trains on (an upload's, or the digits' 64).
    """
    checked = {}
    for name, label in FORM_FIELDS:
        if kind == "ae" and name in ("beta", "kl_warmup"):
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


def start(session: MutableMapping, trainer, config: dict, *, cached=None, base=None, extra_epochs=0,
          cacheable=True, note: str = "trained on request", dataset=None) -> None:
    """Put the model of ``config`` on view: at once if ``cached`` holds it, else by a training job.

    The session keeps the job (``train_job``) until :func:`collect` picks up its result, on this
    page or another: training goes on when the user moves to another page. ``dataset`` (default:
    the session's) is what the model trains on.
    """
    dataset = dataset or active(session)
    if cached is not None:
        show(session, cached, note, note=f"{note}, {describe(config)}", dataset=dataset)
        return
    session["train_job"] = trainer.submit(
        config, base=base, extra_epochs=extra_epochs, cacheable=cacheable, token=dataset.token,
        data=None if dataset.is_digits else (dataset.split.X_train, dataset.split.X_test))
    session["train_job_dataset"] = dataset
    session["train_job_note"] = note
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
    config = {"kind": job.model.kind, **job.model.get_params()} if job.model is not None else job.config
    if job.status == "done":
        show(session, job.model, note, note=f"{note}, {describe(config)}", dataset=dataset)
        return None
    if job.status in ("stopped", "abandoned") and job.model is not None:
        why = ("Training stopped when nobody had watched it for a while (you were on another page): "
               if job.status == "abandoned" else "")
        show(session, job.model, f"{note}, stopped", note=f"{note}, {describe(config)}", dataset=dataset)
        return f"{why}{job.message} Showing the model trained so far."
    fail(session, f"{job.message} The previous model is kept.")
    return None


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
