"""Every setting a page shows: its key (widget key and query parameter), default and values.

Keys start with their page's prefix; ``explore_`` settings are shared by several pages. The
table is the one place the pages, the URL and the tests learn what a setting may be.
"""

from __future__ import annotations

from dataclasses import dataclass

from latent_lab.models import catalog
from latent_lab.models.limits import LIMITS
from latent_lab.state.kinds import Bool, Choice, Float, Int, Pixels, Point, Setting, setting_table
from vae_core import OPTIMIZERS

KIND_LABELS = {kind: names.label for kind, names in catalog.KINDS.items()}
RECIPE_LABELS = {"fast": "fast (Adam, mini-batches)", "blog": "blog (per-sample SGD, slow)"}
OPTIMIZER_NAMES = tuple(sorted(OPTIMIZERS))
EXPLORE_OPTIONS = {"default": "shipped defaults", "trained": "my trained models"}
INTERP_MODES = ("by class", "by index", "at random", "drawn by you")
# How many examples of a class the interpolation page offers to pick from.
N_PICKS = 12
GALLERY_SIZES = (16, 25, 36, 49, 64, 100)
# How fast the training page draws a run, in epochs per second (0: live, as fast as it trains).
PACE_LABELS = {10: "10 epochs/s", 30: "30 epochs/s", 100: "100 epochs/s", 0: "as it trains"}
# The form opens on the shipped default VAE.
_DEFAULT = catalog.model_config("vae")
# The pinned latent point may lie anywhere a map could show; farther out nothing is drawn.
LATENT_BOUND = 100.0

# The training form's fields, in the order a recipe link lists them.
FORM = (
    Setting("train_kind", "vae", Choice(tuple(KIND_LABELS))),
    Setting("train_recipe", "fast", Choice(tuple(RECIPE_LABELS))),
    Setting("train_latent_dim", _DEFAULT["latent_dim"], Int(1, LIMITS.max_latent)),
    Setting("train_hidden_size", _DEFAULT["hidden_sizes"][0], Int(0, LIMITS.max_hidden)),
    Setting("train_beta", float(_DEFAULT["beta"]), Float(0.0, LIMITS.max_beta)),
    Setting("train_kl_warmup", _DEFAULT["kl_warmup"], Int(0, LIMITS.max_epochs)),
    Setting("train_epochs", _DEFAULT["epochs"], Int(1, LIMITS.max_epochs)),
    Setting("train_batch_size", _DEFAULT["batch_size"], Int(1, LIMITS.max_batch)),
    Setting("train_optimizer", _DEFAULT["optimizer"], Choice(OPTIMIZER_NAMES)),
    Setting("train_learning_rate", float(_DEFAULT["learning_rate"]),
            Float(LIMITS.min_learning_rate, LIMITS.max_learning_rate)),
    Setting("train_seed", _DEFAULT["random_state"], Int(0, LIMITS.max_seed)),
)


@dataclass(frozen=True)
class Recipe:
    """A model as the training form describes it, in one line: its fields joined by "_".

    ``vae_fast_2_32_1_0_300_128_adam_0.01_0`` is kind, recipe, latent size, hidden size, β,
    warm-up, epochs, batch size, optimizer, learning rate and seed. Each field is checked
    against its setting's bounds, so a link cannot ask for a model beyond the hosted limits;
    ``latent_lab.models.training.config_from_recipe`` turns it into the model's config.
    """

    fields: tuple

    def check(self, value):
        if not isinstance(value, str):
            raise ValueError("expected a recipe: " + "_".join(f.key[len("train_"):] for f in self.fields))
        return self.parse(value)

    def parse(self, text: str):
        parts = text.split("_")
        if len(parts) != len(self.fields) or len(text) > 120:
            raise ValueError(f"expected {len(self.fields)} fields joined by _")
        values = []
        for field, part in zip(self.fields, parts, strict=True):
            try:
                values.append(field.kind.format(field.kind.parse(part)))
            except ValueError as err:
                raise ValueError(f"{field.key[len('train_'):]}: {err}") from None
        return "_".join(values)

    def format(self, value) -> str:
        return value

    def values(self, text: str) -> dict:
        """The form's fields of a recipe, by name without the ``train_`` prefix."""
        return {field.key[len("train_"):]: field.kind.parse(part)
                for field, part in zip(self.fields, text.split("_"), strict=True)}


