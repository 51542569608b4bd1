"""The words the pages measure in, each explained once in plain words.

Every page reaches the whole list from the sidebar (``ui.navigation``), and a widget or a metric
that shows one of these figures takes its ``help=`` tooltip from here (:func:`help_text`), so a
term reads the same wherever it appears.
"""

from __future__ import annotations

from latent_lab.measures.collapse import DIM_COLLAPSE_NATS

# term -> its explanation (Markdown), in the order a reader meets them.
TERMS = {
    "nats": (
        "The unit this app measures information and likelihood in: logarithms to base e. One nat "
        "is about 1.44 bits. An image that costs a model 30 nats is one the model gives a "
        "probability of e⁻³⁰; fewer nats means the model finds the image more likely."
    ),
    "KL": (
        "The Kullback–Leibler divergence between what the encoder says about one image (a small "
        "Gaussian cloud of codes) and the prior N(0, I) every code is pulled towards. It counts, in "
        "nats, how much the code tells about the image: 0 means nothing at all. Also called the "
        "rate."
    ),
    "ELBO": (
        "The evidence lower bound: the score a VAE trains on. Its negative, −ELBO = reconstruction "
        "error (BCE) + KL, is what the pages report, in nats per image; lower is better. It is a "
        "bound: the image's true cost under the model, −log p(x), is never higher."
    ),
    "IWAE": (
        "The importance-weighted bound (Burda et al., 2016): the ELBO computed from K codes drawn "
        "for the same image instead of one. IWAE-1 is the ELBO; with more draws it tightens towards "
        "the exact −log p(x). IWAE-1000 uses 1,000 draws."
    ),
    "exact likelihood": (
        "−log p(x) itself, not a bound. With a 2-D latent space the app can add up "
        "p(x) = ∫ p(x | z) p(z) dz over a fine grid of codes, so it gets the number the ELBO and "
        "IWAE only approach from above. Lower is better."
    ),
    "BCE floor": (
        "The lowest reconstruction error (binary cross-entropy) any model can reach on these "
        "images. The digits' pixels are grey, not only black or white, so even a perfect copy pays "
        "each pixel's own uncertainty: the images' entropy. A reconstruction near the floor is "
        "close to perfect."
    ),
    "Fréchet distance": (
        "How far generated images lie from real ones, as a whole: a Gaussian is fitted to each "
        "set's features and the distance between the two is measured (the FID does this with an "
        "image network's features; here the features are a digit classifier's ten scores). "
        "0 means the same statistics; lower is better."
    ),
    "active units": (
        "The latent dimensions the encoder really uses: those that carry at least "
        f"{DIM_COLLAPSE_NATS:g} nats about the image (their held-out KL). The others are collapsed: "
        "they tell the decoder nothing."
    ),
    "collapse": (
        "Posterior collapse: the KL term wins, so for a latent dimension the encoder gives every "
        "image the prior's own cloud and the dimension carries almost nothing about the image "
        f"(a held-out KL below {DIM_COLLAPSE_NATS:g} nats). When every dimension collapses, the "
        "decoder draws much the same digit wherever z is. A large β pushes a VAE there."
    ),
}


def help_text(term: str) -> str:
    """The explanation of ``term``, for a widget's or a metric's ``help=``."""
    try:
        return TERMS[term]
    except KeyError:
        raise ValueError(f"No glossary entry {term!r}; the terms are {sorted(TERMS)}.") from None


def markdown() -> str:
    """The whole glossary as Markdown: one bold term and its explanation per paragraph."""
    return "\n\n".join(f"**{term}**: {text}" for term, text in TERMS.items())
