"""detect_anomaly(): the first NaN/inf op is named, with its inputs and the user's file:line."""

from __future__ import annotations

import gc
import inspect
import math
import re
import threading
import weakref

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
from autograd import Value, anomaly


def _line() -> int:
    frame = inspect.currentframe()
    assert frame is not None and frame.f_back is not None
    return frame.f_back.f_lineno


# op name -> a function of one input whose forward is NaN/inf at the given point
FORWARD_BAD = [
    ("log", lambda x: x.log(), -1.0),
    ("log", lambda x: x.log(), 0.0),
    ("sqrt", lambda x: x.sqrt(), -4.0),
    ("exp", lambda x: x.exp(), 1000.0),
    ("/", lambda x: 1.0 / x, 0.0),
    ("/", lambda x: x / 0.0, 3.0),
    ("/", lambda x: x / Value(0.0, label="zero"), 3.0),
    ("**", lambda x: x**-1, 0.0),
    ("**", lambda x: x**0.5, -8.0),
    ("**", lambda x: 10.0**x, 400.0),
    ("**", lambda x: x ** Value(0.5, label="half"), -2.0),
    ("*", lambda x: x * math.inf, 2.0),
    ("+", lambda x: x + math.nan, 2.0),
]


@pytest.mark.parametrize(("op", "f", "x0"), FORWARD_BAD)
def test_forward_names_op_inputs_and_site(op: str, f, x0: float) -> None:
    x = Value(x0, label="my_input")
    with ag.detect_anomaly(), pytest.raises(FloatingPointError) as err:
        f(x)
    msg = str(err.value)
    assert f"op {op!r}" in msg
    assert "'my_input'" in msg
    assert repr(x0) in msg
    assert f"{__file__}:" in msg  # the creation site is user code (the lambda in this file), not autograd/


def test_site_is_the_user_line() -> None:
    x = Value(-1.0, label="x")
    with ag.detect_anomaly(), pytest.raises(FloatingPointError) as err:
        line = _line() + 1
        (x * 2.0).log()
    assert f"{__file__}:{line} in test_site_is_the_user_line" in str(err.value)
    assert "op 'log'" in str(err.value) and "-2.0" in str(err.value)


def test_first_anomaly_wins() -> None:
    x = Value(-1.0, label="x")
    with ag.detect_anomaly(), pytest.raises(FloatingPointError) as err:
        y = x.sqrt()  # nan: the first anomaly
        (y * 2).exp()
    assert "op 'sqrt'" in str(err.value)


BACKWARD_BAD = [
    ("sqrt", lambda x: x.sqrt(), 0.0),  # d sqrt/dx = inf at 0
    ("**", lambda x: x**0.5, 0.0),
    ("**", lambda x: x ** Value(0.5), 0.0),
    ("/", lambda x: Value(1.0) / x * 0.0, 1e-200),  # d(1/x)/dx = -1e400 = -inf, times 0: nan
]


@pytest.mark.parametrize(("op", "f", "x0"), BACKWARD_BAD)
def test_backward_names_the_op(op: str, f, x0: float) -> None:
    x = Value(x0, label="the_x")
    with ag.detect_anomaly():
        y = f(x)
        assert math.isfinite(y.data)
        with pytest.raises(FloatingPointError) as err:
            y.backward()
    msg = str(err.value)
    assert "backward" in msg and f"op {op!r}" in msg
    assert "'the_x'" in msg
    assert f"{__file__}:" in msg and "in <lambda>" in msg


def test_backward_outside_block_gives_inf_silently() -> None:
    x = Value(0.0)
    y = x.sqrt()
    y.backward()
    assert x.grad == math.inf
    assert anomaly.creation_site(y) is None  # nothing recorded outside the block


def test_nan_seed_is_reported() -> None:
    x = Value(1.0, label="x")
    with ag.detect_anomaly():
        y = x.tanh()
        with pytest.raises(FloatingPointError, match="seeded"):
            y.backward(math.nan)


def test_zero_times_inf_in_backward() -> None:
    # relu(sqrt(x)) at 0: relu' = 0, sqrt' = inf, the chain gives 0 * inf = nan: named at sqrt
    x = Value(0.0, label="x")
    with ag.detect_anomaly():
        y = x.sqrt().relu()
        with pytest.raises(FloatingPointError, match="op 'sqrt'"):
            y.backward()


