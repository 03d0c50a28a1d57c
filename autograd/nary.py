"""N-ary nodes: ``sum`` and ``dot`` (one node for many inputs) and ``linear`` (a layer's dot + bias nodes).

In batch mode a ``dot`` whose weights are scalars is computed with one matrix-vector product over the
stacked inputs, and its backward brings all contributions at once (``_PairsBackward``/``_DotBackward``,
kept in the node's ``_b`` slot); ``linear`` computes a whole layer's rows with one matrix product.
"""

from __future__ import annotations

import builtins
import operator
from collections.abc import Iterable
from typing import Any

import numpy as np

from . import ops
from .value import _ONE, BatchValue, Value, _check_batches, _const, _data_of, _iterable, _node, _quiet, _Reduce


def sum(values: Iterable[Any]) -> Value:  # noqa: A001 - mirrors the builtin on purpose
    """One n-ary node: d(sum_i v_i)/dv_i = 1.  Numbers among the values are added as constants."""
    ins: list[Value] = []
    total: Any = 0.0
    for v in _iterable(values, "autograd.sum(values)"):
        if isinstance(v, Value):
            ins.append(v)
            d = v._data
        else:
            c = _const(v, "autograd.sum values")
            if c is None:
                raise TypeError(f"autograd.sum takes Values or numbers, got {type(v).__name__}")
            d = c
        if type(total) is float is type(d):
            total = total + d
        else:  # a batch of 1 must not broadcast against one of m: its gradient would get m entries
            _check_batches(total, d, "autograd.sum")
            total = _quiet(operator.add, total, d)
    if not ins:
        return Value(total)
    batch = type(total) is np.ndarray
    locals_ = tuple(_Reduce(_ONE) if batch and type(v._data) is float else _ONE for v in ins)
    return _node(total, ops.SUM, tuple(ins), locals_)


def _in_order(xs: Any, what: str) -> list[Any]:
    """``list(xs)``, refusing a set: which weight would meet which input would be arbitrary."""
    if isinstance(xs, (set, frozenset)):
        raise TypeError(f"{what}: a set has no order, so the terms would pair up arbitrarily; pass a list")
    return list(_iterable(xs, what))


def dot(weights: Iterable[Any], inputs: Iterable[Any]) -> Value:
    """One n-ary node for sum_i w_i x_i: d/dw_i = x_i, d/dx_i = w_i.

    Either factor of a term may be a Value or a constant (number or 1-D batch array); only
    Values become inputs of the node (each term's Value factors, in order).
    """
    ws, xs = _in_order(weights, "dot(weights, ...)"), _in_order(inputs, "dot(..., inputs)")
    if len(ws) != len(xs):
        raise ValueError(f"dot needs as many weights as inputs, got {len(ws)} and {len(xs)}")
    if not ws:
        raise ValueError("dot of empty sequences: give at least one term")
    fast = _dot_of_values(ws, xs)
    if fast is not None:
        return fast
    ins: list[Value] = []
    locs: list[Any] = []
    partners: list[int] = []  # for each input, the index of the other factor's Value, or -1 for a constant
    terms: list[int] = []  # for each input, its term in (coefs, rows) or -1
    total: Any = 0.0
    coefs: list[float] = []  # batch terms scalar * array, summed with one matrix-vector product
    rows: list[np.ndarray] = []
    for i, (w, x) in enumerate(zip(ws, xs)):
        wv, xv = isinstance(w, Value), isinstance(x, Value)
        wd = w._data if wv else _const(w, "dot weights")
        xd = x._data if xv else _const(x, "dot inputs")
        if wd is None or xd is None:
            bad, arg = (w, "weights") if wd is None else (x, "inputs")
            raise TypeError(f"dot term {i}: {arg}[{i}] must be a Value or a number, got {type(bad).__name__}")
        term = -1
        if type(wd) is float and type(xd) is np.ndarray:
            term = len(rows)
            coefs.append(wd)
            rows.append(xd)
        elif type(xd) is float and type(wd) is np.ndarray:
            term = len(rows)
            coefs.append(xd)
            rows.append(wd)
        else:
            _check_batches(wd, xd, "dot")
            product = _quiet(operator.mul, wd, xd)
            _check_batches(total, product, "dot")
            total = _quiet(operator.add, total, product)
        n = len(ins)
        if wv:
            ins.append(w)
            locs.append(xd)
            partners.append(n + 1 if xv else -1)
            terms.append(term)
        if xv:
            ins.append(x)
            locs.append(wd)
            partners.append(n if wv else -1)
            terms.append(term)
    rule = None
    if rows:
        shapes = {r.shape for r in rows}
        if type(total) is np.ndarray:
            shapes.add(total.shape)
        if len(shapes) > 1:
            first, second = sorted(s[0] for s in shapes)[:2]
            raise ValueError(f"batch sizes differ in dot: {first} and {second} samples")
        stacked = np.stack(rows)
        # one row: numpy scales it with BLAS, which zeroes it for a 0 coefficient (0 * NaN must stay NaN)
        terms_sum = _quiet(operator.mul, coefs[0], rows[0]) if len(rows) == 1 else _quiet(np.dot, coefs, stacked)
        total = _quiet(operator.add, total, terms_sum)
        if all(t >= 0 for t in terms):  # every term is scalar x batch: backward in two array ops
            rule = _DotBackward(stacked, np.array(coefs), ins, terms)
    if type(total) is np.ndarray:
        locs = [_Reduce(d) if type(v._data) is float else d for v, d in zip(ins, locs)]  # scalar input: sum the batch
    if not ins:
        return Value(total)
    v = _node(total, ops.DOT, tuple(ins), tuple(locs), None, tuple(partners))
    if v._a is not None:
        v._b = rule
    return v


