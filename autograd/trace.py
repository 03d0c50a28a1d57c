"""The chain rule, path by path: d output / d leaf is the sum over every path leaf -> output of
the product of the local derivatives on its edges.

``trace`` counts the paths first by dynamic programming (paths(v) = sum of paths(input) over
v's inputs), so a deep network with exponentially many paths is refused before any is listed.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from .backprop import reverse_topological, seed_for
from .value import Value

DEFAULT_MAX_PATHS = 1000


def _num(x: Any) -> str:
    if isinstance(x, np.ndarray):
        return f"mean {float(np.mean(x)):.4g} {x.shape}"
    return f"{float(x):.4g}"


@dataclass(frozen=True)
class Path:
    """One path leaf -> output: ``nodes[0]`` is the leaf, ``local_grads[i]`` = d nodes[i+1] / d nodes[i].

    ``product`` is the path's share of d output / d leaf: the product of the local derivatives
    (in batch mode summed over samples where a scalar was broadcast, as backward does).
    """

    nodes: tuple[Value, ...]
    local_grads: tuple[Any, ...]
    product: Any


class Trace:
    """Every path from ``leaf`` to ``output`` with its edges' local derivatives and product; ``total`` is their sum."""

    def __init__(self, output: Value, leaf: Value, paths: list[Path], names: dict[Value, str]) -> None:
        self.output = output
        self.leaf = leaf
        self.paths = paths
        self._names = names
        total: Any = 0.0
        for p in paths:
            total = total + p.product
        if not paths and isinstance(leaf.data, np.ndarray):
            total = np.zeros_like(leaf.data)
        self.total = total

    def __len__(self) -> int:
        return len(self.paths)

    def __iter__(self) -> Iterator[Path]:
        return iter(self.paths)

    def name(self, v: Value) -> str:
        """How a node is shown: its label, or its op and position in the graph (``tanh#3``)."""
        if not isinstance(v, Value):
            raise TypeError(f"Trace.name takes a Value, got {type(v).__name__}")
        name = self._names.get(v)
        if name is None:  # a leaf the output does not depend on
            return v.label or (v.op or "leaf")
        return name

    def _path_text(self, p: Path) -> str:
        parts = [self.name(p.nodes[0])]
        for v, d in zip(p.nodes[1:], p.local_grads):
            parts.append(f" --[{_num(d)}]--> {self.name(v)}")
        return "".join(parts)

    def __repr__(self) -> str:
        return f"Trace({len(self.paths)} paths, total={_num(self.total)})"

    def __str__(self) -> str:
        head = f"d {self.name(self.output)} / d {self.name(self.leaf)}: {len(self.paths)} path(s)"
        rows = [(str(i + 1), self._path_text(p), _num(p.product)) for i, p in enumerate(self.paths)]
        w0 = max([1, *(len(r[0]) for r in rows)])
        w1 = max([len("path (node --[local derivative]--> node)"), *(len(r[1]) for r in rows)])
        lines = [head, f"{'#':>{w0}}  {'path (node --[local derivative]--> node)':<{w1}}  product"]
        lines += [f"{a:>{w0}}  {b:<{w1}}  {c}" for a, b, c in rows]
        lines.append(f"{'':>{w0}}  {'sum of products = d output / d leaf':>{w1}}  {_num(self.total)}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        e = html.escape
        rows = []
        for i, p in enumerate(self.paths):
            cells = [f"<b>{e(self.name(p.nodes[0]))}</b>"]
            for v, d in zip(p.nodes[1:], p.local_grads):
                cells.append(f" &rarr;<sub>{e(_num(d))}</sub> <b>{e(self.name(v))}</b>")
            rows.append(
                f"<tr><td>{i + 1}</td><td style='text-align:left'>{''.join(cells)}</td>"
                f"<td>{e(_num(p.product))}</td></tr>"
            )
        return (
            f"<table><caption>d {e(self.name(self.output))} / d {e(self.name(self.leaf))}: "
            f"{len(self.paths)} path(s); each arrow carries the local derivative</caption>"
            "<tr><th>#</th><th>path</th><th>product</th></tr>"
            + "".join(rows)
            + f"<tr><td></td><td style='text-align:right'><b>sum = d output / d leaf</b></td>"
            f"<td><b>{e(_num(self.total))}</b></td></tr></table>"
        )


def count_paths(output: Value, leaf: Value) -> int:
    """Number of paths leaf -> output: paths(v) = sum over v's inputs (with repeats) of paths(input)."""
    return _counts(reverse_topological(output), leaf).get(output, 0)


def _counts(order: list[Value], leaf: Value) -> dict[Value, int]:
    counts: dict[Value, int] = {}
    for v in reversed(order):  # inputs first
        n = 1 if v is leaf else sum(counts.get(p, 0) for p in v.inputs)
        if n:
            counts[v] = n
    return counts


def _names(order: list[Value]) -> dict[Value, str]:
    names = {}
    for i, v in enumerate(reversed(order)):
        names[v] = v.label or (f"{v.op}#{i}" if v.op else f"leaf#{i}")
    return names


def trace(output: Value, leaf: Value, max_paths: int | None = DEFAULT_MAX_PATHS) -> Trace:
    """Every path from ``leaf`` to ``output`` with its local derivatives; ``.total`` = d output / d leaf.

    Chain rule: d output/d leaf = sum over paths of prod over edges of d(node)/d(input).  For a
    batch output the seed is 1 for every sample, as in ``output.backward()``.  ``max_paths=None`` lifts the
    limit on the number of paths (their count is exponential in depth).
    """
    if not isinstance(output, Value):
        raise TypeError(f"output must be a Value, got {type(output).__name__}")
    if not isinstance(leaf, Value):
        raise TypeError(f"leaf must be a Value, got {type(leaf).__name__}")
    if max_paths is not None and (isinstance(max_paths, bool) or not isinstance(max_paths, int) or max_paths < 1):
        raise ValueError(f"max_paths must be a positive int or None (no limit), got {max_paths!r}")
    order = reverse_topological(output)
    counts = _counts(order, leaf)
    total = counts.get(output, 0)
    if max_paths is not None and total > max_paths:
        raise ValueError(
            f"there are {total} paths from leaf to output, more than max_paths={max_paths} (the number of paths "
            "grows exponentially with depth). Use nn.trace_layers(model, loss) for the layer-by-layer view "
            "(delta[l] = W[l+1]^T delta[l+1] * g'(z[l])), trace from an intermediate Value closer to the leaf, "
            f"or pass max_paths={total}."
        )
    paths: list[Path] = []
    # Depth-first from the output, only into inputs that lead to the leaf; g is the gradient so far.  A step
    # is (node, the step it came from, the edge's local derivative): a path is read back from its last step
    # once it reaches the leaf, so a deep path costs its length, not its length squared.
    Step = tuple[Value, Any, Any]
    stack: list[tuple[Value, Step, Any]] = [(output, (output, None, None), seed_for(output, 1.0))]
    while stack:
        v, step, g = stack.pop()
        if v is leaf:
            nodes, locs = [], []
            at: Step | None = step
            while at is not None:
                node, at, d = at
                nodes.append(node)
                if at is not None:
                    locs.append(d)
            paths.append(Path(tuple(nodes), tuple(locs), g))
            continue
        edges = [(p, d) for p, d in zip(v.inputs, v.local_grads) if p in counts]
        for p, d in reversed(edges):  # pop in argument order
            c = g * d
            if isinstance(c, np.ndarray) and not isinstance(p.data, np.ndarray):
                c = float(np.sum(c))  # a broadcast scalar: its gradient sums over the batch
            stack.append((p, (p, step, d), c))
    return Trace(output, leaf, paths, _names(order))
