"""The ``autograd-core train`` command, end to end on tiny runs."""

from __future__ import annotations

import json

import numpy as np
import pytest

import autograd_core as ag
from nn import cli

pytest.importorskip("matplotlib")


def run(tmp_path, *extra: str, out: str = "run") -> int:
    return cli.main(
        ["train", "--no-progress", "--out", str(tmp_path / out), "--epochs", "1", *extra]
    )


def test_train_writes_checkpoint_metrics_and_curves(tmp_path, capsys):
    assert run(tmp_path) == 0
    text = capsys.readouterr().out
    assert "13,002 parameters" in text and "test accuracy" in text
    folder = tmp_path / "run"
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["epochs"][0]["epoch"] == 1
    assert 0.3 < metrics["test_acc"] <= 1.0  # one epoch of Adam already learns something
    assert (folder / "curves.png").read_bytes()[:4] == b"\x89PNG"
    ckpt = ag.load(str(folder / "checkpoint.agc"))
    assert ckpt["epoch"] == 1 and "0.weight" not in ckpt["model"]
    assert ckpt["model"]["1.weight"].shape == (16, 784)


def test_resume_continues_the_same_trajectory(tmp_path):
    args = ["--optimizer", "sgd", "--dropout", "0.2", "--seed", "3"]
    assert run(tmp_path, *args, "--epochs", "2", out="straight") == 0
    assert run(tmp_path, *args, "--epochs", "1", out="resumed") == 0
    assert run(tmp_path, *args, "--epochs", "2", "--resume", out="resumed") == 0
    a = ag.load(str(tmp_path / "straight" / "checkpoint.agc"))["model"]
    b = ag.load(str(tmp_path / "resumed" / "checkpoint.agc"))["model"]
    assert list(a) == list(b)
    for k in a:
        np.testing.assert_array_equal(a[k].data, b[k].data, err_msg=k)


def test_resume_refuses_a_different_model(tmp_path, capsys):
    assert run(tmp_path, out="r") == 0
    assert run(tmp_path, "--hidden", "32", "--resume", out="r") == 2
    err = capsys.readouterr().err
    assert "different hidden" in err and "\n" == err[-1] and err.count("\n") == 1


@pytest.mark.parametrize(
    "args, words",
    [
        (["--epochs", "0"], "--epochs must be > 0"),
        (["--hidden", "16,x"], "--hidden must be comma-separated integers"),
        (["--dataset", "cifar"], "unknown --dataset 'cifar'"),
        (["--dataset", "mnist:/no/such/folder"], "no/such/folder"),
        (["--lr", "-1"], "--lr must be > 0"),
        (["--dropout", "1.5"], "--dropout must be in [0, 1)"),
        (["--resume"], "no checkpoint"),
    ],
)
def test_bad_arguments_give_one_line(tmp_path, capsys, args, words):
    assert run(tmp_path, *args, out="bad") == 2
    err = capsys.readouterr().err
    assert words in err
    assert err.startswith("autograd-core: error:") and err.count("\n") == 1
    assert "Traceback" not in err


def test_unknown_option_is_an_argparse_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["train", "--bogus"])
    assert e.value.code == 2
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err


def test_progress_switch():
    from nn import progress

    progress.set_progress(False)
    assert progress.progress([1, 2]) == [1, 2]
    progress.set_progress(True)
    pytest.importorskip("tqdm")
    assert not isinstance(progress.progress([1, 2]), list)
    progress.set_progress(False)


def test_default_run_reaches_85_percent(tmp_path):
    """The README's main job: the 784-16-16-10 network on the offline MNIST subset."""
    assert cli.main(["train", "--no-progress", "--out", str(tmp_path / "full")]) == 0
    metrics = json.loads((tmp_path / "full" / "metrics.json").read_text())
    assert metrics["test_acc"] >= 0.85
