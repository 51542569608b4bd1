"""vae_core: autoencoders and variational autoencoders written from scratch in NumPy."""

from .data import DigitSplit, check_images, load_digits_unit, split_digits
from .io import FORMAT_VERSION, ModelFileError, load_model, model_to_bytes, save_model
from .latent import gaussian_grid, grid_from_axes, lerp, slerp
from .metrics import knn_latent_accuracy, pca_reconstruction_mse
from .models import MODELS, VAE, Autoencoder
from .optimizers import OPTIMIZERS
from .recipes import RECIPES, make_model
from .training import TrainingDivergedError

__all__ = [
    "FORMAT_VERSION", "MODELS", "OPTIMIZERS", "RECIPES", "VAE", "Autoencoder", "DigitSplit", "ModelFileError",
    "TrainingDivergedError", "check_images", "gaussian_grid", "grid_from_axes", "knn_latent_accuracy",
    "lerp", "load_digits_unit", "load_model", "make_model", "model_to_bytes", "pca_reconstruction_mse",
    "save_model", "slerp", "split_digits",
]
