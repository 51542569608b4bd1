"""Command line: ``python -m vae_core train ...``, ``python -m vae_core bench`` and ``python -m vae_core evaluate``."""

import argparse
import json
import sys
import time
from pathlib import Path

from .bench import epoch_time, print_report, run_bench
from .data import split_digits
from .evaluation import evaluate_model
from .io import load_model, save_model
from .models import MODELS
from .optimizers import OPTIMIZERS
from .recipes import RECIPES, make_model
from .training import TrainingDivergedError

# The seed spread trains the blog recipe once per seed: keep it to minutes.
MAX_BENCH_SEEDS = 10
BLOG_MINUTES_PER_SEED = {"ae": 0.3, "vae": 0.7}


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m vae_core",
                                     description="Train NumPy autoencoders and VAEs on the 8x8 digits.")
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train one model and report its losses")
    train.add_argument("--model", choices=sorted(MODELS), default="vae")
    train.add_argument("--recipe", choices=sorted(RECIPES), default="fast")
    train.add_argument("--epochs", type=int)
    train.add_argument("--latent-dim", type=int)
    train.add_argument("--hidden", type=int, nargs="+", metavar="WIDTH",
                       help="hidden layer widths of the encoder (the decoder mirrors them)")
    train.add_argument("--beta", type=float, help="KL weight (VAE only)")
    train.add_argument("--kl-warmup", type=int, metavar="EPOCHS", help="epochs of linear KL warm-up (VAE only)")
    train.add_argument("--batch-size", type=int)
    train.add_argument("--optimizer", choices=sorted(OPTIMIZERS))
    train.add_argument("--lr", type=float, help="learning rate")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--save", metavar="PATH", help="write the trained model to this .npz file")
    train.add_argument("--json", action="store_true", help="print one JSON object instead of text")

    bench = commands.add_parser("bench", help="blog recipe vs fast trainer, same data, one process")
    bench.add_argument("--model", choices=[*sorted(MODELS), "both"], default="both")
    bench.add_argument("--seed", type=int, default=0)
    bench.add_argument("--seeds", type=int, nargs="+", metavar="SEED",
                       help=f"one run per seed (at most {MAX_BENCH_SEEDS}) and the spread over them; replaces --seed")
    bench.add_argument("--json", action="store_true")
    sizes = commands.add_parser("epoch-time", help="seconds per epoch of the default VAE by image size")
    sizes.add_argument("--images", type=int, default=10_000, help="random images per size")
    sizes.add_argument("--sides", type=int, nargs="+", default=[8, 28], help="image sides to time")
    sizes.add_argument("--json", action="store_true")

    evaluate = commands.add_parser("evaluate", help="score a saved model on the held-out digits")
    evaluate.add_argument("model_path", metavar="MODEL.npz", help="a model saved by train --save")
    evaluate.add_argument("--iwae-k", type=int, nargs="+", default=[1, 10, 100, 1000], metavar="K",
                          help="importance samples of the IWAE bounds (VAE only)")
    evaluate.add_argument("--draws", type=int, metavar="N",
                          help="posterior draws per image, a multiple of every K (default: 1,000 or more)")
    evaluate.add_argument("--seed", type=int, default=0, help="seed of every Monte-Carlo draw")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    return parser


def _overrides(args):
    names = {"epochs": "epochs", "latent_dim": "latent_dim", "batch_size": "batch_size",
             "optimizer": "optimizer", "lr": "learning_rate"}
    overrides = {target: getattr(args, source) for source, target in names.items()
                 if getattr(args, source) is not None}
    if args.hidden is not None:
        overrides["hidden_sizes"] = tuple(args.hidden)
    for source, target in (("beta", "beta"), ("kl_warmup", "kl_warmup")):
        value = getattr(args, source)
        if value is not None:
            if args.model != "vae":
                raise ValueError(f"--{source.replace('_', '-')} only applies to --model vae.")
            overrides[target] = value
    overrides["random_state"] = args.seed
    return overrides


