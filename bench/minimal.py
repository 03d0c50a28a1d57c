"""A minimal ``__slots__`` engine: the floor for a pure-Python scalar graph on the chain benchmark.

Only ``+`` and ``*`` between Values, each edge's local derivative stored in the forward pass, and the
same two-pass iterative backward as ours (count each node's consumers in the graph, then send a
node's grad along its edges once all of them have sent theirs).  Nothing else: no label, op, weak
references, batch mode, ``no_grad``, anomaly checks, data leaves or n-ary nodes, so 7 slots (96 bytes)
instead of our 9 and a weakref (112).  The chain benchmark times it beside ours to show what those
features cost, and how far any pure-Python engine gets on the machine of the day.
"""

from __future__ import annotations

from typing import Any

_new = object.__new__


class Value:
    __slots__ = ("_a", "_b", "_da", "_db", "_n", "data", "grad")

    def __init__(self, data: float) -> None:
        self.data = float(data)
        self.grad = 0.0
        self._a = self._b = self._da = self._db = None
        self._n = 0

    def __add__(self, other: Value) -> Value:
        """d(a+b)/da = d(a+b)/db = 1."""
        v = _new(Value)
        v.data = self.data + other.data
        v.grad = 0.0
        v._a = self
        v._da = 1.0
        v._b = other
        v._db = 1.0
        v._n = 0
        return v

    def __mul__(self, other: Value) -> Value:
        """d(ab)/da = b, d(ab)/db = a."""
        x, y = self.data, other.data
        v = _new(Value)
        v.data = x * y
        v.grad = 0.0
        v._a = self
        v._da = y
        v._b = other
        v._db = x
        v._n = 0
        return v

    def backward(self) -> None:
        """d self / d node into every node's grad (leaves accumulate)."""
        stack: list[Any] = [self]
        pop, push = stack.pop, stack.append
        while stack:  # count consumers; reset interior grads
            v = pop()
            for p in (v._a, v._b):
                if p is not None and p._a is not None:
                    n = p._n
                    if n:
                        p._n = n + 1
                    else:
                        p._n = 1
                        p.grad = 0.0
                        push(p)
        self.grad = 1.0
        push(self)
        while stack:  # written out for a and b, as ours is: a loop over (a, b) costs a tuple per node
            v = pop()
            g = v.grad
            a = v._a
            if a is None:
                continue
            a.grad += g * v._da
            if a._a is not None:
                n = a._n - 1
                a._n = n
                if not n:
                    push(a)
            b = v._b
            b.grad += g * v._db
            if b._a is not None:
                n = b._n - 1
                b._n = n
                if not n:
                    push(b)
