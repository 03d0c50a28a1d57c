"""backward(): random straight-line programs vs a plain-float interpreter, and the semantics of issue 2.

The programs (see ``helpers.programs``) share registers, read one register twice (x*x, x+x) and fan out;
their gradients are checked against central differences of a separate math-module evaluation.
"""

from __future__ import annotations

import gc
import math
import sys
import time
import weakref

import numpy as np
import pytest
from helpers import assert_close, fd_gradient, plain_registers, programs, reals, run_plain, run_values
from hypothesis import assume, given
from hypothesis import strategies as st

import autograd as ag
from autograd import Value


def _inputs(n: int) -> st.SearchStrategy[list[float]]:
    return st.lists(reals(-1.5, 1.5), min_size=n, max_size=n)


@given(data=st.data())
def test_random_programs_match_plain_float_finite_differences(data: st.DataObject) -> None:
    n, prog = data.draw(programs())
    xs = data.draw(_inputs(n))
    kinks: list[float] = []
    plain = run_plain(prog, xs, kinks)
    regs = plain_registers(prog, xs)
    assume(max(abs(r) for r in regs) < 50)  # keep finite differences well conditioned
    assume(all(k > 1e-2 for k in kinks))  # no kink inside the stencil
    leaves = [Value(x) for x in xs]
    out, vregs = run_values(prog, leaves)
    assert_close(out.data, plain, 1e-11, 1e-11, "forward vs plain interpreter")
    for r, p in zip(vregs, regs):
        assert_close(r.data, p, 1e-11, 1e-11, "register")
    g = data.draw(reals(0.5, 2.0))
    out.backward(g)
    fd = fd_gradient(lambda p: run_plain(prog, p), xs)
    for i, (leaf, f) in enumerate(zip(leaves, fd)):
        assert_close(leaf.grad, g * f, 1e-5, 1e-6, f"d out / d x{i} (program {prog})")
    # grad() walks the same graph and agrees bit for bit with backward()
    gs = ag.grad(out, leaves, grad_output=g)
    for leaf, gg in zip(leaves, gs):
        assert_close(gg, leaf.grad, 1e-14, 1e-300)


def test_reverse_topological_order() -> None:
    x, y = Value(1.0), Value(2.0)
    a = x * y
    b = a + x
    c = b * a
    order = ag.reverse_topological(c)
    assert order[0] is c
    assert len(order) == len({id(v) for v in order}) == 5
    pos = {id(v): i for i, v in enumerate(order)}
    for v in order:
        for p in v.inputs:
            assert pos[id(v)] < pos[id(p)], "a node comes after all its consumers"
    assert ag.reverse_topological(c) == order, "deterministic"


# ---------------------------------------------------------------- accumulation, twice, zero_grad
def _graph() -> tuple[Value, Value, Value, Value]:
    x, y = Value(0.7), Value(-1.3)
    h = (x * y).tanh()
    out = h * x + y.exp()
    return x, y, h, out


def test_leaves_accumulate_interior_recomputed() -> None:
    x, y, h, out = _graph()
    out.backward()
    gx, gy, gh = x.grad, y.grad, h.grad
    t = math.tanh(0.7 * -1.3)
    assert_close(gx, t + 0.7 * (1 - t * t) * -1.3, 1e-13, 0)
    assert_close(gy, 0.7 * (1 - t * t) * 0.7 + math.exp(-1.3), 1e-13, 0)
    out.backward()
    assert x.grad == 2 * gx and y.grad == 2 * gy, "leaves accumulate"
    assert h.grad == gh, "interior grads equal one call"
    assert out.grad == 1.0
    out.backward(3.0)
    assert_close(x.grad, 5 * gx, 1e-15, 0)
    assert h.grad == 3 * gh


def test_leaves_accumulate_across_graphs() -> None:
    x = Value(2.0)
    (x * x).backward()
    (x * 3.0).backward()
    assert x.grad == 4.0 + 3.0


def test_zero_grad() -> None:
    x, y, _, out = _graph()
    out.backward()
    g = x.grad
    x.zero_grad()
    assert x.grad == 0.0 and y.grad != 0.0
    ag.zero_grad([x, y])
    assert x.grad == 0.0 and y.grad == 0.0
    out.backward()
    assert x.grad == g
    ag.zero_grad(v for v in (x, y))  # any iterable
    assert x.grad == 0.0
    with pytest.raises(TypeError, match="float"):
        ag.zero_grad([x, 1.0])


def test_backward_on_leaf_and_unrelated_leaf() -> None:
    x, z = Value(3.0), Value(1.0)
    x.backward()
    assert x.grad == 1.0
    (x * 2.0).backward()
    assert x.grad == 3.0 and z.grad == 0.0


def test_backward_seed_checks() -> None:
    x = Value(1.0)
    y = x * 2.0
    for bad in ("1", None, [1.0], Value(1.0), True):
        with pytest.raises(TypeError):
            y.backward(bad)
    with pytest.raises(ValueError, match="scalar"):
        y.backward(np.array([1.0, 2.0]))
    b = Value(np.array([1.0, 2.0])) * 2.0
    with pytest.raises(ValueError, match="shape"):
        b.backward(np.array([1.0, 2.0, 3.0]))


