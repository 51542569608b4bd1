"""What a page lets you download besides the model: its training history as CSV, its images as PNG."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from PIL import Image

from latent_lab.drawing.figures import tile_images


def history_table(history: dict) -> pd.DataFrame:
    """One row per epoch; per-dimension KL lists become one column per latent dimension.

    Columns whose every value is missing (a model trained without held-out data has no
    ``val_*``) are left out.
    """
    columns = {}
    n_epochs = len(history.get("epoch", []))
    for key, values in history.items():
        if len(values) != n_epochs:
            continue  # e.g. no held-out scores were recorded
        if values and isinstance(values[0], (list, tuple)):
            per_dim = np.asarray(values, dtype=float)  # (epochs, latent)
            for d in range(per_dim.shape[1]):
                columns[f"{key.removesuffix('_per_dim')}_z{d + 1}"] = per_dim[:, d]
        else:
            columns[key] = values
    table = pd.DataFrame(columns)
    return table.dropna(axis=1, how="all")


def history_csv(history: dict) -> bytes:
    """:func:`history_table` as CSV text (UTF-8)."""
    return history_table(history).to_csv(index=False).encode("utf-8")


def images_png(images: np.ndarray, n_cols: int, scale: int = 8) -> bytes:
    """Square images (n, side²) with pixels in [0, 1] tiled in rows of ``n_cols``, as a PNG.

    Ink is dark on white paper, as on the pages; each pixel becomes ``scale`` × ``scale``.
    """
    canvas = tile_images(images, n_cols)  # NaN between tiles
    grey = np.where(np.isnan(canvas), 255, 255 - np.clip(canvas, 0, 1) * (255 - 17))
    grey = np.kron(grey, np.ones((scale, scale))).round().astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(grey, mode="L").save(buffer, format="PNG")
    return buffer.getvalue()