def _print_progress(info):
    every = max(1, info["epochs"] // 10)
    if info["epoch"] % every == 0 or info["epoch"] in (1, info["epochs"]):
        val = f"  held-out {info['val_loss']:.4f}" if info["val_loss"] is not None else ""
        print(f"epoch {info['epoch']:4d}/{info['epochs']}  train {info['train_loss']:.4f}{val}", file=sys.stderr)


def _scores(model, X):
    scores = model.evaluate(X)
    if model.kind == "ae":
        return {"loss": scores["loss"]}
    return {"loss": scores["loss"], "recon": scores["recon"], "kl": scores["kl"]}


def _check_save_path(path):
    # Checked before training, so a typo costs a message, not a finished run and a traceback.
    folder = Path(path).parent
    if not folder.is_dir():
        raise ValueError(f"--save {path}: there is no folder {str(folder)!r}; create it first.")


def command_train(args):
    model = make_model(args.model, args.recipe, **_overrides(args))
    if args.save:
        _check_save_path(args.save)
    split = split_digits()
    start = time.perf_counter()
    status = "ok"
    try:
        model.fit(split.X_train, split.X_test, callback=_print_progress)
    except TrainingDivergedError as exc:
        status = "diverged"
        print(f"error: {exc}", file=sys.stderr)
    seconds = time.perf_counter() - start
    if len(model.history_["epoch"]) == 0:
        return 1
    # The train score is recomputed after training with the fixed evaluation noise, so train and
    # test are measured the same way (the per-epoch history averages over changing weights).
    result = {"model": args.model, "recipe": args.recipe, "epochs": len(model.history_["epoch"]),
              "seconds": seconds, "status": status, "train": _scores(model, split.X_train),
              "test": _scores(model, split.X_test), "params": model.get_params()}
    if args.save:
        try:
            save_model(model, args.save)
        except OSError as exc:
            raise ValueError(f"--save {args.save}: {exc.strerror or exc}.") from exc
        result["saved"] = args.save
    if args.json:
        print(json.dumps(result))
    else:
        unit = "MSE per pixel" if args.model == "ae" else "nats per image (BCE + KL)"
        print(f"{args.model} / {args.recipe}: {result['epochs']} epochs in {seconds:.3f} s  [{unit}]")
        for part in ("train", "test"):
            print(f"  {part:5s} " + "  ".join(f"{k} {v:.4f}" for k, v in result[part].items()))
    return 0 if status == "ok" else 1


def command_bench(args):
    kinds = sorted(MODELS) if args.model == "both" else [args.model]
    seeds = args.seeds or [args.seed]
    if len(seeds) > MAX_BENCH_SEEDS:
        raise ValueError(f"--seeds takes at most {MAX_BENCH_SEEDS} seeds (the blog recipe takes about a minute "
                         f"per seed), got {len(seeds)}.")
    minutes = len(seeds) * sum(BLOG_MINUTES_PER_SEED[kind] for kind in kinds)
    print(f"Training the blog recipe (per-sample SGD) and the fast trainer for seed(s) {seeds}: about "
          f"{minutes:.0f} min on a quiet machine.", file=sys.stderr)
    report = run_bench(kinds, seeds, progress=_print_progress, log=lambda line: print(line, file=sys.stderr))
    if args.json:
        print(json.dumps(report))
    else:
        print_report(report)
    return 0


def command_evaluate(args):
    try:
        model = load_model(args.model_path)
    except FileNotFoundError:
        print(f"error: no such model file: {args.model_path}", file=sys.stderr)
        return 2
    split = split_digits()
    report = {"file": args.model_path,
              **evaluate_model(model, split.X_train, split.X_test, iwae_k=args.iwae_k, n_draws=args.draws,
                               seed=args.seed)}
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"{report['model']} (latent {report['latent_dim']}) on {report['n_test']} held-out digits,"
          f" {report['seconds']['total']:.1f} s")
    print(f"  reconstruction MSE per pixel {report['mse']:.4f}")
    if report["model"] == "vae":
        bounds = "  ".join(f"IWAE-{k} {v:.3f}" for k, v in report["iwae"].items())
        exact = "n/a" if report["exact_nll"] is None else f"{report['exact_nll']:.3f}"
        print(f"  nats per image: -ELBO {report['neg_elbo']:.3f} ± {report['neg_elbo_se']:.3f}  {bounds}"
              f"  exact -log p(x) {exact}  BCE floor {report['bce_floor']:.3f}")
        print(f"  KL {report['kl']:.3f} ({', '.join(f'{v:.3f}' for v in report['kl_per_dim'])} per dim),"
              f" active units {report['active_units']} of {report['latent_dim']}")
    for row in report["samples"]:
        print(f"  samples at T = {row['temperature']:g}: judge quality {row['quality']:.2f},"
              f" class entropy {row['class_entropy']:.2f} nats, {row['classes_covered']} classes,"
              f" Fréchet {row['frechet']:.1f}, off-manifold {row['off_manifold']:.1%}")
    if report["off_manifold"] is not None:
        holes = report["off_manifold"]
        prior = "" if holes["prior_grid"] is None else f", prior ±3σ grid {holes['prior_grid']:.1%}"
        print(f"  latent grid decoding off-manifold: data box {holes['data_grid']:.1%}{prior}")
    return 0


def command_epoch_time(args):
    """Seconds per epoch of the default fast VAE on random images of each side (one run)."""
    if not 1 <= args.images <= 100_000 or not all(2 <= side <= 64 for side in args.sides):
        raise ValueError("--images must be 1 to 100,000 and every --sides value 2 to 64.")
    rows = [{"side": side, "images": args.images, "seconds_per_epoch": epoch_time(side, args.images)}
            for side in args.sides]
    if args.json:
        print(json.dumps(rows))
    else:
        for row in rows:
            print(f"{row['side']:2d} x {row['side']:<2d}: {row['images']:,} images, "
                  f"{row['seconds_per_epoch'] * 1e3:.1f} ms per epoch")
    return 0


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        if args.command == "train":
            return command_train(args)
        if args.command == "evaluate":
            return command_evaluate(args)
        if args.command == "epoch-time":
            return command_epoch_time(args)
        return command_bench(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
