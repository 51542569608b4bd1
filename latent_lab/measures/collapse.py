"""When the pages call a VAE's code collapsed onto the prior."""

from __future__ import annotations

# Held-out KL below this many nats means the encoder ignores its input.
COLLAPSE_NATS = 0.5
# A single latent dimension carrying less than this is collapsed onto the prior.
DIM_COLLAPSE_NATS = 0.1


def collapsed_dims(model) -> list[int]:
    """Latent dimensions whose held-out KL ended below ``DIM_COLLAPSE_NATS`` (VAE only)."""
    per_dim = model.history_.get("val_kl_per_dim") if model.kind == "vae" else None
    if not per_dim:
        return []
    return [d for d, kl in enumerate(per_dim[-1]) if kl < DIM_COLLAPSE_NATS]