def test_detach_cuts_the_graph() -> None:
    x = Value(2.0, label="x")
    y = x * x
    d = y.detach()
    assert d.is_leaf and d.data == y.data and d.label == y.label and d.inputs == ()
    z = d * x
    z.backward()
    assert x.grad == 4.0 and d.grad == 2.0, "no gradient flows through the detached copy into x twice"


# ---------------------------------------------------------------- batch broadcasting
@given(xs=st.lists(reals(-3, 3), min_size=1, max_size=16), w=reals(-2, 2), b=reals(-2, 2), kind=st.sampled_from("sm"))
def test_batch_scalar_broadcast_grads_summed(xs: list[float], w: float, b: float, kind: str) -> None:
    """A neuron tanh(w x + b) over a batch == the scalar graph per sample, w/b grads summed over the batch."""
    X = np.array(xs)
    wv, bv, xv = Value(w), Value(b), Value(X)
    y = (wv * xv + bv).tanh()
    loss = y.sum() if kind == "s" else y.mean()
    loss.backward()
    k = 1.0 if kind == "s" else 1.0 / len(xs)
    gw = gb = 0.0
    gx = []
    for x in xs:
        ws, bs, x1 = Value(w), Value(b), Value(x)
        ((ws * x1 + bs).tanh() * k).backward()
        gw += ws.grad
        gb += bs.grad
        gx.append(x1.grad)
    assert type(wv.grad) is float and type(bv.grad) is float
    assert_close(wv.grad, gw, 1e-12, 1e-12)
    assert_close(bv.grad, gb, 1e-12, 1e-12)
    np.testing.assert_allclose(xv.grad, gx, rtol=1e-12, atol=1e-12)
    # and against the closed form in numpy
    t = np.tanh(w * X + b)
    assert_close(wv.grad, float(np.sum(k * (1 - t * t) * X)), 1e-12, 1e-12)


def test_batch_size_mismatch() -> None:
    with pytest.raises(ValueError, match="batch"):
        Value(np.ones(3)) + Value(np.ones(4))
    with pytest.raises(ValueError, match="batch"):
        ag.sum([Value(np.ones(3)), Value(np.ones(2))])
    with pytest.raises(ValueError, match="batch"):
        ag.dot([Value(np.ones(3))], [Value(np.ones(2))])


# ---------------------------------------------------------------- deep and wide graphs
def test_million_op_chain_no_recursion_error() -> None:
    limit = sys.getrecursionlimit()
    x = Value(0.5)
    y = x
    for _ in range(500_000):
        y = y * 1.0000001
        y = y + 1e-7
    t = time.perf_counter()
    y.backward()
    assert time.perf_counter() - t < 30
    assert_close(x.grad, 1.0000001**500_000, 1e-9, 0)
    assert sys.getrecursionlimit() == limit
    order_len = len(ag.reverse_topological(y))
    assert order_len == 1_000_001
    del y  # freeing a million-deep chain must not overflow the C stack either


def test_builtin_and_autograd_sum_of_100k() -> None:
    vs = [Value(float(i % 7)) for i in range(100_000)]
    s = sum(vs)  # builtin: a 100,000-deep chain of +
    s.backward()
    assert s.data == float(sum(i % 7 for i in range(100_000)))
    assert all(v.grad == 1.0 for v in vs)
    t = ag.sum(vs)
    assert len(t.inputs) == 100_000
    t.backward()
    assert all(v.grad == 2.0 for v in vs)
    (q,) = ag.grad(ag.sum(v * v for v in vs[:1000]), [vs[3]])
    assert q == 2 * vs[3].data


def test_dropping_the_graph_frees_it() -> None:
    """No reference cycles: with the cycle collector off, refcounting alone frees every node."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        x = Value(0.3)
        h = (x * x).tanh() + x.exp()
        h2 = ag.dot([h, x], [x, 2.0]) + ag.sum([h, h])
        out = h2.sigmoid() * 2.0
        out.backward()
        refs = [weakref.ref(v) for v in ag.reverse_topological(out) if v is not x]
        assert len(refs) > 5
        del h, h2, out
        assert all(r() is None for r in refs)
        b = Value(np.array([0.1, 0.2]))
        w = Value(0.5)
        y = (b * w + 1.0).relu().mean()
        y.backward()
        refs = [weakref.ref(v) for v in ag.reverse_topological(y) if v is not b and v is not w]
        del y
        assert all(r() is None for r in refs)
        (g,) = ag.grad((x * x).sin(), [x], create_graph=True)
        ref = weakref.ref(g)
        del g
        assert ref() is None
    finally:
        if enabled:
            gc.enable()


def test_interrupted_backward_leaves_the_next_one_correct() -> None:
    """An exception mid-backward must not leave stale consumer counts behind (they live on the nodes)."""

    class Boom:
        def __rmul__(self, g: object) -> float:
            raise KeyboardInterrupt

    def build() -> tuple[Value, Value]:
        x = Value(0.7)
        h = x.tanh()
        return x, (h * h + h).sin() * h

    x, y = build()
    x_ref, y_ref = build()
    y_ref.backward()
    victim = y._a._a  # an interior node several edges below the root
    saved = victim._da
    victim._da = Boom()
    with pytest.raises(KeyboardInterrupt):
        y.backward()
    victim._da = saved
    x.grad = 0.0
    y.backward()
    assert x.grad == pytest.approx(x_ref.grad, rel=1e-15)
