"""Downloads: a model's training history as CSV, a page's images as PNG."""

import io

import numpy as np
import pandas as pd
from PIL import Image

from latent_lab.drawing import exports


def test_history_csv_has_one_row_per_epoch_and_one_column_per_latent_dimension():
    history = {"epoch": [1, 2], "train_loss": [30.0, 28.5], "val_loss": [31.0, 29.0],
               "train_kl_per_dim": [[1.0, 2.0], [1.5, 2.5]], "val_kl_per_dim": [],
               "seconds": [0.1, 0.2]}
    table = pd.read_csv(io.BytesIO(exports.history_csv(history)))
    assert list(table.columns) == ["epoch", "train_loss", "val_loss", "train_kl_z1", "train_kl_z2",
                                   "seconds"]
    assert table["train_kl_z2"].tolist() == [2.0, 2.5] and len(table) == 2


def test_images_png_tiles_the_images_ink_on_paper():
    images = np.zeros((3, 64))
    images[1, 0] = 1.0  # one inked pixel, top left of the second image
    png = Image.open(io.BytesIO(exports.images_png(images, n_cols=2, scale=2)))
    pixels = np.asarray(png)
    assert png.mode == "L" and pixels.shape == (2 * 17, 2 * 17)  # two rows of (8 + 1 + 8) cells
    assert pixels[0, 18] == 17 and pixels[0, 0] == 255  # the ink is dark, the rest paper
    assert pixels[0, 16] == 255  # the gap between tiles is paper too


def test_images_png_takes_any_square_size():
    png = Image.open(io.BytesIO(exports.images_png(np.full((4, 28 * 28), 0.5), n_cols=4, scale=1)))
    assert png.size == (4 * 28 + 3, 28)
