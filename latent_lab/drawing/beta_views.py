"""The β page's views of the whole sweep: its charts by β, and its latent traversals side by side."""

from __future__ import annotations

import numpy as np
import streamlit as st

from latent_lab.drawing import figures, traversals, ui
from latent_lab.images.dataset import digits_dataset
from latent_lab.models import cache
from latent_lab.models.catalog import SWEEP_BETAS, sweep_name

# The iso-ELBO lines of the rate-distortion chart (nats).
ISO_ELBO = (25.0, 30.0, 40.0, 50.0)


def _at_t1(report: dict) -> dict:
    """The digit judge's scores of a model's samples at T = 1."""
    return next(s for s in report["samples"] if s["temperature"] == 1.0)


def sweep_charts(reports: dict, beta: float, warmup: bool, floor: float) -> None:
    """Rate against distortion for every model of the sweep, and the likelihood and samples by β."""
    sweep = [(b, reports[sweep_name(b, warmup)]) for b in SWEEP_BETAS]
    points = [{"beta": b, "warmup": w, "kl": r["kl"], "recon": r["recon_sampled"]}
              for w in (False, True) for b, r in ((b, reports[sweep_name(b, w)]) for b in SWEEP_BETAS)]
    left, right = st.columns(2)
    with left:
        ui.plot(figures.rate_distortion_figure(points, beta, warmup, floor=floor, iso_elbo=ISO_ELBO),
                key="beta_rd_chart")
        st.caption("Each point is one model of the sweep. Along a grey line the rate plus the "
                   "distortion, the negative ELBO, is the same: moving down and to the right trades "
                   "one nat of reconstruction for one nat of code.")
    with right:
        bounded = [(b, r) for b, r in sweep if b > 0]  # β = 0's posteriors are too narrow for its bounds
        ui.plot(figures.by_beta_figure(
            [b for b, _ in bounded], {"−ELBO": [r["neg_elbo"] for _, r in bounded],
                                      "IWAE-1000": [r["iwae"]["1000"] for _, r in bounded],
                                      "exact −log p(x)": [r["exact_nll"] for _, r in bounded]},
            beta, title="Held-out likelihood by β (lower is better)", y_title="nats per image"),
            key="beta_likelihood_chart")
        ui.plot(figures.by_beta_figure(
            [b for b, _ in sweep],
            {"quality": [_at_t1(r)["quality"] for _, r in sweep],
             "diversity / ln 10": [_at_t1(r)["class_entropy"] / np.log(10) for _, r in sweep]},
            beta, title="Samples at T = 1, as the digit judge sees them", y_title="share", height=280),
            key="beta_judge_chart")


def sweep_traversals(warmup: bool, k: float = 2.0) -> None:
    """Every β's latent traversals side by side: each row sweeps one dimension over ±k of the prior."""
    models = [(f"β = {b:g}", cache.sweep_model(b, warmup)) for b in SWEEP_BETAS]
    data = traversals.traversal_data(models, digits_dataset(), mode="prior", k=k, traversal_id="beta_traversals")
    traversals.traversals(data, key="beta_traversals")