def _dot_of_values(ws: list[Any], xs: list[Any]) -> Value | None:
    """``dot`` when every factor is a Value and the weights are scalars: a neuron, per sample or over a batch.

    Inputs are interleaved (w0, x0, w1, x1, ...), as the general path would order them.  The classes say
    what the data are: a Value holds a float, a BatchValue an array.
    """
    if set(map(type, ws)) != _JUST_VALUE:
        return None
    kinds = set(map(type, xs))
    if kinds == _JUST_BATCH:
        return _batch_rows([ws], _data_of(ws), xs, _data_of(xs), None, [], "dot")[0]
    if kinds != _JUST_VALUE:
        return None
    wd, xd = _data_of(ws), _data_of(xs)
    n = len(ws)
    ins: list[Any] = [None] * (2 * n)
    ins[0::2] = ws
    ins[1::2] = xs
    locs: list[Any] = [None] * (2 * n)
    locs[0::2] = xd
    locs[1::2] = wd
    return _node(builtins.sum(map(float.__mul__, wd, xd)), ops.DOT, tuple(ins), tuple(locs), None, _pair_partners(n))


def pick(values: list[Value], index: np.ndarray) -> Value:
    """``dot(values, one_hot(index))`` over a batch, computed as a selection: sample i takes ``values[index[i]]``.

    The node and its derivatives are those of the dot (d/dvalues_j = [index == j]), but the forward value never
    multiplies by 0, so a logit of -inf that is not picked gives no NaN (-inf * 0).  For ``nn.cross_entropy``.
    """
    masks = tuple((index == j).astype(np.float64) for j in range(len(values)))
    picked = np.choose(index, [v._data for v in values])
    return _node(picked, ops.DOT, tuple(values), masks, None, tuple(-1 for _ in values))


def linear(weights: Iterable[Iterable[Any]], inputs: Iterable[Any], biases: Iterable[Any] | None = None) -> list[Value]:
    """A layer's pre-activations z_j = sum_i W[j][i] x_i + b_j: dz_j/dW[j][i] = x_i, dz_j/dx_i = W[j][i], dz_j/db_j = 1.

    Builds exactly the nodes of ``[dot(W[j], inputs) + b[j] for each row j]`` (one ``dot`` node and one
    ``+`` node per row, or only the ``dot`` without ``biases``).  When every weight and bias is a scalar
    Value and every input a batch Value, one matrix product computes all rows, ``Z = W X + b`` with the
    samples as the columns of X, as the documents write a layer.
    """
    rows = []
    for j, r in enumerate(_in_order(weights, "linear(weights, ...)")):
        try:
            rows.append(_in_order(r, f"linear weights[{j}]"))
        except TypeError:
            raise TypeError(
                f"linear weights[{j}]: expected a row of weights (list, tuple, ...), got {type(r).__name__}"
            ) from None
    xs = _in_order(inputs, "linear(..., inputs)")
    bs = None if biases is None else _in_order(biases, "linear(..., biases)")
    if not rows:
        raise ValueError("linear needs at least one row of weights")
    for j, row in enumerate(rows):
        if len(row) != len(xs):
            raise ValueError(
                f"linear weights[{j}] has {len(row)} weights for {len(xs)} inputs; every row needs one per input"
            )
    if bs is not None and len(bs) != len(rows):
        raise ValueError(f"linear has {len(rows)} rows of weights but {len(bs)} biases; give one bias per row")
    fast = _linear_of_batch(rows, xs, bs)
    if fast is not None:
        return fast
    zs = [dot(row, xs) for row in rows]
    if bs is None:
        return zs
    for j, b in enumerate(bs):
        if not isinstance(b, Value) and _const(b, f"linear biases[{j}]") is None:
            raise TypeError(f"linear biases[{j}] must be a Value or a number, got {type(b).__name__}")
    return [z + b for z, b in zip(zs, bs)]


