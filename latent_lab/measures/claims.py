"""The claims the post and this app make about the models, each checked against measured figures.

Every function returns a :class:`Claim` whose verdict is computed from figures, never typed, and
whose text states only what those figures decided. A claim that compares models or settings is
decided over the seed sweep (``latent_lab.measures.seeds``: every setting trained at each of
``catalog.SWEEP_SEEDS``): "holds" or "does not hold" only when the 95 % interval over seeds (of
the per-seed difference, where both sides share a seed) lies wholly on one side of the claim's
threshold, "depends" otherwise (``latent_lab.measures.intervals``). Claims about one model (the
ordering of its bounds, its training curve) are decided on the model in view. Every card carries
its rule in one line.
"""

from __future__ import annotations

from dataclasses import dataclass

from latent_lab.measures import collapse, seeds
from latent_lab.measures.intervals import DEPENDS, FAILS, HOLDS, Interval, agree, all_hold, decide, interval, paired
from latent_lab.measures.intervals import unpaired as unpaired_interval
from latent_lab.models.catalog import SWEEP_BETAS, SWEEP_WARMUP_EPOCHS, sweep_name

__all__ = ["DEPENDS", "FAILS", "HOLDS", "POST", "Claim"]

# The post every "the post says" refers to.
POST = {
    "title": "Autoencoders & VAEs from Scratch: How Neural Networks Learn to Compress and Imagine",
    "what": "a blog tutorial that builds a 64→32→2→32→64 autoencoder and a VAE in NumPy, trains them on "
            "8×8 digits, and ends with three interactive panels",
}
# The post's VAE, the one its printed figures are about: what a model must share to be judged by them.
POST_VAE = {"kind": "vae", "latent_dim": 2, "hidden_sizes": [32], "beta": 1.0}
# The default VAE of the sweep (fast recipe, β = 1, no warm-up) and the default autoencoder.
VAE, AE = sweep_name(1.0, False), "ae_default"


@dataclass(frozen=True)
class Claim:
    """One claim, where it is made, what was measured, whether it holds, and the rule that decided."""

    key: str
    source: str  # "the post" or "this app"
    text: str
    measured: str
    verdict: str  # HOLDS, FAILS or DEPENDS
    rule: str = ""

    def as_row(self) -> dict:
        return {"claim": self.text, "source": self.source, "measured": self.measured,
                "verdict": self.verdict, "rule": self.rule}


def _n(sweep: dict) -> int:
    return len(sweep["seeds"])


def _seed_list(seed_ids) -> str:
    return ", ".join(str(s) for s in seed_ids)


# --------------------------------------------------------------------------- the post's printed figures
def post_printed_loss(sweep: dict, setting: str, printed: float, what: str, unit: str, key: str,
                      trained: str = "the post's own recipe") -> Claim:
    """The post prints a final loss for its model: does the model reach it, trained by ``trained``, over seeds?

    The AE's figure is its held-out MSE per pixel, the VAE's its held-out -ELBO (nats). A run that
    diverged is measured with the weights it kept (its last sane epoch) and named.
    """
    is_ae = sweep["settings"][setting]["config"]["kind"] == "ae"
    by_seed = dict(zip(sweep["seeds"], seeds.runs(sweep, setting), strict=True))
    # A training that diverged has no final loss to compare with a printed one.
    runs = {seed: run for seed, run in by_seed.items() if not run["diverged_at"]}
    values = [run["mse"] if is_ae else run["neg_elbo"] for run in runs.values()]
    iv, bar = interval(values), printed * 1.02
    fmt = ".4f" if is_ae else ".2f"
    measured = (f"Trained with {trained}, held-out {'MSE per pixel' if is_ae else '−ELBO'} over the seeds that "
                f"trained to the end: {iv.text(fmt, unit)}; per seed "
                + ", ".join(f"{v:{fmt}}" for v in values) + ".")
    if not is_ae:
        kl = interval(run["kl"] for run in runs.values())
        whole = [s for s, run in runs.items() if collapse.of_kl(run["kl_per_dim"]).whole]
        measured += (f" KL {kl.text('.2f', 'nats')}; "
                     + (f"the code collapsed in seed(s) {_seed_list(whole)}." if whole else "no code collapsed."))
    diverged = [(s, run["diverged_at"]) for s, run in by_seed.items() if run["diverged_at"]]
    if diverged:
        measured += " Diverged, so not counted: " + ", ".join(f"seed {s} in epoch {e}" for s, e in diverged) + "."
    return Claim(key, "the post", f"The post's {what} reaches {printed:g} {unit}.", measured,
                 decide(iv, bar, above=False),
                 f"Over {_n(sweep)} seeds (those that trained to the end): holds when the 95 % interval lies below "
                 f"{printed:g} {unit} + 2 %; does not hold when it lies above.")


