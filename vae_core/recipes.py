"""Named training recipes: the blog's per-sample loop, and the fast vectorized default."""

from .models import MODELS
from .validation import check_choice

RECIPES = {
    # The blog post's code, setting for setting: per-sample SGD with momentum 0.9, He-normal
    # initialisation, lr 0.005 and a clipped output for the AE; lr 0.003 with +-1 gradient
    # clipping for the VAE; no KL warm-up.
    "blog": {
        "ae": {"output": "clip", "epochs": 200, "batch_size": 1, "optimizer": "sgd", "learning_rate": 0.005,
               "momentum": 0.9, "clip_value": None, "dtype": "float64"},
        "vae": {"output": "sigmoid", "epochs": 300, "batch_size": 1, "optimizer": "sgd", "learning_rate": 0.003,
                "momentum": 0.9, "clip_value": 1.0, "beta": 1.0, "kl_warmup": 0, "dtype": "float64"},
    },
    # Same networks, trained on shuffled mini-batches with Adam in float32.
    "fast": {
        "ae": {"output": "sigmoid", "epochs": 200, "batch_size": 128, "optimizer": "adam", "learning_rate": 0.01,
               "clip_value": None, "dtype": "float32"},
        "vae": {"output": "sigmoid", "epochs": 300, "batch_size": 128, "optimizer": "adam", "learning_rate": 0.01,
                "clip_value": None, "beta": 1.0, "kl_warmup": 0, "dtype": "float32"},
    },
}


def make_model(kind, recipe="fast", **overrides):
    """Build an unfitted model from a named recipe, with any hyperparameter overridden.

    Parameters
    ----------
    kind : {"ae", "vae"}
    recipe : {"fast", "blog"}
    **overrides
        Constructor arguments that replace the recipe's (e.g. ``latent_dim=8``, ``beta=4.0``).

    Returns
    -------
    Autoencoder or VAE
    """
    model_class = MODELS[check_choice("model kind", kind, MODELS)]
    settings = {**RECIPES[check_choice("recipe", recipe, RECIPES)][kind], **overrides}
    valid = model_class._param_names()
    unknown = sorted(set(settings) - set(valid))
    if unknown:
        raise ValueError(f"Unknown hyperparameter(s) {unknown} for {model_class.__name__}; valid: {valid}.")
    return model_class(**settings)
