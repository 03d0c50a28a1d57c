"""Reverse-mode accumulation: the order to visit nodes in, and ``backward`` itself."""

from __future__ import annotations

from typing import Any

import numpy as np

from .value import Value


def reverse_topological(root: Value) -> list[Value]:
    """Every node ``root`` depends on, each listed after all the nodes that consume it (root first).

    Kahn's algorithm on the reversed graph, without recursion: count each node's consumers
    inside the graph, then emit a node once all of them have been emitted.  Deterministic.
    """
    users: dict[Value, int] = {root: 0}
    stack = [root]
    pop, push = stack.pop, stack.append
    while stack:
        v = pop()
        a = v._a
        if a is None:
            continue
        for p in a if type(a) is tuple else ((a,) if v._b is None else (a, v._b)):
            if p in users:
                users[p] += 1
            else:
                users[p] = 1
                push(p)
    order = []
    emit = order.append
    ready = [root]
    pop, push = ready.pop, ready.append
    while ready:
        v = pop()
        emit(v)
        a = v._a
        if a is None:
            continue
        for p in a if type(a) is tuple else ((a,) if v._b is None else (a, v._b)):
            n = users[p] - 1
            if n:
                users[p] = n
            else:
                push(p)
    return order


def seed_for(root: Value, grad: Any) -> Any:
    """The starting d(root)/d(root), shaped like root's data."""
    if isinstance(grad, Value):
        raise TypeError("backward(grad=...) takes a number or an array, not a Value")
    from .value import as_data

    g = as_data(grad, "backward grad")
    d = root.data
    if type(d) is np.ndarray:
        if type(g) is float:
            return np.full(d.shape, g)
        if g.shape != d.shape:
            raise ValueError(f"backward grad has shape {g.shape} but the Value holds a batch of shape {d.shape}")
        return g
    if type(g) is not float:
        raise ValueError(f"backward grad for a scalar Value must be a number, got an array of shape {g.shape}")
    return g


def backward(root: Value, grad: Any = 1.0) -> None:
    """d root / d node into every node's ``.grad`` (leaves accumulate, interior nodes are reset)."""
    seed = seed_for(root, grad)
    order = reverse_topological(root)
    for v in order:
        if v._a is not None:
            v.grad = 0.0
    root.grad += seed
    from .config import FLAGS, is_anomaly_enabled

    if FLAGS.special and is_anomaly_enabled():
        from .anomaly import backward_checked

        backward_checked(order)
        return
    for v in order:
        a = v._a
        if a is None:
            continue
        g = v.grad
        if type(a) is tuple:
            for p, d in zip(a, v._da):
                p.grad += g * d
        else:
            a.grad += g * v._da
            b = v._b
            if b is not None:
                b.grad += g * v._db
