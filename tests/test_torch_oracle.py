"""PyTorch (float64) as the oracle: every op, random graphs, second derivatives, networks, optimizers.

Skipped, loudly, when torch is not installed (``pip install scalargrad[torch]``).
Set TRUST_COUNTS=path.json to record how many ops/graphs/steps were compared (for the README).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from helpers import dump_counts_at_exit
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import autograd as ag
from autograd import Value

torch = pytest.importorskip(
    "torch",
    reason="SKIPPED LOUDLY: torch is not installed, so the PyTorch oracle tests did not run "
    "(pip install 'scalargrad[torch]' or torch==2.13.0 to run them)",
)
torch.set_default_dtype(torch.float64)

RTOL = 1e-9
ATOL = 1e-14  # ulp-level floor: 1 - tanh(x)^2 near saturation cancels to ~1e-9 with ~1e-17 absolute error
COUNTS: Counter[str] = Counter()


dump_counts_at_exit(COUNTS, "torch")


def close(ours: Any, theirs: Any, what: str, rtol: float = RTOL) -> None:
    """|a - b| <= rtol (|b| + s/1000) + ATOL, s the largest magnitude in the set (absorbs cancellation to ~0)."""
    a = np.atleast_1d(np.asarray(ours, dtype=np.float64))
    b = np.atleast_1d(
        theirs.detach().numpy(force=True) if isinstance(theirs, torch.Tensor) else np.asarray(theirs, float)
    )
    if a.shape == (1,) and b.size > 1 and a[0] == 0.0:
        a = np.zeros_like(b)  # an unused batch leaf keeps its initial grad 0.0
    assert a.shape == b.shape, f"{what}: shapes {a.shape} vs {b.shape}"
    finite = np.isfinite(b)
    assert np.array_equal(np.isfinite(a), finite), f"{what}: ours {a} torch {b}"
    assert np.array_equal(np.isnan(a), np.isnan(b)), f"{what}: ours {a} torch {b}"
    inf = np.isinf(b)
    assert np.array_equal(a[inf], b[inf]), f"{what}: ours {a} torch {b}"
    scale = max(1e-300, float(np.max(np.abs(b[finite])))) if finite.any() else 1.0
    err = np.abs(a[finite] - b[finite])
    tol = rtol * (np.abs(b[finite]) + scale * 1e-3) + ATOL
    assert np.all(err <= tol), f"{what}: ours {a} torch {b} (max err {err.max():.3g})"


def t(x: Any) -> Any:
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


def tgrad(x: Any) -> Any:
    """x.grad, or zeros when the output does not depend on x (torch leaves it None)."""
    return torch.zeros_like(x) if x.grad is None else x.grad


# ------------------------------------------------------------------ every op, in its domain
# name -> (engine function, torch function, input strategy per argument, kind)
real = st.floats(-5, 5, allow_nan=False)
pos = st.floats(0.05, 5)
wide = st.floats(-30, 30, allow_nan=False)
UNARY: dict[str, tuple[Callable[..., Any], Callable[..., Any], st.SearchStrategy[float]]] = {
    "neg": (lambda x: -x, lambda x: -x, real),
    "exp": (lambda x: x.exp(), torch.exp, wide),
    "log": (lambda x: x.log(), torch.log, pos),
    "log1p": (lambda x: x.log1p(), torch.log1p, st.one_of(st.floats(-0.9, 5), st.floats(-1e-200, 1e-200))),
    "sqrt": (lambda x: x.sqrt(), torch.sqrt, pos),
    "tanh": (lambda x: x.tanh(), torch.tanh, wide),
    "sigmoid": (lambda x: x.sigmoid(), torch.sigmoid, wide),
    "relu": (lambda x: x.relu(), torch.relu, real),
    "leaky_relu": (lambda x: x.leaky_relu(0.07), lambda x: torch.nn.functional.leaky_relu(x, 0.07), real),
    "abs": (abs, torch.abs, real),
    "sin": (lambda x: x.sin(), torch.sin, wide),
    "cos": (lambda x: x.cos(), torch.cos, wide),
    "clip": (lambda x: x.clip(-1.5, 2.0), lambda x: torch.clamp(x, -1.5, 2.0), real),
    "pow_const": (lambda x: x**2.5, lambda x: x**2.5, pos),
    "pow_int": (lambda x: x**3, lambda x: x**3, real),
    "pow_neg": (lambda x: x**-1.5, lambda x: x**-1.5, pos),
    "rpow_const": (lambda x: 1.7**x, lambda x: 1.7**x, real),
    "add_const": (lambda x: x + 2.5, lambda x: x + 2.5, real),
    "rsub_const": (lambda x: 2.5 - x, lambda x: 2.5 - x, real),
    "sub_const": (lambda x: x - 2.5, lambda x: x - 2.5, real),
    "mul_const": (lambda x: x * -1.25, lambda x: x * -1.25, real),
    "div_const": (lambda x: x / 3.0, lambda x: x / 3.0, real),
    "rdiv_const": (lambda x: 3.0 / x, lambda x: 3.0 / x, pos),
}
BINARY: dict[str, tuple[Callable[..., Any], Callable[..., Any], st.SearchStrategy[float], st.SearchStrategy[float]]] = {
    "add": (lambda a, b: a + b, lambda a, b: a + b, real, real),
    "sub": (lambda a, b: a - b, lambda a, b: a - b, real, real),
    "mul": (lambda a, b: a * b, lambda a, b: a * b, real, real),
    "div": (lambda a, b: a / b, lambda a, b: a / b, real, pos),
    "pow": (lambda a, b: a**b, lambda a, b: a**b, pos, real),
    "self_mul": (lambda a, b: a * a * b, lambda a, b: a * a * b, real, real),
}


def _second(out_ours: Value, xs: list[Value], out_t: Any, xt: list[Any], w: list[float]) -> None:
    """Hessian-vector products: d/dx of sum_i w_i d out/dx_i, both libraries with create_graph."""
    g = ag.grad(out_ours, xs, create_graph=True)
    gt = torch.autograd.grad(out_t, xt, create_graph=True, allow_unused=True)
    gt = [torch.zeros_like(x) if gi is None else gi for gi, x in zip(gt, xt)]
    for gi, gti in zip(g, gt):
        close(gi.data, gti, "first derivative (create_graph)")
    combo = ag.sum([(gi * wi).sum() for gi, wi in zip(g, w)])
    combo_t = sum(gi.sum() * wi for gi, wi in zip(gt, w))
    if not combo_t.requires_grad:  # torch: nothing depends on x any more (e.g. linear ops)
        h_t = [torch.zeros_like(x) for x in xt]
    else:
        h_t = torch.autograd.grad(combo_t, xt, allow_unused=True)
        h_t = [torch.zeros_like(x) if h is None else h for h, x in zip(h_t, xt)]
    h = ag.grad(combo, xs)
    for hi, hti in zip(h, h_t):
        close(hi, hti, "second derivative")
    COUNTS["second_derivative_checks"] += 1


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_op_matches_torch(name: str) -> None:
    f, ft, dom = UNARY[name]

    @given(dom, st.floats(-3, 3, allow_nan=False))
    def check(x0: float, up: float) -> None:
        x = Value(x0)
        y = f(x)
        y.backward(up)
        xt = t(x0)
        yt = ft(xt)
        yt.backward(torch.tensor(up))
        close(y.data, yt, f"{name}({x0}) value")
        close(x.grad, xt.grad, f"{name}'({x0})")
        x2, xt2 = Value(x0), t(x0)
        _second(f(x2), [x2], ft(xt2), [xt2], [1.0])
        COUNTS[f"op.{name}"] += 1

    check()


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_op_matches_torch(name: str) -> None:
    f, ft, da, db = BINARY[name]

    @given(da, db)
    def check(a0: float, b0: float) -> None:
        a, b = Value(a0), Value(b0)
        y = f(a, b)
        at, bt = t(a0), t(b0)
        yt = ft(at, bt)
        close(y.data, yt, f"{name}({a0}, {b0})")
        if name == "pow" and b0 == 0.0:
            # torch masks d(x^y)/dx to 0 where y == 0 before differentiating again, so its mixed
            # partial there is 0; the true d2(x^y)/dxdy = x^(y-1) (1 + y ln x) = 1/x.  Not comparable.
            return
        _second(y, [a, b], yt, [at, bt], [0.7, -1.3])
        COUNTS[f"op.{name}"] += 1

    check()


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_op_batch_matches_torch(name: str) -> None:
    f, ft, dom = UNARY[name]

    @given(st.lists(dom, min_size=1, max_size=6), st.floats(-2, 2, allow_nan=False))
    def check(xs: list[float], s0: float) -> None:
        x, s = Value(np.array(xs)), Value(s0)  # a batch and a broadcast scalar
        y = (f(x) * s).mean()
        xt, st_ = t(xs), t(s0)
        yt = (ft(xt) * st_).mean()
        close(y.data, yt, f"{name} batch value")
        _second(y, [x, s], yt, [xt, st_], [0.5, 1.5])
        COUNTS[f"batch_op.{name}"] += 1

    check()


def test_edge_points_match_torch() -> None:
    """Kinks and IEEE edges: relu/abs/clip at their corners, log(0), log1p(-1), sqrt(0), 0**c, exp overflow."""
    cases = [
        ("relu", 0.0), ("abs", 0.0), ("leaky_relu", 0.0), ("clip", -1.5), ("clip", 2.0),
        ("log", 0.0), ("log", -1.0), ("log1p", -1.0), ("log1p", -2.0), ("log1p", 1e-300), ("log1p", math.inf),
        ("log1p", -math.inf), ("sqrt", 0.0), ("sqrt", -1.0), ("exp", 1000.0), ("exp", -1000.0),
        ("tanh", 1000.0), ("tanh", -1000.0), ("sigmoid", 1000.0), ("sigmoid", -1000.0),
        ("pow_const", 0.0), ("pow_const", -2.0), ("pow_neg", 0.0), ("pow_int", 0.0), ("rdiv_const", 0.0),
        ("rpow_const", 2000.0),
    ]  # fmt: skip
    for name, x0 in cases:
        f, ft, _ = UNARY[name]
        x = Value(x0)
        y = f(x)
        y.backward()
        xt = t(x0)
        yt = ft(xt)
        yt.backward()
        close(y.data, yt, f"{name}({x0})")
        close(x.grad, xt.grad, f"{name}'({x0})")
        COUNTS["edge_points"] += 1
    for a0, b0 in [(0.0, 2.0), (0.0, 0.0), (-2.0, 0.5), (-2.0, 2.0), (0.0, -1.0)]:
        a, b = Value(a0), Value(b0)
        (a**b).backward()
        at, bt = t(a0), t(b0)
        (at**bt).backward()
        close([a.grad, b.grad], [at.grad.item(), bt.grad.item()], f"pow({a0}, {b0}) grads")
        COUNTS["edge_points"] += 1


# ------------------------------------------------------------------ random graphs
GRAPH_UNARY = [
    "neg", "exp", "log", "log1p", "sqrt", "tanh", "sigmoid", "relu", "leaky_relu", "abs", "sin", "cos", "clip",
    "pow_const", "rpow_const", "add_const", "rsub_const", "mul_const", "div_const", "rdiv_const",
]  # fmt: skip
GRAPH_BINARY = ["add", "sub", "mul", "div", "pow", "sum3", "dot"]
GUARDED = {"log", "log1p", "sqrt", "pow_const", "rdiv_const"}  # applied to |x| + 0.5 to stay in the domain


class Engine:
    """Our ops, by name."""

    @staticmethod
    def unary(name: str, x: Any, c: float) -> Any:
        if name in GUARDED:
            x = abs(x) + 0.5
        if name == "exp":
            return x.clip(-20.0, 20.0).exp()
        if name == "leaky_relu":
            return x.leaky_relu(abs(c) / 4)
        if name == "clip":
            return x.clip(-abs(c), abs(c))
        if name == "pow_const":
            return x**c
        if name == "rpow_const":
            return (abs(c) + 0.1) ** x.clip(-10.0, 10.0)
        if name == "add_const":
            return x + c
        if name == "rsub_const":
            return c - x
        if name == "mul_const":
            return x * c
        if name == "div_const":
            return x / (abs(c) + 0.5)
        if name == "rdiv_const":
            return c / x
        if name == "neg":
            return -x
        if name == "abs":
            return abs(x)
        return getattr(x, name)()

    @staticmethod
    def binary(name: str, a: Any, b: Any, c: float) -> Any:
        if name == "add":
            return a + b
        if name == "sub":
            return a - b
        if name == "mul":
            return a * b
        if name == "div":
            return a / (abs(b) + 0.5)
        if name == "pow":
            return (abs(a) + 0.5) ** b.clip(-3.0, 3.0)
        if name == "sum3":
            return ag.sum([a, b, a, c])
        return ag.dot([a, b, c], [b, c, a])


class Torch:
    """The same programs in torch."""

    @staticmethod
    def unary(name: str, x: Any, c: float) -> Any:
        if name in GUARDED:
            x = torch.abs(x) + 0.5
        fn = {
            "exp": lambda: torch.exp(torch.clamp(x, -20.0, 20.0)),
            "leaky_relu": lambda: torch.nn.functional.leaky_relu(x, abs(c) / 4),
            "clip": lambda: torch.clamp(x, -abs(c), abs(c)),
            "pow_const": lambda: x**c,
            "rpow_const": lambda: (abs(c) + 0.1) ** torch.clamp(x, -10.0, 10.0),
            "add_const": lambda: x + c,
            "rsub_const": lambda: c - x,
            "mul_const": lambda: x * c,
            "div_const": lambda: x / (abs(c) + 0.5),
            "rdiv_const": lambda: c / x,
            "neg": lambda: -x,
            "abs": lambda: torch.abs(x),
        }.get(name)
        return fn() if fn else getattr(torch, name)(x)

    @staticmethod
    def binary(name: str, a: Any, b: Any, c: float) -> Any:
        if name == "add":
            return a + b
        if name == "sub":
            return a - b
        if name == "mul":
            return a * b
        if name == "div":
            return a / (torch.abs(b) + 0.5)
        if name == "pow":
            return (torch.abs(a) + 0.5) ** torch.clamp(b, -3.0, 3.0)
        if name == "sum3":
            return a + b + a + c
        return a * b + b * c + c * a


Program = tuple[list[float], list[tuple[str, int, int, float]]]


@st.composite
def programs(draw: st.DrawFn, max_steps: int = 14) -> Program:
    n_in = draw(st.integers(1, 4))
    xs = draw(st.lists(st.floats(-2, 2, allow_nan=False), min_size=n_in, max_size=n_in))
    steps = []
    for k in range(draw(st.integers(1, max_steps))):
        op = draw(st.sampled_from(GRAPH_UNARY + GRAPH_BINARY))
        i = draw(st.integers(0, n_in + k - 1))
        j = draw(st.integers(0, n_in + k - 1))
        c = draw(st.floats(-2, 2, allow_nan=False).filter(lambda v: abs(v) > 1e-3))
        steps.append((op, i, j, c))
    return xs, steps


def replay(lib: Any, leaves: list[Any], steps: list[tuple[str, int, int, float]]) -> Any:
    nodes = list(leaves)
    for op, i, j, c in steps:
        if op in GRAPH_UNARY:
            nodes.append(lib.unary(op, nodes[i], c))
        else:
            nodes.append(lib.binary(op, nodes[i], nodes[j], c))
    # every node feeds the output (fan-out and shared subgraphs), squashed to keep magnitudes sane
    out = nodes[-1]
    for v in nodes[len(leaves) : -1]:
        out = out + (v.tanh() if lib is Engine else torch.tanh(v)) * 0.5
    return out


def _sane(v: Value) -> bool:
    return all(np.all(np.isfinite(n.data)) and np.all(np.abs(n.data) < 1e8) for n in ag.reverse_topological(v))


@given(programs())
def test_random_graphs_match_torch(prog: Program) -> None:
    xs, steps = prog
    leaves = [Value(x) for x in xs]
    out = replay(Engine, leaves, steps)
    assume(_sane(out))
    out.backward()
    lt = [t(x) for x in xs]
    ot = replay(Torch, lt, steps)
    ot.backward()
    close(out.data, ot, "graph value")
    close([v.grad for v in leaves], [tgrad(x).item() for x in lt], "graph gradients")
    COUNTS["graphs"] += 1
    COUNTS["graph_nodes"] += len(ag.reverse_topological(out))
    for op, *_ in steps:
        COUNTS[f"graph_op.{op}"] += 1


@given(programs(max_steps=8), st.lists(st.floats(-2, 2, allow_nan=False), min_size=4, max_size=4))
def test_random_graphs_second_derivatives(prog: Program, w: list[float]) -> None:
    xs, steps = prog
    leaves = [Value(x) for x in xs]
    out = replay(Engine, leaves, steps)
    assume(_sane(out))
    lt = [t(x) for x in xs]
    _second(out, leaves, replay(Torch, lt, steps), lt, w[: len(xs)])
    COUNTS["graphs_second_order"] += 1


@given(programs(max_steps=10), st.integers(1, 5), st.data())
def test_random_batch_graphs(prog: Program, m: int, data: st.DataObject) -> None:
    xs, steps = prog
    # even leaves are batches of m samples, odd ones scalars broadcast over the batch
    vals = [
        np.array(data.draw(st.lists(st.floats(-2, 2, allow_nan=False), min_size=m, max_size=m))) if i % 2 == 0 else x
        for i, x in enumerate(xs)
    ]
    leaves = [Value(v) for v in vals]
    out = replay(Engine, leaves, steps)
    assume(_sane(out))
    loss = out.mean() if m % 2 else out.sum()
    loss.backward()
    lt = [t(v) for v in vals]
    ot = replay(Torch, lt, steps)
    lt_loss = ot.mean() if m % 2 else ot.sum()
    lt_loss.backward()
    close(loss.data, lt_loss, "batch graph value")
    for v, x in zip(leaves, lt):
        close(v.grad, tgrad(x), "batch graph gradient")
    COUNTS["batch_graphs"] += 1


# ------------------------------------------------------------------ networks, losses, optimizers
nn = pytest.importorskip("nn")
ACTS = ["relu", "tanh", "sigmoid", "leaky_relu", "prelu", "linear"]


def _random_prelu(model: Any, rng: np.random.Generator) -> None:
    for layer in model.layers:
        for n in layer.neurons:
            if hasattr(n, "slope"):
                n.slope.data = float(rng.uniform(0.05, 0.5))


def _loss_pair(name: str, outs: list[Value], out_t: Any, m: int, rng: np.random.Generator) -> tuple[Value, Any]:
    """The same loss on our outputs (k batch Values) and torch's (m, k) tensor."""
    F = torch.nn.functional
    k = len(outs)
    if name == "mse":
        y = rng.normal(size=(m, k))
        return nn.mse_loss(outs, y), F.mse_loss(out_t, torch.tensor(y))
    if name == "bce":  # probabilities: squash both sides identically
        y = rng.uniform(0, 1, size=(m, k))
        p, t = torch.sigmoid(out_t), torch.tensor(y)
        # the formula with torch's ops: F.binary_cross_entropy's backward floors p (1 - p) at 1e-12, so within
        # 1e-12 of 0 or 1 its gradient is not the derivative of its loss (ours is); its value must agree still
        # (logs clamped at -100 through their arguments, so that p = 1 exactly gives 0, not 0 * inf)
        floor = math.exp(-100)
        theirs = -(t * p.clamp(min=floor).log() + (1 - t) * (1 - p).clamp(min=floor).log()).mean()
        close(theirs.detach(), F.binary_cross_entropy(p, t).detach(), "bce value vs F.binary_cross_entropy")
        return nn.binary_cross_entropy([o.sigmoid() for o in outs], y), theirs
    if name == "bce_logits":
        y = rng.integers(0, 2, size=(m, k)).astype(float)
        return nn.binary_cross_entropy_with_logits(outs, y), F.binary_cross_entropy_with_logits(out_t, torch.tensor(y))
    if name == "hinge":
        y = rng.choice([-1.0, 1.0], size=(m, k))
        return nn.hinge_loss(outs, y), torch.clamp(1 - out_t * torch.tensor(y), min=0).mean()
    if name == "cross_entropy":
        c = rng.integers(0, k, size=m)
        return nn.cross_entropy(outs, c), F.cross_entropy(out_t, torch.tensor(c))
    raise AssertionError(name)


