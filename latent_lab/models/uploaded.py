"""Files a visitor brings to the training page: a saved model to look at, images to train on.

Each function takes the session as a mapping (``st.session_state`` in the app, a plain dict in the
tests) and the uploads as Streamlit hands them over (objects with ``name`` and ``getvalue()``).
A file is checked against the hosted limits before anything is decoded; one that can't be used
changes nothing but ``train_error``, which says what to fix.
"""

from __future__ import annotations

from collections.abc import MutableMapping

from latent_lab.images.dataset import active, from_images
from latent_lab.images.uploads import DataFileError, DataLimits, parse_upload
from latent_lab.models import cache, training
from latent_lab.models.limits import LIMITS
from vae_core import ModelFileError

# What an upload of images may be here (the hosted limits).
UPLOAD_LIMITS = DataLimits(max_bytes=LIMITS.max_upload_mb * 2**20, max_rows=LIMITS.max_rows,
                           max_side=LIMITS.max_side, max_decoded_bytes=LIMITS.max_upload_decoded_mb * 2**20)
# What the page says about an upload of images.
IMAGES_HELP = (f"Train on your own square images (up to {LIMITS.max_side}×{LIMITS.max_side}, "
               f"{LIMITS.max_rows:,} of them, {LIMITS.max_upload_mb} MB): a CSV with one image per row "
               "(and an optional `label` column), a `.npy`/`.npz` array, or a set of PNG files "
               "(`7_001.png` gives the label 7). Pixels are scaled to [0, 1].")


def model_file(session: MutableMapping, upload) -> None:
    """Put the model of an uploaded ``.npz`` file on view, or record why it can't be."""
    if upload is None:
        return
    try:
        model = cache.load_uploaded(upload.getvalue(), active(session))
    except ModelFileError as err:
        training.fail(session, f"Could not load {upload.name}: {err} The current model is kept.")
        return
    training.show(session, model, f"uploaded file {upload.name}")


def image_files(session: MutableMapping, uploads) -> None:
    """Train on uploaded images from now on (and explore them), or record why they can't be."""
    if not uploads:
        return
    try:
        images = parse_upload([(upload.name, upload.getvalue()) for upload in uploads], UPLOAD_LIMITS)
    except DataFileError as err:
        training.fail(session, f"Could not use that data: {err} Nothing was changed.")
        return
    dataset = from_images(images)
    session["dataset"] = dataset
    session["train_error"] = None
    session["train_note"] = (f"Loaded {dataset.name} ({images.source}). Press Train to train a model "
                             "on them; the exploring pages use them too.")


def back_to_digits(session: MutableMapping) -> None:
    """Train on the built-in digits again."""
    session.pop("dataset", None)
