"""The claims the post and this app make about the models, each checked against measured figures.

Every function takes evaluation reports (``latent_lab.measures.scores.evaluate``: the shipped ones from
``assets/evaluation.json``, or a session's own model's) and returns a :class:`Claim` whose verdict
is computed from the figures, never typed: a model that behaves differently gets a different
verdict. The Claims page lists them all; other pages show the one that concerns them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

HOLDS, FAILS, DEPENDS = "holds", "does not hold", "depends"
# Collapse: a VAE whose codes carry less than this many nats about the image (the β page's bar).
COLLAPSE_NATS = 0.5


@dataclass(frozen=True)
class Claim:
    """One claim, where it is made, what was measured and whether it holds."""

    key: str
    source: str  # "the post" or "this app"
    text: str
    measured: str
    verdict: str  # HOLDS, FAILS or DEPENDS

    def as_row(self) -> dict:
        return {"claim": self.text, "source": self.source, "measured": self.measured,
                "verdict": self.verdict}


def _curve_at(curve: dict, key: str, temperature: float) -> float:
    temps = curve["temperature"]
    i = min(range(len(temps)), key=lambda k: abs(temps[k] - temperature))
    return curve[key][i]


def low_temperature_is_safe(report: dict, name: str = "VAE") -> Claim:
    """The post: "Lower temperature = safer, more average outputs" (the gallery said so too).

    "Safe" is read as the digit judge being sure of what it sees: quality (its mean top-class
    probability) should be highest at low temperature.
    """
    curve = report["temperature_curve"]
    low, one, high = (_curve_at(curve, "quality", t) for t in (0.5, 1.0, 1.5))
    verdict = HOLDS if low > one > high else FAILS if low < one else DEPENDS
    return Claim(
        "low_temperature", "the post",
        "Lower temperature gives safer, more average digits; higher temperature more diverse, "
        "noisier ones.",
        f"{name}: the digit judge's confidence in the samples is {low:.2f} at T = 0.5, {one:.2f} at "
        f"T = 1 and {high:.2f} at T = 1.5; their class entropy is "
        f"{_curve_at(curve, 'class_entropy', 0.5):.2f}, {_curve_at(curve, 'class_entropy', 1.0):.2f} "
        f"and {_curve_at(curve, 'class_entropy', 1.5):.2f} nats (ln 10 = 2.30 is every digit equally).",
        verdict)


def ae_draws_land_in_the_wilderness(ae: dict) -> Claim:
    share = ae["off_manifold"]["prior_draws_in_wilderness"]
    return Claim(
        "ae_wilderness", "the post",
        "Sample random points for an autoencoder and you land in the wilderness: most of its latent "
        "space is meaningless void.",
        f"{share:.0%} of the autoencoder's draws from N(0, I) fall farther from its training codes "
        "than 99% of held-out codes do; the rest land among the codes of real digits.",
        HOLDS if share > 0.5 else FAILS)


def ae_gaps_decode_to_garbage(ae: dict, vae: dict) -> Claim:
    """The post: points between an AE's clusters decode to noise; a VAE decodes something everywhere."""
    ae_share, vae_share = ae["off_manifold"]["data_grid"], vae["off_manifold"]["data_grid"]
    prior = vae["off_manifold"]["prior_grid"]
    verdict = HOLDS if ae_share > 0.5 and vae_share < 0.05 else DEPENDS if ae_share > vae_share else FAILS
    return Claim(
        "ae_gaps", "the post",
        "Points between the autoencoder's clusters decode to garbage; the VAE decodes something "
        "recognisable everywhere.",
        f"Over a 30 × 30 grid spanning each model's training codes, {ae_share:.0%} of the "
        f"autoencoder's decodings lie farther from every training digit than 99% of held-out digits "
        f"do, against {vae_share:.0%} of the VAE's ({prior:.1%} over ±3σ of its prior): the AE has "
        "holes, but most of its gaps decode to plausible strokes.",
        verdict)


def ae_samples_are_less_diverse(ae: dict, vae: dict) -> Claim:
    a, v = _sample_at(ae, 1.0), _sample_at(vae, 1.0)
    return Claim(
        "ae_diversity", "this app",
        "The autoencoder's random samples cover fewer kinds of digit than the VAE's.",
        f"At T = 1 the judge finds {a['classes_covered']} classes with entropy "
        f"{a['class_entropy']:.2f} nats among the AE's samples, {v['classes_covered']} with "
        f"{v['class_entropy']:.2f} among the VAE's.",
        HOLDS if a["class_entropy"] < v["class_entropy"] - 0.1 else FAILS)


