"""The HTML, CSS and JavaScript of the app's custom components (``latent_lab/drawing/web/``)."""

from __future__ import annotations

import functools
from pathlib import Path

WEB_DIR = Path(__file__).resolve().parent / "web"


@functools.cache
def read_asset(name: str) -> str:
    return (WEB_DIR / name).read_text()