RECIPE = Recipe(FORM)

SETTINGS = setting_table(
    # Training dynamics: the form, and the model on view (None: the shipped default VAE)
    *FORM,
    Setting("train_view", None, RECIPE, widget=False),
    Setting("train_more", 50, Int(1, LIMITS.max_epochs)),
    # The pace a training is shown at (latent_lab.models.replay): 300 epochs in 10 s by default.
    Setting("train_pace", 30, Choice(tuple(PACE_LABELS))),
    # The epoch of the latent snapshot on view; None: the model's last one.
    Setting("train_snapshot", None, Int(0, LIMITS.max_epochs)),
    # Latent space
    Setting("latent_manifold", False, Bool()),
    Setting("latent_manifold_n", 10, Int(6, 20)),
    Setting("latent_holes", False, Bool()),
    Setting("latent_z", None, Point(LATENT_BOUND), widget=False),
    Setting("latent_z_from", "", Choice(("", "AE", "VAE")), widget=False),
    # The digit whose VAE posterior is drawn (an index into all digits), and its draws' seed.
    Setting("latent_digit", None, Int(0, LIMITS.max_rows - 1)),
    Setting("latent_draw_seed", 0, Int(0, LIMITS.max_seed), widget=False),
    # The β tradeoff
    Setting("beta_beta", 1.0, Choice(catalog.SWEEP_BETAS)),
    Setting("beta_warmup", False, Bool()),
    # Interpolation
    Setting("interp_mode", "by class", Choice(INTERP_MODES)),
    Setting("interp_class_a", 3, Choice(tuple(range(10)))),
    Setting("interp_class_b", 7, Choice(tuple(range(10)))),
    Setting("interp_index_a", 0, Int(0, LIMITS.max_rows - 1)),
    Setting("interp_index_b", 1, Int(0, LIMITS.max_rows - 1)),
    Setting("interp_pick_a", 0, Int(0, N_PICKS - 1), widget=False),
    Setting("interp_pick_b", 0, Int(0, N_PICKS - 1), widget=False),
    Setting("interp_draw_a", None, Pixels(LIMITS.max_side), widget=False),
    Setting("interp_draw_b", None, Pixels(LIMITS.max_side), widget=False),
    Setting("interp_seed", 0, Int(0, LIMITS.max_seed), widget=False),
    Setting("interp_steps", 9, Int(3, 15)),
    # The traversals under the paths: the sweep's range (latent_lab.drawing.traversals.RANGES),
    # its reach k, and the code the rows start from (the mean code, or either end's).
    Setting("interp_trav_range", "codes", Choice(("codes", "prior"))),
    Setting("interp_trav_k", 2.0, Float(0.5, 4.0, step=0.5)),
    Setting("interp_trav_anchor", "mean", Choice(("mean", "from", "to"))),
    # Generation gallery
    Setting("gen_kind", "vae", Choice(tuple(KIND_LABELS))),
    Setting("gen_temperature", 1.0, Float(0.0, 3.0, step=0.1)),
    Setting("gen_n", 36, Choice(GALLERY_SIZES)),
    Setting("gen_seed", 0, Int(0, LIMITS.max_seed), widget=False),
    # How the gallery samples an autoencoder (latent_lab.measures.scores.SAMPLERS_BY_KIND).
    Setting("gen_ae_sampler", "fitted", Choice(("fitted", "prior"))),
    # Shared by the pages that explore models
    Setting("explore_models", "default", Choice(tuple(EXPLORE_OPTIONS))),
    # The session's own 2-D models that "my trained models" explores, by their recipes.
    Setting("explore_ae", None, RECIPE, widget=False),
    Setting("explore_vae", None, RECIPE, widget=False),
)