LOSSES = ["mse", "bce", "bce_logits", "hinge", "cross_entropy"]


@settings(max_examples=30)
@given(
    st.sampled_from(ACTS),
    st.sampled_from(ACTS),
    st.sampled_from(LOSSES),
    st.lists(st.integers(1, 5), min_size=1, max_size=3),
    st.integers(1, 4),
    st.integers(1, 6),
    st.integers(0, 2**31),
)
def test_random_mlps_and_losses_match_torch(
    act: str, out_act: str, loss: str, hidden: list[int], nin: int, m: int, seed: int
) -> None:
    _check_mlp(act, out_act, loss, hidden, nin, m, seed)


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("act", ACTS)
def test_every_activation_with_every_loss(act: str, loss: str) -> None:
    _check_mlp(act, act, loss, [4, 3], 3, 5, 11)


def _check_mlp(act: str, out_act: str, loss: str, hidden: list[int], nin: int, m: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    k = 3 if loss == "cross_entropy" else rng.integers(1, 3)
    model = nn.MLP(nin, [*hidden, int(k)], activation=act, output_activation=out_act, seed=seed % 1000)
    _random_prelu(model, rng)
    X = rng.normal(size=(m, nin))
    seq = nn.to_torch(model)
    outs = model(X)
    out_t = seq(torch.tensor(X))
    close(np.stack([o.data for o in outs], axis=1), out_t, f"MLP {act}/{out_act} outputs")
    ours, theirs = _loss_pair(loss, outs, out_t, m, rng)
    model.zero_grad()
    ours.backward()
    theirs.backward()
    close(ours.data, theirs, f"{loss} value")
    for lin, layer in zip([mod for mod in seq if isinstance(mod, torch.nn.Linear)], model.layers):
        close([[w.grad for w in n.w] for n in layer.neurons], lin.weight.grad, f"{loss} dW")
        close([n.b.grad for n in layer.neurons], lin.bias.grad, f"{loss} db")
    for p, layer in zip(
        [mod for mod in seq if isinstance(mod, torch.nn.PReLU)], [la for la in model.layers if la.activation == "prelu"]
    ):
        close([n.slope.grad for n in layer.neurons], p.weight.grad, "prelu slope grads")
    COUNTS["mlps"] += 1
    COUNTS[f"mlp_activation.{act}"] += 1
    COUNTS[f"loss.{loss}"] += 1


def test_from_torch_round_trip_and_refusals() -> None:
    seq = torch.nn.Sequential(
        torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 4), torch.nn.PReLU(4),
        torch.nn.Linear(4, 4), torch.nn.LeakyReLU(0.01), torch.nn.Linear(4, 3), torch.nn.ReLU(),
        torch.nn.Linear(3, 2), torch.nn.Sigmoid(), torch.nn.Linear(2, 2), torch.nn.Identity(),
    ).double()  # fmt: skip
    model = nn.from_torch(seq)
    assert model.activations == ["tanh", "prelu", "leaky_relu", "relu", "sigmoid", "linear"]
    X = np.random.default_rng(0).normal(size=(5, 3))
    close(np.stack([o.data for o in model(X)], axis=1), seq(torch.tensor(X)), "from_torch outputs")
    again = nn.to_torch(model)
    close(again(torch.tensor(X)).detach().numpy(), seq(torch.tensor(X)), "round trip")
    assert model.named_parameters()[0][0] == "layers.0.neurons.0.w.0"
    bad = [
        (torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Softmax(dim=1)), TypeError, "Softmax"),
        (torch.nn.Sequential(torch.nn.Conv1d(1, 1, 1)), TypeError, "Conv1d"),
        (torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Linear(2, 2)), ValueError, "before any Linear"),
        (torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(4, 1)), ValueError, "expects 4 inputs"),
        (torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Tanh()), ValueError, "second"),
        (torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.LeakyReLU(0.2)), ValueError, "slope"),
        (torch.nn.Sequential(torch.nn.Linear(2, 2, bias=False)), ValueError, "bias"),
        (torch.nn.Sequential(), ValueError, "empty"),
        (torch.nn.Linear(2, 2), TypeError, "Sequential"),
        ("model.pt", TypeError, "Sequential"),
    ]
    for seq_bad, exc, words in bad:
        with pytest.raises(exc, match=words):
            nn.from_torch(seq_bad)
    for model_bad in (nn.BatchNorm(3), nn.Sequential(nn.Dropout(0.5)), "mlp", None):
        with pytest.raises(TypeError, match="model"):
            nn.to_torch(model_bad)
    COUNTS["bridge_refusals"] += len(bad) + 4