def _sample_at(report: dict, temperature: float) -> dict:
    return min(report["samples"], key=lambda s: abs(s["temperature"] - temperature))


def elbo_bounds_the_likelihood(vae: dict) -> Claim:
    exact, elbo, iwae = vae["exact_nll"], vae["neg_elbo"], vae["iwae"]["1000"]
    if exact is None:
        return Claim("elbo_bound", "the post", "Minimising the loss maximises a lower bound on log p(x).",
                     f"−ELBO {elbo:.2f} nats; the exact likelihood needs a 2-D latent space.", DEPENDS)
    ordered = elbo >= iwae >= exact - 1e-3
    return Claim(
        "elbo_bound", "the post",
        "The VAE's loss (the negative ELBO) is an upper bound on −log p(x): minimising it maximises "
        "a lower bound on the likelihood.",
        f"Held-out −ELBO {elbo:.2f} ≥ IWAE-1000 {iwae:.2f} ≥ exact −log p(x) {exact:.2f} nats "
        f"(by quadrature over the 2-D latent space); the bound is {elbo - exact:.2f} nats loose.",
        HOLDS if ordered else FAILS)


def reported_loss_is_one_draw(vae: dict, reported: float) -> Claim:
    sd, elbo = vae["neg_elbo_draw_sd"], vae["neg_elbo"]
    return Claim(
        "one_draw", "this app",
        "A VAE's held-out loss on these pages is one fixed-seed posterior draw per image.",
        f"That number is {reported:.2f} nats; averaged over {vae['n_draws']} draws per image it is "
        f"{elbo:.2f} ± {vae['neg_elbo_se']:.3f}, and a single draw's spread is ±{sd:.2f}. "
        f"Decoding the posterior mean instead of a draw gives a reconstruction of "
        f"{vae['recon_mean_decoded']:.2f} nats against {vae['recon_sampled']:.2f} sampled.",
        HOLDS if abs(reported - elbo) <= 3 * sd else FAILS)


def _sweep(reports: dict, warmup: bool) -> list[tuple[float, dict]]:
    suffix = "_warmup" if warmup else "_nowarmup"
    out = []
    for stem, report in reports.items():
        if stem.startswith("vae_beta") and stem.endswith(suffix):
            out.append((float(stem[len("vae_beta"):-len(suffix)]), report))
    return sorted(out, key=lambda item: item[0])


def lower_beta_sharpens_reconstructions(reports: dict) -> Claim:
    """β below 1 should reconstruct better than β = 1, and β above 1 worse."""
    recon = dict((beta, r["recon_mean_decoded"]) for beta, r in _sweep(reports, warmup=False))
    one = recon[1.0]
    below = [v for b, v in recon.items() if b < 1]
    above = [v for b, v in recon.items() if b > 1]
    verdict = HOLDS if max(below) < one < min(above) else FAILS
    return Claim(
        "beta_recon", "the post",
        "β < 1 gives sharper reconstructions; β > 1 blurrier ones.",
        "Held-out reconstruction error (BCE of the posterior mean's decoding, nats) by β: "
        + ", ".join(f"β = {b:g}: {v:.1f}" for b, v in sorted(recon.items()))
        + f". Below β = 1 the gain is at most {one - min(below):.1f} nats; above it the loss reaches "
        f"{max(above) - one:.1f}.",
        verdict)


def warmup_prevents_collapse(reports: dict) -> Claim:
    rows = []
    for (beta, plain), (_, warm) in zip(_sweep(reports, False), _sweep(reports, True), strict=True):
        rows.append((beta, plain["kl"], warm["kl"]))
    rescued = [b for b, plain, warm in rows if plain < COLLAPSE_NATS <= warm]
    collapsed_both = [b for b, plain, warm in rows if plain < COLLAPSE_NATS and warm < COLLAPSE_NATS]
    verdict = HOLDS if rescued and not collapsed_both else FAILS if not rescued else DEPENDS
    return Claim(
        "warmup", "the post",
        "KL warm-up (β ramped from 0 over 50 epochs) prevents posterior collapse.",
        "Held-out KL without / with warm-up: "
        + ", ".join(f"β = {b:g}: {p:.2f} / {w:.2f}" for b, p, w in rows)
        + f" nats. Collapsed either way at β = {', '.join(f'{b:g}' for b in collapsed_both) or 'none'}.",
        verdict)