def _linear_of_batch(rows: list[list[Any]], xs: list[Any], bs: list[Any] | None) -> list[Value] | None:
    """``linear`` for scalar weight and bias Values on batch inputs: one matrix product, then dot and + nodes."""
    if set(map(type, xs)) != _JUST_BATCH:  # one sample: the general path (a dot node per row)
        return None
    flat = [w for row in rows for w in row]
    if set(map(type, flat)) != _JUST_VALUE or (bs is not None and set(map(type, bs)) != _JUST_VALUE):
        return None
    bd = [] if bs is None else _data_of(bs)
    return _batch_rows(rows, _data_of(flat), xs, _data_of(xs), bs, bd, "linear")


def _batch_rows(
    rows: list[list[Value]],
    wd: list[float],
    xs: list[Value],
    xd: list[np.ndarray],
    bs: list[Value] | None,
    bd: list[float],
    what: str,
) -> list[Value]:
    """Each row's interleaved ``dot`` node (w0, x0, w1, x1, ...), then ``+ b`` with biases, over batch inputs.

    One matrix product computes every row, Z = W X (+ b); ``wd``/``xd``/``bd`` are the weights', inputs' and
    biases' data (weights flattened row by row).
    """
    shapes = {d.shape for d in xd}
    if len(shapes) > 1:
        raise ValueError(f"batch sizes differ in {what}: {sorted(s[0] for s in shapes)}")
    n = len(xs)
    X = np.stack(xd)
    W = np.array(wd).reshape(len(rows), n)
    with np.errstate(all="ignore"):
        Z = W @ X
        Zb = None if bs is None else Z + np.array(bd)[:, None]
    partners = _pair_partners(n)
    data_inputs = _all_data(xs)
    ins: list[Any] = [None] * (2 * n)
    ins[1::2] = xs
    locs: list[Any] = [None] * (2 * n)
    locs[0::2] = [_Reduce(d) for d in xd]
    out = []
    for j, row in enumerate(rows):
        ins[0::2] = row
        locs[1::2] = wd[j * n : (j + 1) * n]
        z = _node(Z[j], ops.DOT, tuple(ins), tuple(locs), _PairsBackward(X, W[j], data_inputs), partners)
        if Zb is not None:
            z = _node(Zb[j], ops.ADD, z, _ONE, bs[j], _Reduce(_ONE))  # type: ignore[index]
        out.append(z)
    return out


_PARTNERS: dict[int, tuple[int, ...]] = {}
_JUST_VALUE, _JUST_BATCH = {Value}, {BatchValue}


def _pair_partners(n: int) -> tuple[int, ...]:
    """(1, 0, 3, 2, ...): in an interleaved dot, each input's partner is its neighbour."""
    p = _PARTNERS.get(n)
    if p is None:
        p = _PARTNERS[n] = tuple(i ^ 1 for i in range(2 * n))
    return p


def _all_data(xs: list[Value]) -> bool:
    """Every x is a leaf made with ``requires_grad=False``: no gradient to send it."""
    return not any(x.requires_grad for x in xs)


class _PairsBackward:
    """Contributions of an interleaved batch dot (w0, x0, w1, x1, ...): rows @ g for the w's, w * g for the x's.

    When every x is data (``requires_grad=False``) their contributions are not computed (None: backward skips them).
    """

    __slots__ = ("coefs", "data_inputs", "rows")

    def __init__(self, rows: np.ndarray, coefs: np.ndarray, data_inputs: bool) -> None:
        self.rows = rows
        self.coefs = coefs
        self.data_inputs = data_inputs

    def __call__(self, g: Any) -> list[Any]:
        if type(g) is not np.ndarray:
            g = np.full(self.rows.shape[1], g)
        out: list[Any] = [None] * (2 * len(self.coefs))
        out[0::2] = (self.rows @ g).tolist()
        if not self.data_inputs:
            out[1::2] = list(np.multiply.outer(self.coefs, g))
        return out


class _DotBackward:
    """All of a batch dot node's contributions at once: rows @ g for its scalar inputs, coef * g for its batch ones."""

    __slots__ = ("coefs", "pick", "rows")

    def __init__(self, rows: np.ndarray, coefs: np.ndarray, ins: list[Value], terms: list[int]) -> None:
        self.rows = rows
        self.coefs = coefs
        self.pick = [(type(v._data) is float, t) for v, t in zip(ins, terms)]

    def __call__(self, g: Any) -> list[Any]:
        if type(g) is not np.ndarray:
            g = np.full(self.rows.shape[1], g)
        sums = (self.rows @ g).tolist()
        coefs = self.coefs
        return [sums[t] if scalar else coefs[t] * g for scalar, t in self.pick]
