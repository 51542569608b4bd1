"""Two small components for choosing a digit: thumbnails to pick from, and a pad to draw on.

Components v2 with inline JavaScript (``latent_lab/drawing/web/image_picker.js``), no build step. Images
travel as one base-17 character per pixel (sixteenths, like the digits), which also keeps a
drawing short enough to live in a link.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import streamlit as st

from latent_lab.drawing.component_files import read_asset

ALPHABET = "0123456789abcdefg"


def pixels_to_text(images: np.ndarray) -> str:
    """Images with pixels in [0, 1] as one character per pixel, rounded to sixteenths.

    A lookup on bytes, a block of rows at a time: 8,000 images of 28 x 28 take a few MB on the
    way, not the hundreds a string per pixel would.
    """
    images = np.asarray(images)
    flat = images.reshape(len(images), -1) if images.ndim > 1 else images.reshape(1, -1)
    table = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)
    step = max(1, 2**20 // max(flat.shape[1], 1))
    blocks = [table[np.rint(np.clip(flat[i:i + step], 0.0, 1.0) * 16).astype(np.uint8)].tobytes()
              for i in range(0, len(flat), step)]
    return b"".join(blocks).decode("ascii")


def text_to_pixels(text: str) -> np.ndarray:
    """The inverse of :func:`pixels_to_text`, as a flat float array."""
    return np.array([ALPHABET.index(ch) / 16 for ch in text], dtype=float)


@functools.cache
def _component():
    return st.components.v2.component("latent_lab.image_picker", css=read_asset("image_picker.css"),
                                      js=read_asset("image_picker.js"))


def pick_image(images: np.ndarray, selected: int, *, key: str, on_pick, titles=None):
    """Thumbnails of ``images`` (n, side²); a click calls ``on_pick`` (read ``result.pick``)."""
    images = np.asarray(images, dtype=float)
    side = math.isqrt(images.shape[1])
    data = {"mode": "pick", "side": side, "images": pixels_to_text(images), "selected": int(selected),
            "titles": titles}
    return _component()(key=key, data=data, on_pick_change=on_pick, height="content")


def draw_pad(pixels: str, side: int, *, key: str, on_change):
    """A pad to draw a ``side`` × ``side`` digit on; ``on_change`` gets ``result.pixels``."""
    data = {"mode": "draw", "side": side, "pixels": pixels}
    return _component()(key=key, data=data, on_pixels_change=on_change)
