"""Public API: validation, shapes, sampling, interpolation helpers, data, import hygiene."""

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import vae_core
from vae_core import (
    VAE,
    Autoencoder,
    check_images,
    gaussian_grid,
    lerp,
    load_digits_unit,
    make_model,
    slerp,
    split_digits,
)


@pytest.fixture(scope="module")
def small_vae(digits):
    return make_model("vae", epochs=20).fit(digits.X_train, digits.X_test)


def test_digits_are_scaled_to_the_unit_interval():
    X, y = load_digits_unit()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert X.min() == 0.0 and X.max() == 1.0
    assert set(np.unique(y)) == set(range(10))


def test_digits_are_scikit_learns_without_importing_it():
    from sklearn.datasets import load_digits

    # The file is read directly (scikit-learn takes a second to import); the same digits result.
    out = subprocess.run([sys.executable, "-c", "import sys, vae_core; vae_core.load_digits_unit(); "
                          "print('sklearn' in sys.modules)"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    X, y = load_digits_unit()
    digits = load_digits()
    assert np.array_equal(X, digits.data / 16.0) and np.array_equal(y, digits.target)


def test_split_is_seeded_and_stratified(digits):
    assert digits.X_train.shape == (1437, 64) and digits.X_test.shape == (360, 64)
    again = split_digits()
    np.testing.assert_array_equal(again.X_test, digits.X_test)
    assert not np.array_equal(split_digits(random_state=1).X_test, digits.X_test)
    _, y = load_digits_unit()
    np.testing.assert_allclose(np.bincount(digits.y_test), 0.2 * np.bincount(y), atol=1)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        split_digits(test_size=1.5)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (np.zeros(64), "reshape"),
        (np.zeros((3, 10)), "expects 64"),
        (np.full((2, 64), np.nan), "NaN"),
        (np.full((2, 64), 16.0), r"\[0, 1\]"),
        (np.zeros((0, 64)), "empty"),
        ([["a"] * 64], "numeric"),
    ],
)
def test_bad_images_get_a_clear_error(bad, message):
    with pytest.raises(ValueError, match=message):
        check_images(bad, 64)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"latent_dim": 0}, "latent_dim must be an int >= 1"),
        ({"hidden_sizes": (32, -1)}, "hidden_sizes"),
        ({"optimizer": "rmsprop"}, r"\['adam', 'sgd'\]"),
        ({"learning_rate": -0.1}, "learning_rate must be > 0"),
        ({"beta": -1.0}, "beta must be >= 0"),
        ({"kl_warmup": 1.5}, "kl_warmup must be an int"),
        ({"output": "clip"}, r"output must be one of \['sigmoid'\]"),
        ({"batch_size": True}, "batch_size"),
        ({"momentum": 1.0}, "momentum must be < 1"),
    ],
)
def test_bad_hyperparameters_are_rejected_before_training(digits, overrides, message):
    model = make_model("vae", **overrides)
    with pytest.raises(ValueError, match=message):
        model.fit(digits.X_train)
    assert not hasattr(model, "history_")


def test_make_model_names_the_valid_choices():
    with pytest.raises(ValueError, match=r"\['ae', 'vae'\]"):
        make_model("gan")
    with pytest.raises(ValueError, match=r"\['blog', 'fast'\]"):
        make_model("ae", "slow")
    with pytest.raises(ValueError, match="beta"):
        make_model("ae", beta=2.0)


def test_blog_recipe_settings_are_the_posts():
    ae, vae = make_model("ae", "blog"), make_model("vae", "blog")
    assert isinstance(ae, Autoencoder) and isinstance(vae, VAE)
    assert (ae.batch_size, ae.optimizer, ae.learning_rate, ae.momentum, ae.epochs, ae.output) == (
        1, "sgd", 0.005, 0.9, 200, "clip")
    assert (vae.batch_size, vae.optimizer, vae.learning_rate, vae.clip_value, vae.epochs, vae.kl_warmup) == (
        1, "sgd", 0.003, 1.0, 300, 0)
    assert ae.hidden_sizes == (32,) and ae.latent_dim == 2 and ae.input_dim == 64


def test_unfitted_model_says_how_to_fit():
    with pytest.raises(RuntimeError, match="not fitted"):
        make_model("ae").decode(np.zeros((1, 2)))


def test_inference_shapes_and_ranges(small_vae, digits):
    X = digits.X_test[:7]
    mu, log_var = small_vae.encode_distribution(X)
    assert mu.shape == log_var.shape == (7, 2)
    np.testing.assert_array_equal(small_vae.encode(X), mu)
    images = small_vae.reconstruct(X)
    assert images.shape == (7, 64) and images.min() >= 0 and images.max() <= 1
    with pytest.raises(ValueError, match=r"shape \(n_samples, 2\)"):
        small_vae.decode(np.zeros((3, 3)))