def like_the_post(config: dict) -> bool:
    """Whether a model's config is the post's VAE (kind, latent size, hidden layer, β): its figures apply."""
    return all(list(config.get(k)) == v if isinstance(v, list) else config.get(k) == v for k, v in POST_VAE.items())


def own_printed_loss(report: dict, config: dict, name: str, printed: float = 24.8) -> Claim | None:
    """The post's 24.8 nats against a session's own VAE, if it is a model like the post's (else None).

    One model: its interval is the Monte-Carlo error of its -ELBO, not a spread over seeds.
    """
    if not like_the_post(config):
        return None
    half = 1.96 * report["neg_elbo_se"]
    iv = Interval(report["neg_elbo"], report["neg_elbo"] - half, report["neg_elbo"] + half, 1, report["neg_elbo_se"])
    return Claim(
        "own_vae", "the post", f"The post's VAE (β = 1, a 2-D code, 32 hidden units) reaches {printed:g} nats.",
        f"{name}, a model like it: held-out −ELBO {iv.mean:.2f} ± {half:.2f} nats (one model; the interval is "
        f"its Monte-Carlo error), KL {report['kl']:.2f} nats.",
        decide(iv, printed * 1.02, above=False),
        f"Holds when the 95 % interval lies below {printed:g} nats + 2 %; does not hold when it lies above.")


def linear_ae_is_pca(sweep: dict) -> Claim:
    rows = {int(seed): value for seed, value in sweep["linear_ae_vs_pca"].items()}
    worst = [max(r["max_angle"] for r in rows[seed]) for seed in sweep["seeds"]]
    iv = interval(worst)
    first = rows[sweep["seeds"][0]]
    gap = interval(max(abs(r["ae_mse"] / r["pca_mse"] - 1) for r in rows[seed]) for seed in sweep["seeds"])
    return Claim(
        "linear_pca", "the post", "A linear autoencoder trained on MSE finds the same subspace as PCA.",
        f"Largest principal angle between a linear AE's decoder subspace and PCA's, over latent sizes "
        f"{', '.join(str(r['latent_dim']) for r in first)}: {iv.text('.1f', '°')}; its reconstruction error "
        f"within {gap.percent(fmt='.1f')} of PCA's.",
        decide(iv, 5.0, above=False),
        f"Holds when the 95 % interval over {_n(sweep)} seeds of the largest angle lies below 5°; does not "
        "hold when it lies above.")


# --------------------------------------------------------------------------- one model in view
def elbo_bounds_the_likelihood(vae: dict) -> Claim:
    exact, elbo, iwae = vae["exact_nll"], vae["neg_elbo"], vae["iwae"]["1000"]
    rule = ("An ordering of bounds on one model, decided on the model in view: holds when −ELBO ≥ IWAE-1000 ≥ "
            "exact −log p(x) (within the quadrature's 0.001 nats).")
    if exact is None:
        return Claim("elbo_bound", "the post", "Minimising the loss maximises a lower bound on log p(x).",
                     f"−ELBO {elbo:.2f} nats; the exact likelihood needs a 1-D or 2-D latent space.", DEPENDS, rule)
    ordered = elbo >= iwae >= exact - 1e-3
    return Claim(
        "elbo_bound", "the post",
        "The VAE's loss (the negative ELBO) is an upper bound on −log p(x): minimising it maximises "
        "a lower bound on the likelihood.",
        f"Held-out −ELBO {elbo:.2f} ± {vae['neg_elbo_se']:.3f}, IWAE-1000 {iwae:.2f}, exact −log p(x) "
        f"{exact:.2f} nats (by quadrature over the latent space): the bound is {elbo - exact:.2f} nats "
        + ("loose." if ordered else "out of order."),
        HOLDS if ordered else FAILS, rule)


