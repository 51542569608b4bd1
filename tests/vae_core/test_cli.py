"""The command line: train with JSON output, argument errors, and the bench report's arithmetic."""

import json
import subprocess
import sys

import pytest

from vae_core import MODELS, load_model, pca_reconstruction_mse
from vae_core.bench import COLLAPSED_DIM_NATS, _spread, run_bench, time_to_reach
from vae_core.cli import build_parser, main
from vae_core.optimizers import OPTIMIZERS
from vae_core.threads import BLAS_THREADS


def _run(*args):
    return subprocess.run([sys.executable, "-m", "vae_core", *args], capture_output=True, text=True, timeout=300)


def test_train_vae_prints_one_json_object_with_the_blogs_loss_parts(tmp_path):
    path = tmp_path / "vae.npz"
    result = _run("train", "--model", "vae", "--epochs", "12", "--latent-dim", "3", "--hidden", "24",
                  "--beta", "0.5", "--kl-warmup", "4", "--batch-size", "64", "--optimizer", "adam", "--lr", "0.005",
                  "--seed", "2", "--save", str(path), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert {"model", "recipe", "epochs", "seconds", "train", "test"} <= set(report)
    assert report["model"] == "vae" and report["recipe"] == "fast" and report["epochs"] == 12
    assert set(report["train"]) == set(report["test"]) == {"loss", "recon", "kl"}
    assert report["test"]["loss"] == pytest.approx(report["test"]["recon"] + report["test"]["kl"])
    assert "epoch" in result.stderr  # progress goes to stderr, stdout stays pure JSON
    model = load_model(path)
    assert (model.latent_dim, model.hidden_sizes, model.beta, model.kl_warmup, model.random_state) == (
        3, (24,), 0.5, 4, 2)


def test_train_ae_reports_mse(capsys):
    assert main(["train", "--model", "ae", "--epochs", "5", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["train"]) == {"loss"}
    assert 0.0 < report["test"]["loss"] < 0.2


def test_train_text_output(capsys):
    assert main(["train", "--model", "ae", "--epochs", "2"]) == 0
    assert "MSE per pixel" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "--model", "ae", "--beta", "2"], "--beta only applies to --model vae"),
        (["train", "--model", "vae", "--latent-dim", "0"], "latent_dim must be an int >= 1"),
        (["train", "--model", "vae", "--lr", "-1"], "learning_rate"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(args, message, capsys):
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_unknown_choice_is_rejected_by_argparse():
    result = _run("train", "--model", "gan")
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_choices_come_from_the_engines_tables():
    def choices(command, option):
        subparsers = next(a for a in build_parser()._actions if a.dest == "command")
        return next(a for a in subparsers.choices[command]._actions if option in a.option_strings).choices

    assert choices("train", "--model") == sorted(MODELS)
    assert choices("train", "--optimizer") == sorted(OPTIMIZERS)
    assert choices("bench", "--model") == [*sorted(MODELS), "both"]


def test_save_into_a_missing_folder_is_refused_before_training(tmp_path, capsys):
    target = tmp_path / "no" / "such" / "folder" / "m.npz"
    assert main(["train", "--model", "ae", "--epochs", "3", "--save", str(target)]) == 2
    err = capsys.readouterr().err
    assert "there is no folder" in err and str(target.parent) in err
    assert "epoch" not in err  # refused before training
    assert not target.parent.exists()


def test_a_save_that_fails_is_an_error_not_a_traceback(tmp_path, capsys):
    assert main(["train", "--model", "ae", "--epochs", "1", "--save", str(tmp_path)]) == 2  # a folder
    assert f"--save {tmp_path}:" in capsys.readouterr().err


def test_time_to_reach_reads_the_history():
    history = {"train_loss": [5.0, 3.0, 2.0], "seconds": [0.1, 0.2, 0.3]}
    assert time_to_reach(history, 3.0) == 0.2
    assert time_to_reach(history, 1.0) is None


@pytest.fixture
def short_recipes(monkeypatch):
    """Both recipes shortened so the bench's arithmetic is checked in seconds; `python -m vae_core bench` runs
    the full ones."""
    from vae_core import recipes

    for kind in ("ae", "vae"):
        monkeypatch.setitem(recipes.RECIPES["blog"], kind, {**recipes.RECIPES["blog"][kind], "epochs": 2})
        monkeypatch.setitem(recipes.RECIPES["fast"], kind, {**recipes.RECIPES["fast"][kind], "epochs": 40})


def test_bench_report_compares_both_recipes(short_recipes, digits):
    report = run_bench(kinds=("ae",))
    assert report["seeds"] == [0] and list(report["models"]) == ["ae"]
    row = report["models"]["ae"]["by_seed"][0]
    blog, fast = row["blog"], row["fast"]
    assert blog["epochs"] == 2 and fast["epochs"] == 40
    assert row["epoch_speedup"] == pytest.approx(blog["seconds_per_epoch"] / fast["seconds_per_epoch"])
    assert row["epoch_speedup"] > 1
    assert fast["us_per_image"] == pytest.approx(fast["seconds_per_epoch"] / digits.X_train.shape[0] * 1e6)
    assert fast["test_loss"] < blog["test_loss"]
    assert row["fast_seconds_to_blog_loss"] is not None
    assert row["time_to_loss_speedup"] == pytest.approx(blog["seconds"] / row["fast_seconds_to_blog_loss"])
    assert report["pca_mse"]["16"] < report["pca_mse"]["2"]
    assert report["pca_mse"]["2"] == pca_reconstruction_mse(digits.X_train, digits.X_test, 2)
    blas = report["machine"]["blas"]
    assert blas and all(library["num_threads"] == BLAS_THREADS for library in blas)


def test_bench_seeds_report_one_run_per_seed_and_the_spread(short_recipes, monkeypatch, capsys):
    from vae_core import recipes

    for recipe, epochs in (("blog", 1), ("fast", 5)):
        monkeypatch.setitem(recipes.RECIPES[recipe], "vae", {**recipes.RECIPES[recipe]["vae"], "epochs": epochs})
    assert main(["bench", "--model", "vae", "--seeds", "0", "1", "2", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    entry = report["models"]["vae"]
    assert report["seeds"] == [0, 1, 2] and [row["seed"] for row in entry["by_seed"]] == [0, 1, 2]
    for recipe in ("blog", "fast"):
        rows = [row[recipe] for row in entry["by_seed"]]
        assert len({row["test_loss"] for row in rows}) == 3  # the seed reaches the model
        for key in ("test_loss", "test_kl"):
            values = sorted(row[key] for row in rows)
            assert entry["spread"][recipe][key] == {"min": values[0], "median": values[1], "max": values[2]}
        for row in rows:
            assert row["collapsed_dims"] == sum(kl < COLLAPSED_DIM_NATS for kl in row["test_kl_per_dim"])


def test_spread_names_the_seeds_that_diverged_or_collapsed():
    def row(seed, loss, kl_per_dim, diverged=None):
        collapsed = sum(kl < COLLAPSED_DIM_NATS for kl in kl_per_dim)
        return {"seed": seed, "test_loss": loss, "test_kl": sum(kl_per_dim), "test_kl_per_dim": kl_per_dim,
                "collapsed_dims": collapsed, "diverged": diverged}

    rows = [row(0, 27.5, [0.01, 0.02]), row(1, 27.0, [0.9, 0.05]), row(2, 26.0, [1.2, 1.3]),
            row(4, 27.2, [0.5, 0.6], diverged="Training diverged in epoch 201")]
    spread = _spread(rows)
    assert spread["test_loss"] == {"min": 26.0, "median": 27.1, "max": 27.5}
    assert spread["diverged_seeds"] == [4]
    assert spread["collapsed_seeds"] == [0] and spread["partly_collapsed_seeds"] == [1]


def test_bench_seeds_are_bounded(capsys):
    assert main(["bench", "--seeds", *map(str, range(11))]) == 2
    assert "at most 10 seeds" in capsys.readouterr().err


def test_epoch_time_reports_seconds_per_epoch_by_image_size(capsys):
    assert main(["epoch-time", "--images", "300", "--sides", "8", "16", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["side"] for r in rows] == [8, 16] and all(r["seconds_per_epoch"] > 0 for r in rows)
    assert main(["epoch-time", "--images", "0"]) == 2
