"""The landing page's explorer: the shipped models' maps, and nothing a cold start must wait for."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from latent_lab.drawing import landing
from latent_lab.models import cache
from vae_core import load_digits_unit

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_the_landing_explorer_shows_both_shipped_models_on_every_digit():
    data = landing.explorer_data()
    X_all, y_all = load_digits_unit()
    assert [m["id"] for m in data["maps"]] == ["ae", "vae"] and data["id"] == "home"
    for spec, model in zip(data["maps"], cache.default_models(), strict=True):
        codes = model.encode(X_all)
        np.testing.assert_allclose(spec["x"], codes[:, 0], atol=1e-4)
        np.testing.assert_allclose(spec["y"], codes[:, 1], atol=1e-4)
    assert data["labels"] == y_all.tolist()
    # Small maps whose point tours the VAE's until a hand takes over; no training images to send.
    assert data["compact"] and data["tour"] == "vae" and data["train"] is None
    assert len(json.dumps(data)) < 150_000


def test_the_landing_page_loads_no_scikit_learn_pandas_or_scipy():
    # A fresh interpreter: what the landing page's first run imports, and nothing else.
    script = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        "at = AppTest.from_file('app.py', default_timeout=120).run()\n"
        "assert not at.exception, at.exception\n"
        "print(sorted(m for m in ('sklearn', 'scipy', 'pandas', 'pyarrow') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True,
                         timeout=300, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stderr[-2000:]