def reported_loss_is_one_draw(vae: dict, reported: float) -> Claim:
    sd, elbo = vae["neg_elbo_draw_sd"], vae["neg_elbo"]
    near = abs(reported - elbo) <= 3 * sd
    return Claim(
        "one_draw", "this app",
        "A VAE's held-out loss on these pages is one fixed-seed posterior draw per image.",
        f"That number is {reported:.2f} nats; averaged over {vae['n_draws']} draws per image it is "
        f"{elbo:.2f} ± {vae['neg_elbo_se']:.3f}, and a single draw's spread is ±{sd:.2f}, so the one draw lies "
        f"{'within' if near else 'outside'} three spreads of the average. Decoding the posterior mean instead "
        f"of a draw gives a reconstruction of {vae['recon_mean_decoded']:.2f} nats against "
        f"{vae['recon_sampled']:.2f} sampled.",
        HOLDS if near else FAILS,
        "Decided on the model in view: holds when the one-draw loss lies within three single-draw spreads of the "
        "many-draw average.")


def kl_rises_then_settles(history: dict) -> Claim:
    kl = history.get("val_kl") or history.get("train_kl")
    rule = ("Decided on the training history of the model in view: holds when the held-out KL peaks at least "
            "0.1 nats above its first epoch and its last fifth varies by less than a tenth of the peak (+0.05).")
    if not kl:
        return Claim("kl_rises", "the post", "The KL rises in early epochs, then stabilises.",
                     "This model recorded no KL.", DEPENDS, rule)
    peak = max(range(len(kl)), key=kl.__getitem__)
    tail = kl[-max(1, len(kl) // 5):]
    settled = (max(tail) - min(tail)) < 0.1 * max(kl[peak], 1e-9) + 0.05
    rises = kl[peak] > kl[0] + 0.1
    return Claim(
        "kl_rises", "the post",
        "During training the KL rises in the early epochs, then stabilises.",
        f"Held-out KL: {kl[0]:.2f} nats after epoch 1, a peak of {kl[peak]:.2f} at epoch {peak + 1}, "
        f"{kl[-1]:.2f} at the end (last fifth within {max(tail) - min(tail):.2f}).",
        HOLDS if rises and settled else FAILS if not rises else DEPENDS, rule)


# --------------------------------------------------------------------------- AE against VAE, over seeds
def ae_gaps_decode_to_garbage(ae: dict | None = None, vae: dict | None = None, sweep: dict | None = None) -> Claim:
    """The post: points between an AE's clusters decode to garbage; a VAE decodes something everywhere.

    Decided over the seed sweep (default: the shipped one); ``ae`` and ``vae``, the evaluation
    reports of the models on the page, are quoted beside it.
    """
    sweep = seeds.shipped() if sweep is None else sweep
    gaps = interval(seeds.figures(sweep, AE, "grid_gaps"))
    clusters = interval(seeds.figures(sweep, AE, "grid_clusters"))
    prior = interval(seeds.figures(sweep, VAE, "grid_prior"))
    ae_part, vae_part = decide(gaps, 0.5), decide(prior, 0.05, above=False)
    verdict = all_hold(ae_part, vae_part)
    what = {HOLDS: "both parts hold", FAILS: "not as stated", DEPENDS: "not decided"}[verdict]
    measured = (
        f"Of a 30 × 30 grid over the autoencoder's training codes, the points in the gaps between the codes "
        f"decode off the data {gaps.percent()} of the time, the points on the clusters {clusters.percent()}; "
        f"over ±3σ of the VAE's prior, {prior.percent()} of a grid does. The gaps' part "
        f"{_part(ae_part)}, the VAE's part {_part(vae_part)}: {what}.")
    ae_view, vae_view = ((report or {}).get("off_manifold") or {} for report in (ae, vae))
    if ae_view.get("data_gaps") is not None and vae_view.get("prior_grid") is not None:
        measured += (f" The models in view: {ae_view['data_gaps']:.0%} in the AE's gaps, "
                     f"{vae_view['prior_grid']:.0%} of the VAE's prior grid.")
    return Claim(
        "ae_gaps", "the post",
        "Points between the autoencoder's clusters decode to garbage; the VAE decodes something "
        "recognisable everywhere.",
        measured, verdict,
        f"Over {_n(sweep)} seeds of each: holds when the 95 % interval of the AE's gap share lies above 50 % and "
        "the VAE's below 5 %; does not hold when either lies on the other side.")


def _part(verdict: str) -> str:
    return {HOLDS: "holds", FAILS: "does not hold", DEPENDS: "is not decided"}[verdict]


def ae_draws_land_in_the_wilderness(ae: dict | None = None, sweep: dict | None = None) -> Claim:
    """The post: random points in an AE's latent space land in the empty wilderness between its clusters.

    Decided over the seed sweep (default: the shipped one); ``ae``, the evaluation report of the
    autoencoder on the page, is quoted beside it.
    """
    sweep = seeds.shipped() if sweep is None else sweep
    readings = {name: interval(seeds.figures(sweep, AE, ("wilderness", name))) for name in ("prior", "fitted", "box")}
    verdict = agree(*(decide(iv, 0.5) for iv in readings.values()))
    measured = (f"Share of 500 code draws farther from every training code than 99 % of held-out codes are: "
                f"from N(0, I) {readings['prior'].percent()}, from a Gaussian fitted to the AE's own codes "
                f"{readings['fitted'].percent()}, uniformly over the box of its codes {readings['box'].percent()}.")
    om = (ae or {}).get("off_manifold") or {}
    if om.get("fitted_draws_in_wilderness") is not None:
        measured += (f" The autoencoder in view: {om['prior_draws_in_wilderness']:.0%}, "
                     f"{om['fitted_draws_in_wilderness']:.0%} and {om['box_draws_in_wilderness']:.0%}.")
    return Claim(
        "ae_wilderness", "the post",
        "Sample random points for an autoencoder and you land in the wilderness: most of its latent "
        "space is meaningless void.",
        measured, verdict,
        f"Over {_n(sweep)} seeds, read three ways (the three samplers): holds when every reading's 95 % interval "
        "lies above 50 %, does not hold when every one lies below.")


def ae_samples_are_less_diverse(sweep: dict) -> Claim:
    """This app once said the AE's samples cover fewer digits; each side sampled its fairest way."""
    ae = seeds.figures(sweep, AE, ("samples_fitted", "1", "class_entropy"))
    ae_prior = interval(seeds.figures(sweep, AE, ("samples", "1", "class_entropy")))
    vae = seeds.figures(sweep, VAE, ("samples", "1", "class_entropy"))
    diff = unpaired_interval(vae, ae)
    return Claim(
        "ae_diversity", "this app",
        "The autoencoder's random samples cover fewer kinds of digit than the VAE's.",
        f"Class entropy of 500 samples at T = 1 (ln 10 = 2.30 is every digit equally): the AE drawn from a "
        f"Gaussian fitted to its own codes {interval(ae).text('.2f', 'nats')}, the VAE from its prior "
        f"{interval(vae).text('.2f', 'nats')}; the VAE's minus the AE's, {diff.text('.2f', 'nats', signed=True)}. "
        f"Drawn from N(0, I), as the post samples it, the AE scores {ae_prior.text('.2f', 'nats')}.",
        decide(diff, 0.1),
        f"Over {_n(sweep)} seeds of each (Welch's interval): holds when the 95 % interval of the VAE's entropy minus "
        "the AE's lies above 0.1 nats, does not hold when it lies below.")


# --------------------------------------------------------------------------- temperature, over seeds
def low_temperature_is_safe(sweep: dict, kind: str = "vae") -> Claim:
    """The post: "Lower temperature = safer, more average outputs", read as recognisability and fidelity.

    Recognisability is the digit judge's confidence; fidelity the samples' precision (Kynkäänniemi et
    al.); both compared between T = 0.5 and T = 1.5 on the same models (paired by seed).
    """
    setting, key = (VAE, "samples") if kind == "vae" else (AE, "samples_fitted")
    temps = ("0.5", "1", "1.5")

    def at(metric):
        return {t: seeds.figures(sweep, setting, (key, t, metric)) for t in temps}

    quality, precision, recall, off = at("quality"), at("precision"), at("recall"), at("off_data")
    d_quality, d_precision = paired(quality["0.5"], quality["1.5"]), paired(precision["0.5"], precision["1.5"])
    readings = decide(d_quality, 0.0), decide(d_precision, 0.0)
    name = "The VAE" if kind == "vae" else "The autoencoder (drawn from a Gaussian fitted to its codes)"

    def row(values, percent=False):
        return " / ".join(interval(values[t]).percent() if percent else f"{interval(values[t]).mean:.2f}"
                          for t in temps)

    measured = (
        f"{name} at T = 0.5 / 1 / 1.5, means over {_n(sweep)} "
        f"seeds: the judge's confidence {row(quality)}; precision {row(precision)}; recall {row(recall)}; "
        f"off the data {row(off, percent=True)}. At T = 0.5 minus T = 1.5: confidence "
        f"{d_quality.text('.2f', signed=True)}, precision {d_precision.text('.2f', signed=True)}: "
        f"recognisability {_reading(readings[0])}, fidelity {_reading(readings[1])}.")
    return Claim(
        "low_temperature", "the post",
        "Lower temperature gives safer, more average digits; higher temperature more diverse, noisier ones.",
        measured, agree(*readings),
        f"Read two ways, each paired by seed over {_n(sweep)} seeds: holds when the 95 % intervals of both the "
        "confidence and the precision at T = 0.5 minus T = 1.5 lie above 0, does not hold when both lie below, "
        "depends otherwise.")


def _reading(verdict: str) -> str:
    return {HOLDS: "safer when cold", FAILS: "safer when hot", DEPENDS: "not decided"}[verdict]


# --------------------------------------------------------------------------- β, over seeds
def _by_beta(sweep: dict, path, warmup: bool = False) -> dict[float, list]:
    return {beta: seeds.figures(sweep, sweep_name(beta, warmup), path) for beta in SWEEP_BETAS}


def lower_beta_sharpens_reconstructions(sweep: dict) -> Claim:
    """β below 1 should reconstruct better than β = 1, and β above 1 worse (paired by seed)."""
    recon = _by_beta(sweep, "recon_mean_decoded")
    diffs = {b: paired(v, recon[1.0]) for b, v in recon.items() if b != 1.0}
    parts = [decide(iv, 0.0, above=b > 1) for b, iv in diffs.items()]
    return Claim(
        "beta_recon", "the post",
        "β < 1 gives sharper reconstructions; β > 1 blurrier ones.",
        "Held-out reconstruction error (BCE of the posterior mean's decoding) minus β = 1's "
        f"({interval(recon[1.0]).text('.1f', 'nats')}), paired by seed: "
        + ", ".join(f"β = {b:g}: {iv.text('.1f', signed=True)}" for b, iv in diffs.items()) + " nats.",
        all_hold(*parts),
        f"Over {_n(sweep)} seeds: holds when every β < 1's interval lies below 0 and every β > 1's above; does not "
        "hold when any lies on the other side.")


def lower_beta_can_win_on_likelihood(sweep: dict) -> Claim:
    """The post's "β = 1: the balance Kingma and Welling intended": does β = 1 give the best likelihood?"""
    nll = {b: v for b, v in _by_beta(sweep, "exact_nll").items() if b > 0}  # β = 0's posteriors are degenerate
    diffs = {b: paired(v, nll[1.0]) for b, v in nll.items() if b != 1.0}
    parts = {b: decide(iv, 0.0) for b, iv in diffs.items()}
    beaten = [b for b, v in parts.items() if v == FAILS]
    undecided = [b for b, v in parts.items() if v == DEPENDS]
    measured = (f"Exact held-out −log p(x) at β = 1: {interval(nll[1.0]).text('.2f', 'nats')}; each other β minus "
                "β = 1, paired by seed: " + ", ".join(f"β = {b:g}: {iv.text('.2f', signed=True)}"
                                                       for b, iv in diffs.items()) + " nats.")
    if beaten:
        measured += f" β = {', '.join(f'{b:g}' for b in beaten)} is better than β = 1 over every seed's interval."
    elif undecided:
        measured += (f" β = {', '.join(f'{b:g}' for b in undecided)} cannot be told from β = 1 at n = {_n(sweep)}.")
    return Claim(
        "beta_likelihood", "the post",
        "β = 1 is the standard VAE, \"the balance Kingma and Welling intended\": its objective is the "
        "ELBO, so it should give the best likelihood.",
        measured, all_hold(*parts.values()),
        f"Over {_n(sweep)} seeds: holds when every other β's paired interval lies above 0 (worse than β = 1); does "
        "not hold when any lies below.")


def collapse_is_the_optimum(sweep: dict, beta: float) -> Claim:
    """At a large β, the collapsed model wins on its own objective (recon + β·KL) against models that kept a code.

    Per seed: the β model's objective minus the best objective, on that β, of the seed's models
    whose code did not collapse (every other β of the sweep); paired by seed.
    """
    def objective(run):
        return run["recon_sampled"] + beta * run["kl"]

    diffs, whole = [], []
    for seed in sweep["seeds"]:
        runs = {b: sweep["settings"][sweep_name(b, False)]["by_seed"][str(seed)] for b in SWEEP_BETAS}
        kept = [objective(r) for b, r in runs.items() if b != beta and not collapse.of_kl(r["kl_per_dim"]).whole]
        diffs.append(objective(runs[beta]) - min(kept))
        whole.append(collapse.of_kl(runs[beta]["kl_per_dim"]).whole)
    warm = [collapse.of_kl(k).whole for k in seeds.figures(sweep, sweep_name(beta, True), "kl_per_dim")]
    iv = interval(diffs)
    return Claim(
        f"collapse_optimum_{beta:g}", "this app",
        f"At β = {beta:g} the collapse is the objective's optimum, not a training accident.",
        f"The β = {beta:g} model's code collapsed in {sum(whole)} of {len(whole)} seeds without warm-up and in "
        f"{sum(warm)} of {len(warm)} with a {SWEEP_WARMUP_EPOCHS}-epoch warm-up. On held-out digits, its "
        f"recon + {beta:g}·KL minus the best score on that objective of the seed's models that kept a code: "
        f"{iv.text('.2f', 'nats', signed=True)}.",
        decide(iv, 0.0, above=False),
        f"Paired by seed over {_n(sweep)} seeds: holds when the interval lies below 0 (the collapsed model scores "
        "better on its own objective); does not hold when it lies above.")


def _outcome(run: dict) -> str:
    if run["diverged_at"]:
        return f"diverged in epoch {run['diverged_at']}"
    state = collapse.of_kl(run["kl_per_dim"])
    return "collapsed" if state.whole else f"kept {state.active_units} active"


def _kept(run: dict) -> int:
    """1 when a training ran to its end with a code that is not collapsed."""
    return int(not run["diverged_at"] and not collapse.of_kl(run["kl_per_dim"]).whole)


def warmup_prevents_collapse(sweep: dict) -> Claim:
    """The post: KL warm-up prevents posterior collapse; tested where collapse is an accident.

    The post's own recipe at β = 1 (per-sample SGD, where its code often collapses) with and without
    the 50-epoch warm-up it recommends, paired by seed: whether each run ends with a code. At β ≥ 4
    collapse is the objective's optimum (:func:`collapse_is_the_optimum`), not a question of schedule.
    """
    plain, warm = seeds.runs(sweep, "vae_blog"), seeds.runs(sweep, "vae_blog_warmup")
    diff = paired([_kept(r) for r in warm], [_kept(r) for r in plain])
    rows = "; ".join(f"seed {s}: {_outcome(p)} / {_outcome(w)}"
                     for s, p, w in zip(sweep["seeds"], plain, warm, strict=True))
    fast = []
    for beta in (b for b in SWEEP_BETAS if 0 < b < 4):
        counts = [sum(collapse.of_kl(k).whole for k in seeds.figures(sweep, sweep_name(beta, w), "kl_per_dim"))
                  for w in (False, True)]
        fast.append(f"β = {beta:g}: {counts[0]} / {counts[1]}")
    return Claim(
        "warmup", "the post",
        f"KL warm-up (β ramped from 0 over the first {SWEEP_WARMUP_EPOCHS} epochs) prevents posterior collapse.",
        f"The post's own recipe at β = 1, without / with warm-up — {rows}. Runs that end with a code: "
        f"{sum(map(_kept, plain))} of {len(plain)} without, {sum(map(_kept, warm))} of {len(warm)} with; with "
        f"minus without, {diff.text('.1f', signed=True)}. This app's fast recipe, seeds whose code collapsed "
        f"without / with warm-up: {', '.join(fast)}.",
        decide(diff, 0.0),
        f"Paired by seed over {_n(sweep)} seeds of the post's recipe at β = 1: holds when the interval of (ends with "
        "a code, with warm-up) minus (without) lies above 0; does not hold when it lies at or below 0.")


# --------------------------------------------------------------------------- every card, in order
def all_claims(sweep: dict, ae: dict, vae: dict, history: dict, reported: float, name: str = "the default VAE",
               own: Claim | None = None) -> dict[str, list[Claim]]:
    """Every claim the Claims page shows, by section.

    ``ae`` and ``vae`` are the evaluation reports of the models in view, ``history`` the VAE's
    training history, ``reported`` its one-draw held-out loss; ``own``: the post's printed loss
    judged on a session's own VAE (:func:`own_printed_loss`), if there is one.
    """
    return {
        "What the post prints": [
            post_printed_loss(sweep, "ae_blog", 0.0081, "autoencoder", "MSE per pixel", "blog_ae"),
            post_printed_loss(sweep, "vae_blog", 24.8, "VAE", "nats", "blog_vae"),
            post_printed_loss(sweep, VAE, 24.8, "VAE", "nats", "fast_vae",
                              trained="this app's fast recipe (the same network)"),
            *([own] if own else []),
        ],
        "Comparisons, decided over seeds": [
            linear_ae_is_pca(sweep),
            ae_gaps_decode_to_garbage(ae, vae, sweep),
            ae_draws_land_in_the_wilderness(ae, sweep),
            ae_samples_are_less_diverse(sweep),
            low_temperature_is_safe(sweep),
            lower_beta_sharpens_reconstructions(sweep),
            warmup_prevents_collapse(sweep),
            *(collapse_is_the_optimum(sweep, beta) for beta in (4.0, 8.0)),
            lower_beta_can_win_on_likelihood(sweep),
        ],
        f"One model: {name}": [
            elbo_bounds_the_likelihood(vae),
            kl_rises_then_settles(history),
            reported_loss_is_one_draw(vae, reported),
        ],
    }


def main() -> int:
    """``python -m latent_lab.measures.claims``: every verdict of the shipped models, as the Claims page states it."""
    from latent_lab.images.dataset import digits
    from latent_lab.measures import scores
    from latent_lab.models.catalog import asset_path
    from vae_core import load_model

    reports = scores.shipped_evaluations()
    model = load_model(asset_path("vae_default"))
    reported = float(model.evaluate(digits()[0].X_test)["loss"])
    for title, cards in all_claims(seeds.shipped(), reports["ae_default"], reports["vae_default"], model.history_,
                                   reported).items():
        print(f"## {title}\n")
        for card in cards:
            print(f"[{card.verdict}] {card.text}\n  {card.measured}\n  Rule: {card.rule}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