def test_finite_contributions_that_sum_past_the_float_range() -> None:
    # x is used twice; each edge brings 1e308 (finite) and their sum overflows to inf in x's grad
    x, big = Value(1e-300, label="x"), Value(1e308, label="big")
    with ag.detect_anomaly():
        y = x * big + x * big  # 2e8: finite forward
        with pytest.raises(FloatingPointError, match=r"overflowed to inf: finite contributions summed"):
            y.backward()
        with pytest.raises(FloatingPointError, match=r"in autograd.grad\) overflowed to inf"):
            ag.grad(y, [x])
    y = x * big + x * big
    x.grad = 0.0
    y.backward()  # outside the block: IEEE inf, silently
    assert x.grad == math.inf
    xb = Value(np.array([1e-300, 2e-300]), label="xb")
    with ag.detect_anomaly():
        yb = xb * big + xb * big
        with pytest.raises(FloatingPointError, match="overflowed"):
            yb.sum().backward()


def test_batch_mode_forward_and_backward() -> None:
    x = Value(np.array([1.0, 4.0, -1.0]), label="xb")
    with ag.detect_anomaly(), pytest.raises(FloatingPointError, match=r"op 'log'.*1 non-finite"):
        x.log()
    z = Value(np.array([1.0, 0.0]), label="zb")
    with ag.detect_anomaly():
        y = z.sqrt().sum()
        with pytest.raises(FloatingPointError, match="op 'sqrt'"):
            y.backward()


def test_create_graph_is_checked() -> None:
    x = Value(0.0, label="x")
    with ag.detect_anomaly():
        y = x**1.5
        (dy,) = ag.grad(y, [x], create_graph=True)  # 1.5 x^0.5 = 0: fine
        assert dy.data == 0.0
        with pytest.raises(FloatingPointError):
            ag.grad(dy, [x], create_graph=True)  # 0.75 x^-0.5 = inf


def test_nested_and_decorator() -> None:
    @ag.detect_anomaly()
    def f(x: Value) -> Value:
        return x.log()

    with pytest.raises(FloatingPointError):
        f(Value(-1.0))
    with ag.detect_anomaly():
        with ag.detect_anomaly():
            pass
        with pytest.raises(FloatingPointError):
            Value(-1.0).log()
    assert not anomaly_on()
    assert math.isnan(Value(-1.0).log().data)  # off again


def anomaly_on() -> bool:
    from autograd.config import is_anomaly_enabled

    return is_anomaly_enabled()


def test_exception_inside_block_turns_it_off() -> None:
    with pytest.raises(FloatingPointError), ag.detect_anomaly():
        Value(-1.0).log()
    assert not anomaly_on()


def test_other_threads_unaffected() -> None:
    seen: list[float] = []
    started, release = threading.Event(), threading.Event()

    def other() -> None:
        started.wait()
        seen.append(Value(-1.0).log().data)  # no anomaly mode here
        release.set()

    t = threading.Thread(target=other)
    t.start()
    with ag.detect_anomaly():
        started.set()
        release.wait(10)
        with pytest.raises(FloatingPointError):
            Value(-1.0).log()
    t.join()
    assert len(seen) == 1 and math.isnan(seen[0])


def test_sites_do_not_keep_graphs_alive() -> None:
    gc.disable()
    try:
        with ag.detect_anomaly():
            x = Value(1.0)
            y = (x * 2).tanh()
            assert anomaly.creation_site(y) is not None
            ref = weakref.ref(y)
            del y
        assert ref() is None
    finally:
        gc.enable()


# ------------------------------------------------------------------ same grads as the fast backward
UNARY = ["tanh", "sigmoid", "sin", "cos", "relu", "abs", "exp_small", "leaky_relu", "sq", "clip"]
BINARY = ["+", "-", "*", "/safe", "dot", "sum"]


