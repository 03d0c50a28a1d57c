"""`python -m nn train`: end to end into a temp dir (all four files, readable), --help, usage errors exit 2."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import nn
from nn import data
from nn.__main__ import build_parser, main

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
HAVE_DOT = shutil.which("dot") is not None
GRAPH = "graph.svg" if HAVE_DOT else "graph.dot"  # without Graphviz the CLI writes the DOT text instead


def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nn", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def test_train_end_to_end_in_a_subprocess(tmp_path: Path) -> None:
    out = tmp_path / "runs" / "spiral"
    proc = run("train", "--dataset", "spiral", "--hidden", "16,16", "--optimizer", "adam", "--epochs", "150",
               "--out", str(out))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "epoch" in proc.stderr and "loss=" in proc.stderr  # the tqdm bar
    test_acc = float(re.search(r"test accuracy:\s+([0-9.]+)", proc.stdout).group(1))  # type: ignore[union-attr]
    assert re.search(r"train accuracy:\s+[0-9.]+", proc.stdout)
    assert sorted(p.name for p in out.iterdir()) == sorted(["boundary.png", GRAPH, "loss.png", "model.json"])
    for png in ("loss.png", "boundary.png"):
        assert (out / png).read_bytes()[:8] == PNG_MAGIC
    graph = (out / GRAPH).read_text()
    assert ("<svg" in graph if HAVE_DOT else graph.startswith("digraph")) and "layers.0.neurons.0" in graph
    # the saved model reproduces the printed test accuracy on the same split
    X, y = data.spiral()
    _, X_test, _, y_test = data.train_test_split(X, y, test_size=0.25, seed=0, stratify=True)
    model = nn.load(out / "model.json")
    assert nn.accuracy(model, X_test, y_test) == pytest.approx(test_acc, abs=1e-4)
    assert test_acc >= 0.95


def test_train_in_process_other_dataset(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["train", "--dataset", "blobs", "--hidden", "8", "--epochs", "30", "--no-progress",
                   "--lr", "0.05", "--out", str(tmp_path)])  # fmt: skip
    assert status == 0
    out = capsys.readouterr()
    assert "3 classes" in out.out and (out.err == "" if HAVE_DOT else "graph.dot" in out.err)
    model = nn.load(tmp_path / "model.json")
    assert len(model.layers[-1].neurons) == 3


def test_hinge_loss_and_sigmoid_output(tmp_path: Path) -> None:
    assert main(["train", "--dataset", "moons", "--loss", "hinge", "--epochs", "5", "--no-progress",
                 "--out", str(tmp_path / "h")]) == 0  # fmt: skip
    assert main(["train", "--dataset", "xor", "--loss", "bce", "--epochs", "5", "--no-progress",
                 "--out", str(tmp_path / "b")]) == 0  # fmt: skip
    assert nn.load(tmp_path / "b" / "model.json").layers[-1].neurons[0].activation == "sigmoid"


def test_help_documents_every_flag() -> None:
    proc = run("train", "--help", timeout=60)
    assert proc.returncode == 0
    parser = build_parser()
    train = parser._subparsers._group_actions[0].choices["train"]  # type: ignore[union-attr]
    for action in train._actions:
        for flag in action.option_strings:
            assert flag in proc.stdout
        assert action.help, f"{action.option_strings} has no help"
    assert main.__doc__ and "train" in run("--help", timeout=60).stdout


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "required: COMMAND"),
        (["fly"], "invalid choice: 'fly'"),
        (["train", "--bogus"], "unrecognized arguments: --bogus"),
        (["train", "--dataset", "mnist"], "invalid choice: 'mnist'"),
        (["train", "--epochs", "0"], "expected a positive int"),
        (["train", "--epochs", "ten"], "expected a positive int"),
        (["train", "--hidden", "16,x"], "comma-separated layer widths"),
        (["train", "--hidden", "16,-2"], "positive"),
        (["train", "--lr", "-1"], "expected a positive float"),
        (["train", "--lr", "nan"], "expected a positive float"),
        (["train", "--test-size", "1.5"], "between 0 and 1"),
        (["train", "--optimizer", "lbfgs"], "invalid choice: 'lbfgs'"),
    ],
)
def test_bad_flags_are_usage_errors(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "usage:" in err and message in err


def test_bad_flag_exit_status_from_the_shell() -> None:
    proc = run("train", "--epochs", "-3", timeout=60)
    assert proc.returncode == 2 and "usage:" in proc.stderr


def test_multiclass_with_binary_loss_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--dataset", "blobs", "--loss", "bce", "--out", str(tmp_path), "--no-progress"]) == 2
    assert "use cross_entropy" in capsys.readouterr().err
    assert not list(tmp_path.iterdir()) or not (tmp_path / "model.json").exists()


def test_digits_writes_predictions_instead_of_a_boundary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("sklearn")
    assert main(["train", "--dataset", "digits", "--epochs", "2", "--no-progress", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([GRAPH, "loss.png", "model.json", "predictions.png"])
    assert "MLP(64, [32, 10])" in capsys.readouterr().out
    assert nn.load(tmp_path / "model.json").sizes == [32, 10]


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--noise", "-1"], "noise"),
        (["--noise", "nan"], "noise"),
        (["--seed", "-1"], "seed"),
        (["--data-seed", "-1"], "seed"),
        (["--samples", "1"], "n must be at least"),
        (["--dataset", "blobs", "--samples", "2"], "n must be at least"),
        (["--test-size", "0.999"], "test_size"),
        (["--hidden", "100000000"], "MAX_UNITS"),
        (["--epochs", "99999999999"], "MAX_EPOCHS"),
        (["--dataset", "digits", "--samples", "100", "--noise", "0.5"], "--samples, --noise only apply"),
    ],
)
def test_flag_values_the_library_refuses_are_usage_errors(
    flags: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Values argparse lets through but the data, split or model refuse: exit 2 with the reason, no traceback."""
    assert main(["train", *flags, "--no-progress", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("python -m nn train: error: ") and message in err
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_an_output_path_that_is_a_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    existing = tmp_path / "a_file"
    existing.write_text("keep me")
    assert main(["train", "--epochs", "1", "--no-progress", "--out", str(existing)]) == 2
    assert "python -m nn train: error:" in capsys.readouterr().err and existing.read_text() == "keep me"


def test_without_dot_the_graph_is_written_as_dot_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no `dot` on PATH
    assert main(["train", "--epochs", "2", "--no-progress", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["boundary.png", "graph.dot", "loss.png", "model.json"]
    assert (tmp_path / "graph.dot").read_text(encoding="utf-8").startswith("digraph")
    captured = capsys.readouterr()
    assert "apt-get install graphviz" in captured.err and "graph.dot" in captured.out


def test_a_diverging_run_says_so_in_one_line_and_writes_no_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("always")  # shown each time: numpy's overflow warnings may not hide behind a filter
        assert main(["train", "--lr", "1e308", "--epochs", "3", "--no-progress", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "python -m nn: warning: training stopped" in err and "Traceback" not in err
    assert "encountered" not in err and "RuntimeWarning" not in err  # numpy's overflow/invalid warnings
    assert err.rstrip().endswith("but no model: try a smaller --lr") and "training diverged" in err
    assert [p.name for p in tmp_path.iterdir()] == ["loss.png"]
