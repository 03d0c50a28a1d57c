"""Value: construction, bad input (TypeError/ValueError naming what was received), public attributes, operators."""

from __future__ import annotations

import copy
import math
import operator
import pickle
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from helpers import central_diff, reals, same_float
from hypothesis import given

import autograd as ag
from autograd import Value


@pytest.mark.parametrize(
    ("data", "expected"),
    [(3, 3.0), (-2.5, -2.5), (np.float32(1.5), 1.5), (np.int64(7), 7.0), (np.float64(0.1), 0.1), (np.array(2.0), 2.0)],
)
def test_real_numbers_stored_as_float(data: Any, expected: float) -> None:
    v = Value(data)
    assert type(v.data) is float and v.data == expected
    assert v.grad == 0.0 and type(v.grad) is float
    assert v.label == "" and v.op == "" and v.inputs == () and v.local_grads == () and v.is_leaf and v.shape == ()


@pytest.mark.parametrize(
    ("data", "name"),
    [
        ("1.0", "str"),
        (None, "NoneType"),
        (1 + 2j, "complex"),
        ([1.0, 2.0], "list"),
        ((1.0,), "tuple"),
        (True, "bool"),
        (np.bool_(False), "bool"),
        (np.complex128(1.0), "complex"),
        ({"a": 1}, "dict"),
    ],
)
def test_bad_data_type_error_names_type(data: Any, name: str) -> None:
    with pytest.raises(TypeError, match=name):
        Value(data)


def test_value_as_data_rejected() -> None:
    with pytest.raises(TypeError, match="Value"):
        Value(Value(1.0))


@pytest.mark.parametrize(
    ("data", "exc", "match"),
    [
        (np.ones((2, 3)), ValueError, "shape"),
        (np.ones((1, 1)), ValueError, "shape"),
        (np.array([]), ValueError, "empty"),
        (np.array([True, False]), TypeError, "bool"),
        (np.array([1 + 1j]), TypeError, "complex"),
        (np.array(["a"]), TypeError, "dtype"),
        (10**400, ValueError, "too large"),
        (Fraction(10**400), ValueError, "Fraction is too large for a float64"),
        (np.ma.array([1.0, 2.0], mask=[False, True]), TypeError, "masked array, whose mask would be lost"),
    ],
)
def test_bad_arrays_and_numbers(data: Any, exc: type[Exception], match: str) -> None:
    with pytest.raises(exc, match=match):
        Value(data)


def test_label_must_be_str() -> None:
    assert Value(1.0, label="w").label == "w"
    with pytest.raises(TypeError, match="int"):
        Value(1.0, label=3)  # type: ignore[arg-type]


def test_op_results_start_unlabelled_and_take_a_label() -> None:
    x = Value(2.0, label="x")
    nodes = [x * x, x + 1.0, x.tanh(), ag.sum([x, x]), -x, x**x]
    assert [v.label for v in nodes] == [""] * len(nodes)
    for i, v in enumerate(nodes):
        v.label = f"n{i}"
    assert [v.label for v in nodes] == [f"n{i}" for i in range(len(nodes))]
    assert "label='n0'" in repr(nodes[0]) and nodes[0].detach().label == "n0"
    with pytest.raises(TypeError, match="label must be a str, got NoneType"):
        nodes[0].label = None  # type: ignore[assignment]
    assert nodes[0].label == "n0"


def test_op_results_read_grad_zero_until_backward_fills_it() -> None:
    x = Value(2.0, label="x")
    nodes = [x * x, x + x, x + 1.0, x.tanh(), ag.sum([x, x]), -x, x**x, x / x]
    assert [v.grad for v in nodes] == [0.0] * len(nodes) and all(type(v.grad) is float for v in nodes)
    assert all("grad=0," in repr(v) for v in nodes)
    nodes[0].grad = 5.0
    assert nodes[0].grad == 5.0
    y = nodes[0] + nodes[1]  # y = x^2 + 2x
    y.backward()
    assert (nodes[0].grad, nodes[1].grad, x.grad) == (1.0, 1.0, 2 * 2.0 + 2.0)
    with ag.no_grad():
        c = x * 3.0  # a leaf: it accumulates like any other
    (c * x).backward()
    (c * x).backward()
    assert c.grad == 2 * 2.0