@st.composite
def programs(draw: st.DrawFn) -> tuple[list[float], list[tuple[str, int, int]]]:
    n_in = draw(st.integers(1, 4))
    xs = draw(st.lists(st.floats(-2, 2, allow_nan=False), min_size=n_in, max_size=n_in))
    steps = []
    for k in range(draw(st.integers(1, 12))):
        avail = n_in + k
        op = draw(st.sampled_from(UNARY + BINARY))
        steps.append((op, draw(st.integers(0, avail - 1)), draw(st.integers(0, avail - 1))))
    return xs, steps


def run(xs: list[float] | list[np.ndarray], steps: list[tuple[str, int, int]]) -> tuple[Value, list[Value]]:
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(xs)]
    nodes: list[Value] = list(leaves)
    for op, i, j in steps:
        a, b = nodes[i], nodes[j]
        if op == "exp_small":
            r = a.tanh().exp()
        elif op == "sq":
            r = a * a
        elif op == "clip":
            r = a.clip(-1.0, 1.0)
        elif op == "leaky_relu":
            r = a.leaky_relu(0.1)
        elif op == "abs":
            r = abs(a)
        elif op in UNARY:
            r = getattr(a, op)()
        elif op == "+":
            r = a + b
        elif op == "-":
            r = a - b
        elif op == "*":
            r = a * b
        elif op == "/safe":
            r = a / (b * b + 1.0)
        elif op == "dot":
            r = ag.dot([a, b, 0.5], [b, 2.0, a])
        else:
            r = ag.sum([a, b, a, 1.0])
        nodes.append(r)
    out = ag.sum(nodes[len(xs) :]) if len(nodes) > len(xs) else nodes[0]
    return out, leaves


@given(programs())
def test_checked_backward_gives_the_same_grads(prog: tuple[list[float], list[tuple[str, int, int]]]) -> None:
    xs, steps = prog
    out, leaves = run(xs, steps)
    out.backward()
    fast = [v.grad for v in leaves]
    with ag.detect_anomaly():
        out2, leaves2 = run(xs, steps)
        out2.backward()
    assert out2.data == out.data
    np.testing.assert_allclose([v.grad for v in leaves2], fast, rtol=1e-12, atol=0)


@given(programs(), st.integers(1, 5))
def test_checked_backward_batch(prog: tuple[list[float], list[tuple[str, int, int]]], m: int) -> None:
    xs, steps = prog
    rng = np.random.default_rng(len(steps))
    batch = [x + rng.uniform(-1, 1, m) if i % 2 == 0 else x for i, x in enumerate(xs)]
    out, leaves = run(batch, steps)
    out.backward()
    fast = [np.copy(v.grad) for v in leaves]
    with ag.detect_anomaly():
        out2, leaves2 = run(batch, steps)
        out2.backward()
    for a, b in zip(leaves2, fast):
        np.testing.assert_allclose(a.grad, b, rtol=1e-12, atol=0)


def test_backward_twice_and_after_an_anomaly() -> None:
    """Checked backward leaves the graph ready for the next backward (anomaly mode on or off)."""
    x = Value(0.5)
    y = (x * x).tanh() * 3.0
    y.backward()
    once = x.grad
    x.grad = 0.0
    with ag.detect_anomaly():
        y.backward()
        assert x.grad == once
        y.backward()
        assert x.grad == 2 * once  # leaves accumulate, interior nodes are recomputed
    x.grad = 0.0
    y.backward()
    assert x.grad == once
    z = Value(0.0)
    w = (z.sqrt() * x).tanh()
    with ag.detect_anomaly(), pytest.raises(FloatingPointError):
        w.backward()
    z2 = Value(4.0)
    w2 = (z2.sqrt() * x).tanh()
    w2.backward()
    x.grad = 0.0
    w2.backward()
    assert z2.grad == pytest.approx(2 * (1 - math.tanh(1.0) ** 2) * 0.5 * 0.5 / 2)


# ------------------------------------------------------------------ autograd.grad(create_graph=False)
@pytest.mark.parametrize(("op", "f", "x0"), BACKWARD_BAD)
def test_grad_names_the_op(op: str, f, x0: float) -> None:
    x = Value(x0, label="the_x")
    with ag.detect_anomaly():
        y = f(x)
        with pytest.raises(FloatingPointError) as err:
            ag.grad(y, [x])
    msg = str(err.value)
    assert "autograd.grad" in msg and f"op {op!r}" in msg
    assert "'the_x'" in msg
    assert f"{__file__}:" in msg and "in <lambda>" in msg
    assert x.grad == 0.0  # grad() touches no .grad, not even on the anomaly path