def collapse_is_the_optimum(reports: dict, beta: float) -> Claim | None:
    """Whether the collapsed model wins on its own objective (recon + β·KL) against the sweep."""
    sweep = dict(_sweep(reports, warmup=False))
    if beta not in sweep or sweep[beta]["kl"] >= COLLAPSE_NATS:
        return None
    objective = {b: r["recon_sampled"] + beta * r["kl"] for b, r in sweep.items()}
    others = {b: v for b, v in objective.items() if sweep[b]["kl"] >= COLLAPSE_NATS}
    best_beta = min(others, key=others.get)
    return Claim(
        f"collapse_optimum_{beta:g}", "this app",
        f"At β = {beta:g} the collapse is the objective's optimum, not a training accident.",
        f"On the held-out digits, recon + {beta:g}·KL is {objective[beta]:.2f} nats for the collapsed "
        f"model; the best model of the sweep that kept its code (β = {best_beta:g}) scores "
        f"{others[best_beta]:.2f} on that same objective.",
        HOLDS if objective[beta] < others[best_beta] else FAILS)


def lower_beta_can_win_on_likelihood(reports: dict) -> Claim:
    sweep = [(b, r) for b, r in _sweep(reports, warmup=False) if r["exact_nll"] is not None and b > 0]
    best_beta, best = min(sweep, key=lambda item: item[1]["exact_nll"])
    one = dict(sweep)[1.0]["exact_nll"]
    return Claim(
        "beta_likelihood", "the post",
        "β = 1 is the standard VAE, \"the balance Kingma and Welling intended\": its objective is the "
        "ELBO, so it should give the best likelihood.",
        "Exact held-out −log p(x) by β: "
        + ", ".join(f"β = {b:g}: {r['exact_nll']:.2f}" for b, r in sweep)
        + f" nats; the best is β = {best_beta:g}, {one - best['exact_nll']:.2f} nats better than β = 1.",
        HOLDS if best_beta == 1.0 else FAILS)


def linear_ae_is_pca(linear: list[dict]) -> Claim:
    worst = max(row["max_angle"] for row in linear)
    return Claim(
        "linear_pca", "the post",
        "A linear autoencoder trained on MSE finds the same subspace as PCA.",
        "Largest principal angle between a linear AE's decoder subspace and PCA's, by latent size: "
        + ", ".join(f"{row['latent_dim']}: {row['max_angle']:.1f}°" for row in linear)
        + "; reconstruction error within "
        + f"{max(abs(r['ae_mse'] / r['pca_mse'] - 1) for r in linear):.1%} of PCA's.",
        HOLDS if worst < 5.0 else FAILS)


def kl_rises_then_settles(history: dict) -> Claim:
    kl = history.get("val_kl") or history.get("train_kl")
    if not kl:
        return Claim("kl_rises", "the post", "The KL rises in early epochs, then stabilises.",
                     "This model recorded no KL.", DEPENDS)
    peak = max(range(len(kl)), key=kl.__getitem__)
    tail = kl[-max(1, len(kl) // 5):]
    settled = (max(tail) - min(tail)) < 0.1 * max(kl[peak], 1e-9) + 0.05
    rises = kl[peak] > kl[0] + 0.1
    return Claim(
        "kl_rises", "the post",
        "During training the KL rises in the early epochs, then stabilises.",
        f"Held-out KL: {kl[0]:.2f} nats after epoch 1, a peak of {kl[peak]:.2f} at epoch {peak + 1}, "
        f"{kl[-1]:.2f} at the end (last fifth within {max(tail) - min(tail):.2f}).",
        HOLDS if rises and settled else FAILS if not rises else DEPENDS)


def post_printed_loss(report: dict, printed: float, what: str, unit: str, key: str) -> Claim:
    value = report["mse"] if report["model"] == "ae" else report["neg_elbo"]
    return Claim(
        key, "the post", f"The {what} reaches {printed:g} {unit}.",
        f"Held-out: {value:.4g} {unit}" + ("" if report["model"] == "ae" else
                                          f" (KL {report['kl']:.2f} nats)") + ".",
        HOLDS if value <= printed * 1.02 else FAILS)


def is_finite_report(report: dict | None) -> bool:
    return bool(report) and all(
        not isinstance(v, float) or math.isfinite(v) for v in report.values())