def test_batch_value() -> None:
    a = np.array([1, 2, 3])
    v = Value(a)
    assert v.shape == (3,) and v.data.dtype == np.float64
    a[0] = 100
    assert v.data[0] == 1.0, "the Value holds its own copy"
    with pytest.raises(TypeError, match="batch"):
        float(v)
    with pytest.raises(TypeError):
        v.item()


def test_a_batch_is_a_batch_value_and_assigning_data_switches_kind() -> None:
    s, b = Value(2.0), Value(np.array([1.0, 2.0, 4.0]))
    assert type(s) is Value and type(b) is ag.BatchValue and isinstance(b, Value)
    mixed = [s + b, b + s, s * b, b * s, 3.0 * b, b * 3.0, 1.0 + b, b + 1.0, s - b, b / s, s**b, b.tanh()]
    assert all(type(v) is ag.BatchValue for v in mixed)
    assert all(type(v) is Value for v in [s + s, s * s, b.sum(), b.mean(), s.tanh(), 2.0 * s])
    # inputs stay in argument order whichever operand is the batch, also for a reflected call
    assert (s + b).inputs == (s, b) and (b + s).inputs == (b, s) and (s * b).inputs == (s, b)
    assert b.__radd__(s).inputs == (s, b) and b.__rmul__(s).inputs == (s, b)
    # a leaf given a batch by assignment computes what a fresh batch leaf computes, and back again
    w, x = Value(0.5), Value(1.0)
    x.data = np.array([1.0, -2.0, 3.0])
    assert type(x) is ag.BatchValue
    (w * x + w).sum().backward()
    assert w.grad == pytest.approx(1.0 - 2.0 + 3.0 + 3 * 1.0)
    np.testing.assert_array_equal(x.grad, [0.5, 0.5, 0.5])
    x.data = 4
    assert type(x) is Value and type(x.data) is float and x.data == 4.0
    w.grad = 0.0
    (w * x).backward()
    assert w.grad == 4.0 and type(w.grad) is float
    with pytest.raises(TypeError, match="str"):
        x.data = "1.0"
    with pytest.raises(ValueError, match="shape"):
        x.data = np.ones((2, 2))
    assert x.data == 4.0 and type(x) is Value, "a refused assignment leaves the Value as it was"


class Tagged(Value):
    """A user's subclass: it keeps its class, holds scalars or batches, and differentiates like Value."""

    tag = "mine"


@pytest.mark.parametrize("data", [0.5, np.array([0.5, -1.0, 2.0])])
def test_a_users_subclass_keeps_its_class_and_gradients(data: Any) -> None:
    def loss(make: Any) -> list[Any]:
        t, w = make(data), make(1.5)
        y = (w * t + t * w + 2.0 * t + t + w + t * 3.0).sum() if isinstance(data, np.ndarray) else w * t + t * w + t
        y.backward()
        return [np.copy(t.grad), w.grad, (w + t).inputs == (w, t), (t * w).inputs == (t, w)]

    got, expected = loss(Tagged), loss(Value)
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)
    t = Tagged(data)
    t.data = np.array([1.0, 2.0])
    assert type(t) is Tagged and t.tag == "mine"
    t.data = 3.0
    assert type(t) is Tagged and t.data == 3.0


@pytest.mark.parametrize(
    "op", [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow, operator.lt, operator.ge]
)
@pytest.mark.parametrize("other", ["a", None, [1.0], 1j, True, np.bool_(True), {}, object()])
def test_unsupported_operands_raise_type_error(op: Any, other: Any) -> None:
    v = Value(2.0)
    with pytest.raises(TypeError):
        op(v, other)
    if op not in (operator.lt, operator.ge):
        with pytest.raises(TypeError):
            op(other, v)


