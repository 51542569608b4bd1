"""What one request may ask of the server: the bounds every form, link and upload is checked against.

A hosted demo serves many visitors from a small container, so no widget combination, shared
link or uploaded file may buy unbounded work. The numbers are one table, shown in the README.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_epochs: int = 1000
    max_hidden: int = 256
    max_latent: int = 16
    max_batch: int = 1437  # the training split: a larger batch is the whole split anyway
    min_learning_rate: float = 1e-5
    max_learning_rate: float = 1.0
    max_beta: float = 16.0
    max_seed: int = 2**31 - 1
    # Trainings that run at the same time; more wait their turn (a 2-core box, many visitors).
    max_trainings: int = 2


LIMITS = Limits()