def test_grad_outside_block_gives_inf_silently() -> None:
    x = Value(0.0)
    assert ag.grad(x.sqrt(), [x]) == (math.inf,)


def test_grad_checks_a_graph_built_outside_the_block() -> None:
    x = Value(0.0, label="x")
    y = x.sqrt().relu()  # relu' = 0 times sqrt' = inf: nan, named at sqrt
    with ag.detect_anomaly(), pytest.raises(FloatingPointError, match=r"op 'sqrt'.*\n.*'x'") as err:
        ag.grad(y, [x])
    assert "created outside detect_anomaly()" in str(err.value)


def test_grad_nan_seed_is_reported() -> None:
    x = Value(1.0, label="x")
    with ag.detect_anomaly():
        y = x.tanh()
        with pytest.raises(FloatingPointError, match="seeded"):
            ag.grad(y, [x], grad_output=math.nan)


def test_grad_batch_names_the_op() -> None:
    z = Value(np.array([1.0, 0.0]), label="zb")
    with ag.detect_anomaly():
        y = z.sqrt().sum()
        with pytest.raises(FloatingPointError, match=r"op 'sqrt'.*1 non-finite"):
            ag.grad(y, [z])


@given(programs())
def test_checked_grad_gives_the_same_grads(prog: tuple[list[float], list[tuple[str, int, int]]]) -> None:
    xs, steps = prog
    out, leaves = run(xs, steps)
    fast = ag.grad(out, leaves)
    with ag.detect_anomaly():
        checked = ag.grad(out, leaves)
        out2, leaves2 = run(xs, steps)
        checked2 = ag.grad(out2, leaves2)
    assert checked == fast and checked2 == fast  # the same arithmetic in the same order: bit for bit
    assert all(v.grad == 0.0 for v in leaves + leaves2)


@given(programs(), st.integers(1, 5))
def test_checked_grad_batch(prog: tuple[list[float], list[tuple[str, int, int]]], m: int) -> None:
    xs, steps = prog
    rng = np.random.default_rng(len(steps))
    batch = [x + rng.uniform(-1, 1, m) if i % 2 == 0 else x for i, x in enumerate(xs)]
    out, leaves = run(batch, steps)
    fast = ag.grad(out, leaves)
    with ag.detect_anomaly():
        checked = ag.grad(out, leaves)
    for a, b in zip(checked, fast):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    ("f", "shown"),
    [
        (lambda x: x / 0.0, "constant operand = 0.0"),
        (lambda x: x + math.inf, "constant operand = inf"),
        (lambda x: 1e308 - x, "constant operand = 1e+308"),
        (lambda x: x**0.5, "constant operand = 0.5"),
        (lambda x: ag.dot([x, Value(2.0)], [math.nan, 1.0]), "local derivative nan"),
    ],
)
def test_forward_shows_the_constant_operands(f, shown: str) -> None:
    """A constant is often the culprit (x / 0, a NaN sample fed to a neuron): the message must show it."""
    with pytest.raises(FloatingPointError, match=re.escape(shown)), ag.detect_anomaly():
        f(Value(-1e308, label="x"))


@pytest.mark.parametrize("create_graph", [False, True])
def test_grad_checks_constant_edges_with_and_without_create_graph(create_graph: bool) -> None:
    """With create_graph the derivative's own nodes are checked as they are made; a product of constant edges
    makes no node, so grad checks each contribution too (create_graph returned inf silently)."""
    x = Value(1e-300, label="x")
    y = x * 1e200 * 1e200
    message = r"backward of op '\*' \(in autograd.grad\) produced inf"
    with pytest.raises(FloatingPointError, match=message), ag.detect_anomaly():
        ag.grad(y, [x], create_graph=create_graph)
    (outside,) = ag.grad(y, [x], create_graph=create_graph)  # outside the block: inf, silently
    assert (outside.data if create_graph else outside) == math.inf