def test_bad_op_arguments() -> None:
    v = Value(1.0)
    with pytest.raises(TypeError, match="str"):
        v.leaky_relu("0.1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="bool"):
        v.leaky_relu(True)
    with pytest.raises(TypeError, match="NoneType"):
        v.clip(None, 1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="lo <= hi"):
        v.clip(2.0, 1.0)
    with pytest.raises(TypeError, match="batch"):
        v ** np.array([1.0, 2.0])
    with pytest.raises(TypeError, match="batch"):
        np.array([1.0, 2.0]) ** v


@given(a=reals(-1e6, 1e6), b=reals(-1e6, 1e6))
def test_comparisons_compare_data(a: float, b: float) -> None:
    x, y = Value(a), Value(b)
    assert (x < y) is (a < b) and (x <= y) is (a <= b) and (x > y) is (a > b) and (x >= y) is (a >= b)
    assert (x < b) is (a < b) and (a < y) is (a < b)
    assert sorted([y, x], key=lambda v: v.data)[0].data == min(a, b)
    assert max(x, y).data == max(a, b)


def test_equality_is_identity_and_hashable() -> None:
    x, y = Value(1.0), Value(1.0)
    assert x == x and x != y and x != 1.0
    d = {x: "x", y: "y"}
    assert d[x] == "x" and d[y] == "y"
    assert len({x, y, x}) == 2


def test_inputs_and_local_grads_structure() -> None:
    x, y = Value(3.0), Value(-2.0)
    z = x * y
    assert z.inputs == (x, y) and z.local_grads == (-2.0, 3.0)
    assert (y * x).inputs == (y, x)
    sq = x * x
    assert sq.inputs == (x, x) and sq.local_grads == (3.0, 3.0)
    assert (x * 3).inputs == (x,) and (3 * x).inputs == (x,)
    assert (x - y).local_grads == (1.0, -1.0)
    assert (2.0 - x).local_grads == (-1.0,)
    assert (x / y).local_grads == (-0.5, -3.0 / 4.0)
    p = x**y
    assert p.local_grads[0] == -2.0 * 3.0**-3.0 and math.isclose(p.local_grads[1], 3.0**-2.0 * math.log(3.0))
    assert (-x).op == "neg" and (-x).local_grads == (-1.0,)
    assert +x is x


def test_repr_item_float_detach() -> None:
    x = Value(2.0, label="x")
    r = repr(x * 3.0)
    assert "data=6" in r and "op='*'" in r
    assert "label='x'" in repr(x)
    assert x.item() == 2.0 and float(x) == 2.0 and type(x.item()) is float
    assert "batch" in repr(Value(np.array([1.0, 2.0])))


def test_numpy_scalars_and_arrays_on_the_left() -> None:
    x = Value(2.0)
    y = np.float64(3.0) * x
    assert isinstance(y, Value) and y.data == 6.0 and y.inputs == (x,)
    z = np.array([1.0, 2.0]) * x
    assert isinstance(z, Value) and z.shape == (2,)
    assert (np.int64(2) ** x).data == 4.0


def _pickled(v: Value) -> Value:
    return pickle.loads(pickle.dumps(v))  # type: ignore[no-any-return]


@pytest.mark.parametrize("copier", [copy.copy, copy.deepcopy, _pickled], ids=["copy", "deepcopy", "pickle"])
def test_a_copied_data_leaf_stays_data(copier: Callable[[Value], Value]) -> None:
    copied = copier(Value(1.5, "x_data", requires_grad=False))
    assert not copied.requires_grad and copied.label == "x_data" and copied.data == 1.5
    y = copied * Value(2.0)
    y.backward()
    assert copied.grad == 0.0  # a data leaf takes no gradient, copied or not


@pytest.mark.parametrize("copier", [copy.deepcopy, _pickled], ids=["deepcopy", "pickle"])
def test_a_copied_graph_keeps_its_ops_and_gives_the_same_gradients(copier: Callable[[Value], Value]) -> None:
    """The ops' rules are lambdas: a copy or a pickle must carry the op itself, or backward and graph differ."""
    ws = np.array([1.0, -2.0])

    def f(x: float) -> float:
        return float(np.mean(x * ws + math.exp(x) + math.tanh(2.0 * x) * 1.5 + x**3))

    x = Value(0.3, "x")
    y = ag.sum([x * Value(ws), x.exp(), (x * 2.0).tanh() * Value(1.5, requires_grad=False), x**3]).mean()
    copied = copier(y)
    copied.backward()
    nodes, stack = [], [copied]
    while stack:
        v = stack.pop()
        nodes.append(v)
        stack.extend(v.inputs)
    assert sorted({v.op for v in nodes}) == ["", "*", "**", "exp", "mean", "sum", "tanh"]
    (x_copy,) = {id(v): v for v in nodes if v.label == "x"}.values()
    assert x_copy is not x and x.grad == 0.0
    assert x_copy.grad == pytest.approx(central_diff(f, 0.3), rel=1e-9)


def test_grad_assignment_is_checked() -> None:
    x = Value(2.0)
    x.grad = None  # PyTorch's way to clear: reads 0.0, and backward accumulates from there
    assert x.grad == 0.0
    (x * 3.0).backward()
    assert x.grad == 3.0
    for bad in ("1.0", [1.0], object()):
        with pytest.raises(TypeError, match="grad must be a real number"):
            x.grad = bad  # type: ignore[assignment]
    with pytest.raises(ValueError, match=r"grad of shape \(2,\) does not fit this Value, which holds a number"):
        x.grad = np.ones(2)
    b = Value(np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"holds a batch of shape \(2,\)"):
        b.grad = np.ones(3)
    b.grad = np.array([0.5, 0.25])
    (b * 2.0).sum().backward()
    np.testing.assert_array_equal(b.grad, [2.5, 2.25])
    assert x.grad == 3.0  # a refused assignment left the grad as it was


def test_relu_of_nan_is_the_same_per_sample_and_over_a_batch() -> None:
    xs = [math.nan, -1.0, 0.0, 2.0, math.inf]
    batch = Value(np.array(xs))
    batch.relu().sum().backward()
    for i, x in enumerate(xs):
        v = Value(x)
        y = v.relu()
        y.backward()
        assert same_float(y.data, float(batch.relu().data[i])) and same_float(v.grad, float(batch.grad[i]))


@pytest.mark.parametrize("protocol", [0, 2, pickle.HIGHEST_PROTOCOL])
def test_a_deep_graph_copies_and_pickles_without_recursion(protocol: int) -> None:
    """copy.deepcopy and pickle recurse once per node on their own: they stopped at a few hundred ops."""
    x = Value(0.5, "x")
    y = x
    for _ in range(5000):
        y = y * 1.0001 + 0.0
    copies = [copy.deepcopy(y), pickle.loads(pickle.dumps(y, protocol=protocol))]
    for c in copies:
        c.backward()
        leaf = c
        while leaf.inputs:
            leaf = leaf.inputs[0]
        assert leaf is not x and leaf.label == "x" and c.data == y.data
        assert leaf.grad == pytest.approx(1.0001**5000, rel=1e-12)
    assert x.grad == 0.0


class Secret(Value):
    __slots__ = ("__tag",)


class Noted(Value):
    pass


def test_copies_keep_sharing_subclass_state_and_shallow_copy_shares_inputs() -> None:
    t, n = Secret(2.0), Noted(3.0)
    t._Secret__tag = "private"  # type: ignore[attr-defined]
    n.note = [1]  # type: ignore[attr-defined]
    y = t * n + t
    for c in (copy.deepcopy([y, t]), pickle.loads(pickle.dumps([y, t]))):
        y2, t2 = c
        (_, t_again), (t_in, n_in) = y2.inputs, y2.inputs[0].inputs
        assert t_again is t_in is t2 and t2 is not t  # one node, as in the original
        assert type(t2) is Secret and t2._Secret__tag == "private"  # type: ignore[attr-defined]
        assert type(n_in) is Noted and n_in.note == [1] and n_in.note is not n.note  # type: ignore[attr-defined]
    shallow = copy.copy(y)
    assert shallow is not y and shallow.inputs[0] is y.inputs[0] and shallow.op == "+"
