"""vae_core: autoencoders and variational autoencoders written from scratch in NumPy."""

from .data import DigitSplit, check_images, load_digits_unit, split_digits
from .evaluation import (
    DigitJudge,
    OffDataTest,
    digit_judge,
    evaluate_model,
    frechet_band,
    frechet_distance,
    judge_images,
    latent_outlier_share,
    linear_ae_vs_pca,
    nearest_training_digit,
    off_manifold_share,
    off_manifold_threshold,
    pca_reconstruction_mse,
    principal_angles,
    temperature_curve,
)
from .io import FORMAT_VERSION, LoadLimits, ModelFileError, load_model, model_to_bytes, save_model
from .latent import gaussian_grid, grid_from_axes, lerp, slerp
from .likelihood import Quadrature, bce_floor, exact_nll, kl_per_dim, likelihood_bounds
from .metrics import DIM_COLLAPSE_NATS, code_gaussian, collapsed_dims, draw_codes, precision_recall
from .models import MODELS, VAE, Autoencoder, parameter_count
from .optimizers import OPTIMIZERS
from .recipes import RECIPES, make_model
from .training import TrainingDivergedError

__all__ = [
    "DIM_COLLAPSE_NATS", "FORMAT_VERSION", "MODELS", "OPTIMIZERS", "RECIPES", "VAE", "Autoencoder", "DigitJudge",
    "DigitSplit", "LoadLimits", "ModelFileError", "OffDataTest", "Quadrature", "TrainingDivergedError",
    "bce_floor", "check_images", "code_gaussian", "collapsed_dims", "digit_judge", "draw_codes",
    "evaluate_model", "exact_nll", "frechet_band", "frechet_distance", "gaussian_grid", "grid_from_axes",
    "judge_images", "kl_per_dim", "latent_outlier_share", "lerp", "likelihood_bounds", "linear_ae_vs_pca",
    "load_digits_unit", "load_model", "make_model", "model_to_bytes", "nearest_training_digit",
    "off_manifold_share", "off_manifold_threshold", "parameter_count", "pca_reconstruction_mse",
    "precision_recall", "principal_angles", "save_model", "slerp", "split_digits", "temperature_curve",
]
