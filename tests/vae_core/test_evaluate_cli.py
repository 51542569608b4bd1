"""``python -m vae_core evaluate MODEL.npz``: one JSON object on stdout, clear errors otherwise."""

import json
import subprocess
import sys

import pytest

from vae_core import make_model, save_model
from vae_core.cli import main


@pytest.fixture(scope="module")
def model_files(tmp_path_factory, digits):
    """A briefly trained VAE and AE: scored in seconds, yet with a posterior to integrate."""
    folder = tmp_path_factory.mktemp("models")
    paths = {}
    for kind in ("vae", "ae"):
        model = make_model(kind, epochs=15, random_state=1).fit(digits.X_train)
        paths[kind] = folder / f"{kind}.npz"
        save_model(model, paths[kind])
    return paths


def test_evaluate_prints_one_json_object(model_files):
    result = subprocess.run([sys.executable, "-m", "vae_core", "evaluate", str(model_files["vae"]), "--iwae-k", "1",
                             "10", "--draws", "100", "--json"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    for key in ("neg_elbo", "neg_elbo_se", "iwae", "exact_nll", "bce_floor", "active_units", "kl_per_dim",
                "recon_mean_decoded", "mse", "samples", "off_manifold", "seconds"):
        assert key in report, key
    assert report["model"] == "vae" and report["n_test"] == 360
    assert set(report["iwae"]) == {"1", "10"} and report["n_draws"] == 100
    assert report["neg_elbo"] >= report["iwae"]["10"] - 4 * report["iwae_se"]["10"]
    assert report["iwae"]["10"] > report["exact_nll"] > report["bce_floor"]


def test_the_seed_reaches_the_monte_carlo_draws_only(model_files, capsys):
    # (the same seed giving the same numbers is tested on likelihood_bounds itself)
    runs = []
    for seed in (3, 4):
        assert main(["evaluate", str(model_files["vae"]), "--iwae-k", "10", "--draws", "200", "--seed", str(seed),
                     "--json"]) == 0
        runs.append(json.loads(capsys.readouterr().out))
    assert runs[0]["seed"] == 3 and runs[1]["seed"] == 4
    assert runs[0]["iwae"] != runs[1]["iwae"]
    assert abs(runs[0]["iwae"]["10"] - runs[1]["iwae"]["10"]) < 6 * runs[0]["iwae_se"]["10"]
    assert runs[0]["exact_nll"] == runs[1]["exact_nll"]  # no randomness in the quadrature


def test_evaluate_an_autoencoder(model_files, capsys):
    assert main(["evaluate", str(model_files["ae"]), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["model"] == "ae" and report["neg_elbo"] is None and report["iwae"] is None
    assert 0.0 < report["mse"] < 0.2


def test_evaluate_text_output(model_files, capsys):
    assert main(["evaluate", str(model_files["vae"]), "--iwae-k", "10", "--draws", "100"]) == 0
    out = capsys.readouterr().out
    assert "IWAE-10" in out and "exact -log p(x)" in out and "BCE floor" in out


@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (lambda files, tmp: [str(tmp / "missing.npz")], "no such model file"),
        (lambda files, tmp: [str(tmp / "junk.npz")], "Not a readable .npz model file"),
        (lambda files, tmp: [str(files["vae"]), "--iwae-k", "0"], "positive ints"),
        (lambda files, tmp: [str(files["vae"]), "--iwae-k", "3", "--draws", "10"], "multiple of every K"),
    ],
)
def test_evaluate_errors_exit_2_with_a_message(make_args, message, model_files, tmp_path, capsys):
    (tmp_path / "junk.npz").write_bytes(b"not a model")
    assert main(["evaluate", *make_args(model_files, tmp_path)]) == 2
    assert message in capsys.readouterr().err
