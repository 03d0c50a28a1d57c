"""trace: the sum of path products is d output / d leaf (engine and finite differences), path counting, limits."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import Value, trace
from autograd.trace import count_paths

# op name -> (Value rule, float rule); domains are safe for any real input
UNARY = {
    "tanh": (lambda a: a.tanh(), math.tanh),
    "sin": (lambda a: a.sin(), math.sin),
    "sigmoid": (lambda a: a.sigmoid(), lambda x: 1 / (1 + math.exp(-x))),
    "square": (lambda a: a**2, lambda x: x * x),
}
BINARY = {
    "+": (lambda a, b: a + b, lambda x, y: x + y),
    "-": (lambda a, b: a - b, lambda x, y: x - y),
    "*": (lambda a, b: a * b, lambda x, y: x * y),
}


@st.composite
def dags(draw: st.DrawFn) -> tuple[list[float], list[tuple[str, int, int]]]:
    n_leaves = draw(st.integers(1, 3))
    leaves = draw(st.lists(st.floats(-1.5, 1.5), min_size=n_leaves, max_size=n_leaves))
    steps = []
    for k in range(draw(st.integers(1, 9))):
        avail = n_leaves + k
        op = draw(st.sampled_from(sorted(UNARY) + sorted(BINARY)))
        i = draw(st.integers(0, avail - 1))
        j = draw(st.integers(0, avail - 1))
        steps.append((op, i, j))
    return leaves, steps


def run(leaves: list, steps: list[tuple[str, int, int]], use_values: bool) -> list:
    vals = list(leaves)
    for op, i, j in steps:
        if op in UNARY:
            f = UNARY[op][0 if use_values else 1]
            vals.append(f(vals[i]))
        else:
            f = BINARY[op][0 if use_values else 1]
            vals.append(f(vals[i], vals[j]))
    return vals


@given(dags())
def test_sum_of_path_products_is_the_gradient(dag) -> None:
    leaves, steps = dag
    xs = [Value(x, f"x{i}") for i, x in enumerate(leaves)]
    out = run(xs, steps, use_values=True)[-1]
    out.backward()
    for i, x in enumerate(xs):
        t = trace(out, x, max_paths=10**6)
        assert len(t) == count_paths(out, x)
        for p in t:  # each path is a chain ending at the output, its product the product of its edges
            assert p.nodes[0] is x and p.nodes[-1] is out
            for a, b in zip(p.nodes, p.nodes[1:]):
                assert a in b.inputs
            assert p.product == pytest.approx(math.prod(p.local_grads), rel=1e-12, abs=1e-300)
        assert t.total == pytest.approx(x.grad, rel=1e-9, abs=1e-12)
        # central finite differences on a float re-implementation of the same DAG
        h = 1e-6
        up, down = list(leaves), list(leaves)
        up[i] += h
        down[i] -= h
        fd = (run(up, steps, False)[-1] - run(down, steps, False)[-1]) / (2 * h)
        assert t.total == pytest.approx(fd, rel=1e-5, abs=1e-6)


def test_paths_listed_with_their_local_derivatives() -> None:
    x, y = Value(2.0, "x"), Value(3.0, "y")
    u = x * y
    u.label = "u"
    out = u + x
    out.label = "out"
    t = trace(out, x)
    got = sorted((tuple(v.label for v in p.nodes), p.local_grads, p.product) for p in t)
    assert got == sorted([(("x", "u", "out"), (3.0, 1.0), 3.0), (("x", "out"), (1.0,), 1.0)])
    assert t.total == 4.0  # d(xy + x)/dx = y + 1
    text = str(t)
    assert "x --[3]--> u --[1]--> out" in text and "x --[1]--> out" in text and "4" in text.splitlines()[-1]


def test_repeated_input_gives_two_paths() -> None:
    x = Value(1.5, "x")
    out = x * x
    t = trace(out, x)
    assert len(t) == 2 and t.total == pytest.approx(3.0)


def test_leaf_not_in_graph() -> None:
    x, y = Value(1.0, "x"), Value(2.0)
    t = trace(y.tanh(), x)
    assert len(t) == 0 and t.total == 0.0
    assert str(t).startswith("d tanh#1 / d x: 0 path(s)") and "d x: 0 path(s)" in t._repr_html_()
    assert "d leaf / d leaf" not in str(trace(Value(3.0), Value(4.0)))  # a lone output and an unrelated leaf


def test_one_deep_path_lists_every_edge_in_order() -> None:
    x = Value(0.7, "x")
    factors = [1.0 + 1e-4 * (i % 7) for i in range(5000)]
    v = x
    for f in factors:
        v = v * f
    t = trace(v, x)
    (path,) = t.paths
    assert path.nodes[0] is x and path.nodes[-1] is v and len(path.nodes) == len(factors) + 1
    assert list(path.local_grads) == factors
    assert all(path.nodes[i + 1].inputs == (path.nodes[i],) for i in range(len(factors)))
    assert t.total == pytest.approx(math.prod(factors), rel=1e-12)


def test_path_limit_counts_without_enumerating() -> None:
    x = Value(0.5, "x")
    v = x
    for _ in range(60):
        v = v + v  # doubles the number of paths each time
    start = time.perf_counter()
    assert count_paths(v, x) == 2**60
    with pytest.raises(ValueError, match=rf"{2**60} paths.*max_paths=1000.*trace_layers"):
        trace(v, x)
    assert time.perf_counter() - start < 1.0
    with pytest.raises(ValueError, match="max_paths"):
        trace(x * 2, x, max_paths=0)
    with pytest.raises(ValueError, match="max_paths"):
        trace(x * 2, x, max_paths=2.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="leaf"):
        trace(x * 2, 2.0)  # type: ignore[arg-type]


def test_max_paths_none_lifts_the_limit() -> None:
    x = Value(0.5, "x")
    v = x
    for _ in range(11):
        v = v + v  # 2**11 = 2048 paths, over the default limit; v = 2048 x
    with pytest.raises(ValueError, match="2048 paths"):
        trace(v, x)
    t = trace(v, x, max_paths=None)
    assert len(t.paths) == 2048 and t.total == 2048.0


def test_batch_graph() -> None:
    rng = np.random.default_rng(0)
    X = Value(rng.normal(size=5), "x.0")
    w, b = Value(0.7, "w"), Value(-0.2, "b")
    z = X * w + b
    loss = ((z.tanh() * w - 1.0) ** 2).mean()
    gw, gb, gx = autograd.grad(loss, [w, b, X])
    tw = trace(loss, w)
    assert len(tw) == 2 and isinstance(tw.total, float)
    assert tw.total == pytest.approx(gw, rel=1e-12)
    assert trace(loss, b).total == pytest.approx(gb, rel=1e-12)
    np.testing.assert_allclose(trace(loss, X).total, gx, rtol=1e-12)

    def f(wv: float) -> float:
        zz = np.tanh(X.data * wv - 0.2)
        return float(np.mean((zz * wv - 1.0) ** 2))

    assert tw.total == pytest.approx((f(0.7 + 1e-6) - f(0.7 - 1e-6)) / 2e-6, rel=1e-6)
    assert "mean" in str(tw) and "(5,)" in str(tw)


def test_html_table_escapes_labels() -> None:
    x = Value(1.0, "<x & y>")
    t = trace(x.tanh(), x)
    page = t._repr_html_()
    assert "<table>" in page and "&lt;x &amp; y&gt;" in page and "<x & y>" not in page
