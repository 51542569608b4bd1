"""Training the model on view further (Continue, Step), so that the result is what it says it is.

How depends on where the model came from:

- a model this process trained continues from its weights and its optimizer's state: that is
  exactly the longer run of its config, so the result is cached as that config;
- a model loaded from a file (or continued from one) has no optimizer state that reproduces it:
  it continues from its weights with a fresh optimizer, a model no config describes, which is
  neither cached nor taken from the cache;
- a shipped model (read from ``assets/``, without optimizer state) is replaced by the longer run
  of its config, trained from the start: the model shown is then the one its config names.

At a pace (``train_pace``) the epochs added are replayed (``latent_lab.models.replay``). After a
Stop that ended a replay at epoch k, Continue resumes that run: it trains the model on view on to
the run's last epoch, which is the run's own model (cached), and replays the rest.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass

from latent_lab.models import training
from latent_lab.models.catalog import config_of


@dataclass(frozen=True)
class Continuation:
    """How to train a model further: what it gives and what it starts from."""

    config: dict  # the config of the model it gives (its epochs: the total)
    base: object  # the model it continues from; None: train ``config`` from the start
    extra_epochs: int  # epochs on top of ``base``
    cacheable: bool  # whether ``config`` reproduces the result
    note: str  # where the result came from, for the page


def plan(model, source: str, epochs: int) -> Continuation:
    """How to train ``model`` (on view, from ``source``) ``epochs`` epochs more."""
    config = {**config_of(model), "epochs": model.epochs + epochs}
    if source.startswith("uploaded"):
        return Continuation(config, model, epochs, cacheable=False, note=f"{source}, {epochs} more epochs")
    if model.continues_exactly:
        return Continuation(config, model, epochs, cacheable=True, note="continued")
    return Continuation(config, None, 0, cacheable=True, note="continued")


def more(session: MutableMapping, trainer, epochs: int, pace: float = 0) -> None:
    """Train the model on view ``epochs`` epochs more (Continue, or Step with 1), or say why not.

    At ``pace`` (epochs per second) the epochs added are replayed.
    """
    model = session["train_model"]
    step = plan(model, session["train_source"], epochs)
    dataset = training.shown_dataset(session)  # what the model trained on
    if training.within_limits(session, step.config, dataset):
        training.train(session, trainer, step.config, dataset, base=step.base, extra_epochs=step.extra_epochs,
                       cacheable=step.cacheable, note=step.note, pace=pace, watch_from=model.epochs)


def resumes_to(session: MutableMapping) -> int | None:
    """The last epoch of the run a Stop ended a replay of, if the model on view is its first epochs."""
    paused, model = session.get("train_paused"), session.get("train_model")
    if paused is None or model is None or not model.continues_exactly:
        return None
    if config_of(model) != {**paused, "epochs": model.epochs} or model.epochs >= paused["epochs"]:
        return None
    return paused["epochs"]


def go_on(session: MutableMapping, trainer, epochs: int, pace: float = 0) -> None:
    """Continue: resume the run a Stop ended a replay of (:func:`resumes_to`), else add ``epochs``."""
    last = resumes_to(session)
    more(session, trainer, epochs if last is None else last - session["train_model"].epochs, pace)


def go_on_label(session: MutableMapping, epochs: int) -> str:
    """What the Continue button does: resume to the run's last epoch, or add ``epochs``."""
    last = resumes_to(session)
    return f"Continue +{epochs}" if last is None else f"Continue to epoch {last}"