def _trajectory(make_ours: Callable[[list[Value]], Any], make_theirs: Callable[[list[Any]], Any], steps: int) -> None:
    rng = np.random.default_rng(7)
    x0 = rng.normal(size=5)
    A = rng.normal(size=(5, 5))
    ps = [Value(float(v)) for v in x0]
    pt = torch.tensor(x0, requires_grad=True)
    opt, opt_t = make_ours(ps), make_theirs([pt])
    At = torch.tensor(A)
    for step in range(steps):
        # a non-quadratic loss so the gradients change along the path: sum tanh(A x)^2 + 0.1 sum x^4
        loss = ag.sum([ag.dot(list(A[i]), ps).tanh() ** 2 for i in range(5)]) + 0.1 * ag.sum([p**4 for p in ps])
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss_t = (torch.tanh(At @ pt) ** 2).sum() + 0.1 * (pt**4).sum()
        opt_t.zero_grad()
        loss_t.backward()
        opt_t.step()
        close([p.data for p in ps], pt, f"step {step + 1}", rtol=1e-9)
    COUNTS["optimizer_steps"] += steps


OPTIMIZERS = {
    "sgd": ({"lr": 0.05}, {"lr": 0.05}),
    "sgd_momentum": ({"lr": 0.05, "momentum": 0.9}, {"lr": 0.05, "momentum": 0.9}),
    "sgd_dampening": ({"lr": 0.05, "momentum": 0.9, "dampening": 0.3}, {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}),
    "sgd_nesterov": ({"lr": 0.05, "momentum": 0.8, "nesterov": True}, {"lr": 0.05, "momentum": 0.8, "nesterov": True}),
    "sgd_weight_decay": (
        {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1},
        {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1},
    ),
    "rmsprop": ({"lr": 0.01}, {"lr": 0.01}),
    "rmsprop_full": (
        {"lr": 0.01, "alpha": 0.9, "momentum": 0.5, "centered": True, "weight_decay": 0.01},
        {"lr": 0.01, "alpha": 0.9, "momentum": 0.5, "centered": True, "weight_decay": 0.01},
    ),
    "adam": ({"lr": 0.05}, {"lr": 0.05}),
    "adam_full": (
        {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.01, "amsgrad": True},
        {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.01, "amsgrad": True},
    ),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_trajectories_match_torch_optim(name: str) -> None:
    ours_kw, torch_kw = OPTIMIZERS[name]
    cls = {"sgd": "SGD", "rms": "RMSprop", "ada": "Adam"}[name[:3]]
    _trajectory(
        lambda ps: getattr(nn.optim, cls)(ps, **ours_kw), lambda ps: getattr(torch.optim, cls)(ps, **torch_kw), 20
    )
    COUNTS[f"optimizer.{name}"] += 1


class _ClampedReLU(torch.nn.ReLU):
    def forward(self, x: Any) -> Any:
        return x.clamp(min=-1.0)


class _DoubledLinear(torch.nn.Linear):
    def forward(self, x: Any) -> Any:
        return super().forward(x) * 2.0


def test_from_torch_refuses_what_would_import_as_another_function() -> None:
    """A subclass with its own forward, a hook, complex or data-less weights: each imported silently before."""
    hooked = torch.nn.Sequential(torch.nn.Linear(3, 2))
    hooked.register_forward_hook(lambda mod, inputs, out: out * 2.0)
    cases = [
        (TypeError, "ReLU with its own forward", torch.nn.Sequential(torch.nn.Linear(3, 2), _ClampedReLU())),
        (TypeError, "Linear with its own forward", torch.nn.Sequential(_DoubledLinear(3, 2))),
        (TypeError, "complex", torch.nn.Sequential(torch.nn.Linear(3, 2, dtype=torch.complex128))),
        (ValueError, "meta device", torch.nn.Sequential(torch.nn.Linear(3, 2, device="meta"))),
        (ValueError, "forward hooks", hooked),
    ]
    for exc, message, seq in cases:
        with pytest.raises(exc, match=message):
            nn.from_torch(seq)
    # a parametrized Linear keeps Linear's forward: it imports, with the weights it computes
    normed = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(3, 2, dtype=torch.float64))
    seq = torch.nn.Sequential(normed, torch.nn.Tanh())
    X = np.random.default_rng(0).normal(size=(5, 3))
    model = nn.from_torch(seq)
    close(np.stack([o.data for o in model(X)], axis=1), seq(torch.tensor(X)), "weight-normed import")