@pytest.mark.parametrize("kind", ["ae", "vae"])
def test_inference_keeps_nothing_of_its_batch(kind, digits):
    # A layer keeps its input for the backward pass of training; on a large upload, what one
    # encode or score of every image would leave behind is tens of MB per model.
    X = np.tile(digits.X_test, (2, 1))  # 720 rows
    model = make_model(kind, epochs=2, batch_size=len(X)).fit(X, digits.X_test)  # a batch: all 720
    layers = [*model.encoder_, *model.decoder_, model.output_layer_, *model.layers_.values()]
    assert _kept_rows(layers, len(X)) == []  # training ended: its last batch is not kept either
    before = model.evaluate(X)
    model.encode(X), model.reconstruct(X), model.decode(np.zeros((len(X), 2)))
    if kind == "vae":
        model.encode_distribution(X)
    assert _kept_rows(layers, len(X)) == []
    model.fit_more(X, epochs=1)  # and training still has what its backward passes need
    assert np.isfinite(model.evaluate(X)["loss"]) and model.evaluate(X) != before


def _kept_rows(layers, n):
    return [(type(layer).__name__, name) for layer in layers for name, value in vars(layer).items()
            if isinstance(value, np.ndarray) and value.shape[:1] == (n,)]


def test_sampling_is_seeded_and_temperature_scales_the_codes(small_vae):
    images, Z = small_vae.sample(16, temperature=0.5, random_state=3)
    again, _ = small_vae.sample(16, temperature=0.5, random_state=3)
    np.testing.assert_array_equal(images, again)
    _, Z_hot = small_vae.sample(16, temperature=2.0, random_state=3)
    np.testing.assert_allclose(Z_hot, 4 * Z)
    cold, _ = small_vae.sample(4, temperature=0.0, random_state=3)
    # A batch of four and a batch of one may take different BLAS kernels, which round float32
    # differently in the last bits: equal up to a few units in the last place, not bit for bit.
    np.testing.assert_allclose(cold, np.repeat(small_vae.decode(np.zeros((1, 2))), 4, axis=0), rtol=0, atol=1e-6)
    with pytest.raises(ValueError, match="temperature"):
        small_vae.sample(4, temperature=-1.0)


def test_lerp_and_slerp_join_the_endpoints():
    z0, z1 = np.array([1.0, 0.0]), np.array([0.0, 2.0])
    for path in (lerp(z0, z1, 5), slerp(z0, z1, 5)):
        assert path.shape == (5, 2)
        np.testing.assert_allclose(path[0], z0, atol=1e-12)
        np.testing.assert_allclose(path[-1], z1, atol=1e-12)
    np.testing.assert_allclose(lerp(z0, z1, 3)[1], [0.5, 1.0])
    # Between unit vectors slerp stays on the unit circle, where lerp cuts the corner.
    unit = slerp(np.array([1.0, 0.0]), np.array([0.0, 1.0]), 7)
    np.testing.assert_allclose(np.linalg.norm(unit, axis=1), 1.0)
    assert np.linalg.norm(lerp(np.array([1.0, 0.0]), np.array([0.0, 1.0]), 3)[1]) < 0.8
    np.testing.assert_allclose(slerp(z0, 3 * z0, 3), lerp(z0, 3 * z0, 3))  # parallel: falls back
    with pytest.raises(ValueError, match="same size"):
        lerp(np.zeros(2), np.zeros(3), 4)


def test_gaussian_grid_is_row_major_from_the_top_left():
    Z, axis = gaussian_grid(3, quantile_range=(0.1, 0.9))
    np.testing.assert_allclose(axis, [-1.2815515655446004, 0.0, 1.2815515655446004])
    assert Z.shape == (9, 2)
    np.testing.assert_allclose(Z[0], [axis[0], axis[-1]])  # top-left: smallest z1, largest z2
    np.testing.assert_allclose(Z[2], [axis[-1], axis[-1]])
    np.testing.assert_allclose(Z[-1], [axis[-1], axis[0]])


def test_core_never_imports_the_dashboard_stack():
    code = "import sys, vae_core, vae_core.cli; print(sorted({m.split('.')[0] for m in sys.modules}))"
    modules = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "'streamlit'" not in modules and "'plotly'" not in modules and "'pandas'" not in modules


def test_core_imports_only_numpy_sklearn_and_the_standard_library():
    # threadpoolctl is scikit-learn's own dependency for the same job: capping BLAS threads.
    allowed = {"numpy", "sklearn", "threadpoolctl", "vae_core", *sys.stdlib_module_names}
    for source in Path(vae_core.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in allowed, f"{source.name} imports {name}"
