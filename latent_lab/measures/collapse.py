"""When the pages call a VAE's code collapsed onto the prior: one rule, per dimension and whole.

A latent dimension is *collapsed* when its held-out KL is below ``DIM_COLLAPSE_NATS`` nats (the
engine's rule, ``vae_core.metrics``), *active* otherwise; the code is collapsed as a whole when
every dimension is. Every page, card, warning and the "active latent units" metric read
:class:`CodeCollapse`, so a model can never be "2 of 2 active" and "z1 collapsed" at once.
"""

from __future__ import annotations

__all__ = ["DIM_COLLAPSE_NATS", "RULE", "CodeCollapse", "code_collapse", "collapsed_dims", "of_kl"]

from dataclasses import dataclass

from vae_core import kl_per_dim, metrics
from vae_core.metrics import DIM_COLLAPSE_NATS

RULE = (f"a latent dimension is collapsed when its held-out KL is below {DIM_COLLAPSE_NATS:g} nats, "
        "active otherwise; the code is collapsed when every dimension is")


@dataclass(frozen=True)
class CodeCollapse:
    """Which latent dimensions of a VAE carry information about the image (held-out KL per dimension)."""

    kl_per_dim: tuple[float, ...]

    @property
    def latent_dim(self) -> int:
        return len(self.kl_per_dim)

    @property
    def collapsed(self) -> list[int]:
        """Collapsed dimensions, from 0."""
        return metrics.collapsed_dims(self.kl_per_dim)

    @property
    def active_units(self) -> int:
        return self.latent_dim - len(self.collapsed)

    @property
    def whole(self) -> bool:
        """The whole code is collapsed: no dimension is active."""
        return self.active_units == 0

    @property
    def names(self) -> str:
        """The collapsed dimensions as the pages name them: ``"z1, z2"``."""
        return ", ".join(f"z{d + 1}" for d in self.collapsed)

    def warning(self) -> str | None:
        """What a page warns about this code, or None when every dimension is active."""
        if not self.collapsed:
            return None
        kl = sum(self.kl_per_dim)
        if self.whole:
            return (f"**Posterior collapse.** Every latent dimension ({self.names}) ended with a held-out KL "
                    f"below {DIM_COLLAPSE_NATS:g} nats ({kl:.2f} nats in all): the code carries almost "
                    "nothing about the image, and the decoder draws nearly the same digit for every code.")
        return (f"**Partial collapse:** latent dimension(s) {self.names} ended with a held-out KL below "
                f"{DIM_COLLAPSE_NATS:g} nats and carry almost nothing about the digit; "
                f"{self.active_units} of {self.latent_dim} stay active ({kl:.2f} nats in all).")


def of_kl(kl_per_dim) -> CodeCollapse:
    """The collapse of a code from its held-out KL per dimension (nats)."""
    return CodeCollapse(tuple(float(v) for v in kl_per_dim))


def code_collapse(model, X_held_out) -> CodeCollapse | None:
    """The collapse of a model's code on held-out images; None for an autoencoder.

    The training page's "active latent units" metric is ``code_collapse(...).active_units`` and
    its warning ``code_collapse(...).warning()``: one measurement for both.
    """
    if model.kind != "vae":
        return None
    return of_kl(kl_per_dim(model, X_held_out))


def collapsed_dims(model) -> list[int]:
    """Collapsed dimensions of a VAE by the last held-out KL of its training history (an AE: none)."""
    per_dim = model.history_.get("val_kl_per_dim") if model.kind == "vae" else None
    return of_kl(per_dim[-1]).collapsed if per_dim else []
