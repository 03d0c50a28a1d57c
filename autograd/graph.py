"""Draw a computation graph: each value with its data and grad, each op, and on every edge the
local derivative d(node)/d(input) that the chain rule multiplies.

``to_dot`` is a pure function (DOT text, no Graphviz needed); ``draw_dot`` wraps it in an object
that Jupyter shows as SVG and that saves with ``.render``/``.save``.  Node ids come from the
traversal order, so the same graph always gives the same text.
"""

from __future__ import annotations

import html
import math
import os
import re
from typing import Any

import numpy as np

from .backprop import reverse_topological
from .config import check_flag
from .files import check_path, write_atomic
from .value import Value

DEFAULT_MAX_NODES = 400
INSTALL_HINT = (
    "Graphviz's `dot` program is not installed (or not on PATH). Install it with "
    "`apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` (macOS) or "
    "`conda install graphviz`; autograd.to_dot(...) gives the DOT text without it."
)
# Low -> high |grad| on a log scale, light blue to red (black text stays readable on every shade);
# zero flow is grey, nan/inf magenta.
_RAMP = (
    (0.871, 0.922, 0.969),
    (0.620, 0.792, 0.882),
    (0.992, 0.682, 0.380),
    (0.957, 0.427, 0.263),
    (0.843, 0.188, 0.153),
)
_ZERO_COLOR = "#bbbbbb"
_BAD_COLOR = "#e7298a"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff]")


class GraphvizNotFoundError(RuntimeError):
    """Rendering needs Graphviz's ``dot`` program; the message says how to install it."""


# ---------------------------------------------------------------- formatting
def _esc(text: str) -> str:
    """Text safe inside an HTML-like DOT label: entities for & < > " ', control chars spelled out."""
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")  # a lone surrogate would not encode
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    # Graphviz's HTML lexer rejects some texts with a bare "]" (so: an entity), and it expands \N, \G,
    # \L ... even inside HTML labels, after decoding entities (so: an invisible word joiner after "\");
    # a text of tabs alone is a syntax error too, even as &#9; (so: spaces)
    text = html.escape(text, quote=True).replace("]", "&#93;")
    return text.replace("\\", "\\&#8288;").replace("\n", "<BR/>").replace("\t", " ")


def _num(x: Any) -> str:
    """A number (or a batch, as its mean) in 4 significant digits."""
    if isinstance(x, np.ndarray):
        return f"mean {_num(float(np.mean(x)))}" if x.size else "empty"
    return f"{float(x):.4g}"


def _exact(x: Any) -> str:
    """A number at full precision (``repr`` reads back as the same float), or a batch's size, mean, min and max."""
    if isinstance(x, np.ndarray):
        if not x.size:
            return "empty"
        return f"{x.size} samples: mean {float(np.mean(x))!r}, min {float(np.min(x))!r}, max {float(np.max(x))!r}"
    return repr(float(x))


def _mag(x: Any) -> float:
    """The size of a gradient for colouring: |x|, or mean |x| over a batch."""
    return float(np.mean(np.abs(x))) if isinstance(x, np.ndarray) else abs(float(x))


def _hex(t: float) -> str:
    t = min(max(t, 0.0), 1.0) * (len(_RAMP) - 1)
    i = min(int(t), len(_RAMP) - 2)
    f = t - i
    rgb = (round(255 * (a + (b - a) * f)) for a, b in zip(_RAMP[i], _RAMP[i + 1]))
    return "#" + "".join(f"{c:02x}" for c in rgb)


class _Scale:
    """Map magnitudes to colours on a log10 scale spanning the graph's nonzero finite values."""

    def __init__(self, mags: list[float]) -> None:
        logs = [math.log10(m) for m in mags if m > 0 and math.isfinite(m)]
        self.lo, self.hi = (min(logs), max(logs)) if logs else (0.0, 0.0)

    def t(self, m: float) -> float:
        if self.hi == self.lo:
            return 1.0
        return (math.log10(m) - self.lo) / (self.hi - self.lo)

    def color(self, m: float) -> str:
        if not math.isfinite(m):
            return _BAD_COLOR
        return _ZERO_COLOR if m == 0 else _hex(self.t(m))

    def legend(self) -> str:
        if self.hi == self.lo and self.lo == 0.0:
            return "no gradient yet: call backward() to colour by |grad|"
        span = f"1e{self.lo:.1f} light blue ... 1e{self.hi:.1f} red"
        return f"|grad| colour scale (log): {span}; grey = 0, magenta = nan/inf"


# ---------------------------------------------------------------- structure
def _cluster_path(label: str) -> tuple[str, ...]:
    """Prefixes of a dotted label ending in a number, e.g. layers.0.neurons.3.w.1 -> (layers.0, layers.0.neurons.3)."""
    parts = label.split(".")
    return tuple(".".join(parts[: i + 1]) for i in range(1, len(parts) - 1) if parts[i].isdigit())


def _clusters(order: list[Value]) -> dict[Value, tuple[str, ...]]:
    """Each node's cluster path; an unlabelled node joins the clusters all its consumers share."""
    paths: dict[Value, tuple[str, ...]] = {}
    consumers: dict[Value, list[tuple[str, ...]]] = {}
    for v in order:  # root first: every consumer is placed before its inputs
        if v.label:
            path = _cluster_path(v.label)
        else:
            cs = consumers.get(v, [()])
            path = cs[0]
            for c in cs[1:]:
                n = 0
                while n < min(len(path), len(c)) and path[n] == c[n]:
                    n += 1
                path = path[:n]
        paths[v] = path
        for p in v.inputs:
            consumers.setdefault(p, []).append(path)
    return paths


def _depends_on(order_leaves_first: list[Value], target: Value) -> set[Value]:
    """Nodes whose value depends on ``target`` (target included): the nodes on its paths to the root."""
    dep = {target}
    for v in order_leaves_first:
        if any(p in dep for p in v.inputs):
            dep.add(v)
    return dep


def _check_options(rankdir: str, color_by: Any, max_nodes: Any, **flags: Any) -> None:
    for name, flag in flags.items():
        check_flag(flag, name)
    if not isinstance(rankdir, str) or rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
    if not (color_by is None or (isinstance(color_by, str) and color_by == "grad")):
        raise ValueError(f"color_by must be 'grad' or None, got {color_by!r}")
    if max_nodes is not None and (isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1):
        raise ValueError(f"max_nodes must be a positive int or None, got {max_nodes!r}")


def _value_label(v: Value, name: str, shade: str | None) -> str:
    shape = v.shape
    head = _esc(v.label) if v.label else f'<FONT COLOR="#777777">{_esc(name)}</FONT>'
    if shape:
        head += f' <FONT POINT-SIZE="9">{_esc(str(shape))}</FONT>'
    grad_cell = f'<TD BGCOLOR="{shade}">' if shade else "<TD>"
    grad = f"grad {_esc(_num(v.grad))}" if v.requires_grad else "no grad (data)"
    return (
        '<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4"><TR>'
        f"<TD><B>{head}</B></TD><TD>data {_esc(_num(v.data))}</TD>{grad_cell}{grad}</TD>"
        "</TR></TABLE>>"
    )


def to_dot(
    root: Value,
    *,
    rankdir: str = "LR",
    show_edge_grads: bool = True,
    color_by: str | None = "grad",
    highlight: Value | None = None,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    clusters: bool = True,
) -> str:
    """Graphviz DOT text for the graph that computed ``root``.

    Each value is a box ``label | data | grad``; each op is an oval feeding its result.  The edge
    from an input x into the op making y carries d y / d x (``local_grads``), and with
    ``color_by="grad"`` its colour and width show |y.grad * dy/dx|, the gradient it carries back,
    on a log scale.  ``highlight`` emphasises the paths from that Value to ``root``.  Labels with
    dotted numeric prefixes (``layers.0.neurons.3.z``) are boxed by layer and neuron.  Numbers are shown
    to 4 significant digits (a batch by its mean); each node's and edge's ``tooltip`` (shown on hover in
    SVG) holds the exact value.
    """
    if not isinstance(root, Value):
        raise TypeError(f"root must be a Value, got {type(root).__name__}")
    _check_options(rankdir, color_by, max_nodes, show_edge_grads=show_edge_grads, clusters=clusters)
    order = reverse_topological(root)
    if max_nodes is not None and len(order) > max_nodes:
        raise ValueError(
            f"the graph has {len(order)} nodes, more than max_nodes={max_nodes}. Draw a part of it by passing an "
            "intermediate Value as root (e.g. one neuron's output, or a model built on 1-2 inputs), or pass "
            f"max_nodes={len(order)} (or None) to draw all of it (slow to lay out)."
        )
    forward = order[::-1]  # inputs first: ids grow along the computation
    ids = {v: f"n{i}" for i, v in enumerate(forward)}
    on_path: set[Value] | None = None
    if highlight is not None:
        if not isinstance(highlight, Value):
            raise TypeError(f"highlight must be a Value in the graph, got {type(highlight).__name__}")
        if highlight not in ids:
            raise ValueError("highlight is not part of root's graph: root does not depend on it")
        on_path = _depends_on(forward, highlight)

    flows: dict[tuple[Value, int], float] = {}
    scale: _Scale | None = None
    if color_by == "grad":
        for v in forward:
            for i, (p, d) in enumerate(zip(v.inputs, v.local_grads)):
                with np.errstate(all="ignore"):
                    c = v.grad * d
                if isinstance(c, np.ndarray) and not p.shape:  # broadcast scalar: its gradient is the batch sum
                    c = float(np.sum(c))
                flows[v, i] = _mag(c)
        scale = _Scale([_mag(v.grad) for v in forward] + list(flows.values()))

    paths = _clusters(order) if clusters else dict.fromkeys(forward, ())
    lines = [
        "digraph G {",
        f"  graph [rankdir={rankdir}, fontname=Helvetica, fontsize=10];",
        "  node [fontname=Helvetica, fontsize=10];",
        "  edge [fontname=Helvetica, fontsize=9];",
    ]
    if scale is not None:
        lines.append(f"  label=<{_esc(scale.legend())}>; labelloc=b;")

    def node_lines(v: Value, indent: str) -> list[str]:
        nid = ids[v]
        faded = on_path is not None and v not in on_path
        shade = None if scale is None or not v.requires_grad else scale.color(_mag(v.grad))
        if shade == _ZERO_COLOR:
            shade = None
        attrs = "shape=plaintext"
        if v is highlight:
            attrs += ', color="#d95f02", penwidth=3'
        if faded:
            attrs += ', fontcolor="#aaaaaa"'
        name = f"leaf {nid}" if v.is_leaf else f"{v.op} {nid}"
        grad = f", grad {_exact(v.grad)}" if v.requires_grad else ""
        attrs += f', tooltip="data {_exact(v.data)}{grad}"'
        out = [f"{indent}{nid} [{attrs}, label={_value_label(v, name, shade)}];"]
        if not v.is_leaf:
            style = ', color="#aaaaaa", fontcolor="#aaaaaa"' if faded else ""
            out.append(f"{indent}{nid}_op [shape=ellipse, label=<{_esc(v.op)}>{style}];")
        return out

    # nested clusters: emit nodes grouped by their cluster path
    tree: dict[tuple[str, ...], list[Value]] = {}
    for v in forward:
        tree.setdefault(paths[v], []).append(v)
    all_paths = sorted({cp[:k] for cp in tree for k in range(len(cp) + 1)})
    children: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for cp in all_paths:
        if cp:
            children.setdefault(cp[:-1], []).append(cp)
    cluster_ids = {cp: i for i, cp in enumerate(all_paths)}

    # a stack, not a recursive inner function: that would be a reference cycle keeping the graph alive until the
    # garbage collector runs
    stack: list[tuple[tuple[str, ...], int, bool]] = [((), 0, False)]  # (cluster path, depth, closing brace?)
    while stack:
        path, depth, closing = stack.pop()
        indent = "  " * depth
        if closing:
            lines.append(f"{indent}}}")
            continue
        if path:
            lines.append(f"{indent}subgraph cluster_{cluster_ids[path]} {{")
            lines.append(f'{indent}  label=<{_esc(path[-1])}>; style="rounded,dashed"; color="#999999";')
            stack.append((path, depth, True))
        for v in tree.get(path, []):
            lines.extend(node_lines(v, indent + "  "))
        for child in sorted(children.get(path, []), key=lambda p: _natural(p[-1]), reverse=True):
            stack.append((child, depth + 1, False))

    for v in forward:
        if v.is_leaf:
            continue
        nid = ids[v]
        faded_v = on_path is not None and v not in on_path
        lines.append(f'  {nid}_op -> {nid} [color="{"#aaaaaa" if faded_v else "black"}"];')
        for i, (p, d) in enumerate(zip(v.inputs, v.local_grads)):
            attrs: dict[str, str] = {}
            if show_edge_grads:
                attrs["label"] = f'"{_num(d)}"'
            attrs["tooltip"] = f'"local derivative {_exact(d)}"'
            if scale is not None:
                m = flows[v, i]
                attrs["color"] = f'"{scale.color(m)}"'
                width = 1.0 if m == 0 or not math.isfinite(m) else 1.0 + 2.5 * scale.t(m)
                attrs["penwidth"] = f"{width:.2f}"
                if m == 0:
                    attrs["style"] = "dashed"
            if on_path is not None:
                if p in on_path:
                    attrs["penwidth"] = "4"
                    attrs["fontcolor"] = '"#d95f02"'
                    attrs.setdefault("color", '"#d95f02"')
                else:
                    attrs["fontcolor"] = '"#aaaaaa"'
            body = ", ".join(f"{k}={val}" for k, val in attrs.items())
            lines.append(f"  {ids[p]} -> {nid}_op [{body}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _natural(s: str) -> tuple[Any, ...]:
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s))


# ---------------------------------------------------------------- rendering
def _check_format(format: Any) -> str:  # noqa: A002 - graphviz's name
    if not isinstance(format, str):
        raise TypeError(f"format must be a str such as 'svg' or 'png', got {type(format).__name__}")
    if not format:
        raise ValueError("format must be a Graphviz output format such as 'svg' or 'png', got ''")
    return format


class Graph:
    """DOT text that shows itself as SVG in Jupyter (or, without Graphviz, as text with an install hint).

    It renders and saves like a ``graphviz.Digraph`` (``render(filename, directory, view, cleanup, format)``,
    ``save(filename, directory)``, ``pipe(format)``, ``.format``), except that ``render`` writes only the drawing,
    not the DOT source beside it (``save`` does that), and reads the format from the file name's extension
    when neither ``format`` nor ``.format`` says it.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.format: str | None = None  # render's format when it is given none, as graphviz's ``.format``

    def __str__(self) -> str:
        return self.source

    def __repr__(self) -> str:
        return f"<autograd Graph: {self.source.count('->')} edges; .source, .render(path), .save(path)>"

    def to_graphviz(self) -> Any:
        """A ``graphviz.Source`` for further use with the graphviz package."""
        try:
            import graphviz
        except ImportError:
            raise GraphvizNotFoundError("the `graphviz` Python package is missing: pip install graphviz") from None
        return graphviz.Source(self.source)

    def pipe(self, format: str = "svg") -> bytes:  # noqa: A002 - graphviz's name
        """The rendered bytes (``dot -T<format>``); raises GraphvizNotFoundError without Graphviz."""
        import graphviz

        _check_format(format)
        try:
            return bytes(self.to_graphviz().pipe(format=format))
        except graphviz.ExecutableNotFound:
            raise GraphvizNotFoundError(INSTALL_HINT) from None

    def render(
        self,
        filename: str | os.PathLike[str] | None = None,
        directory: str | os.PathLike[str] | None = None,
        view: bool = False,
        cleanup: bool = False,
        format: str | None = None,  # noqa: A002 - graphviz's name
        *,
        outfile: str | os.PathLike[str] | None = None,
    ) -> str:
        """Render to a file and return its path, as graphviz's ``render`` names it.

        The file is ``filename`` (default ``"graph"``) with ``directory`` joined in front, or exactly ``outfile``.
        The format is ``format``, else ``self.format``, else the file's extension, else svg; the extension is added
        to a ``filename`` that lacks it (``render("g", format="png")`` writes ``g.png``).  ``view=True`` opens the
        file in the system's viewer.  ``cleanup`` is accepted for graphviz's sake: no DOT source is written beside
        the drawing.
        """
        view = check_flag(view, "view")
        check_flag(cleanup, "cleanup")
        if outfile is not None and (filename is not None or directory is not None):
            raise ValueError("outfile is the exact path of the drawing: give it alone, without filename or directory")
        if isinstance(directory, str) and directory.lower() in _FORMATS and not os.path.isdir(directory):
            raise ValueError(
                f"render's second argument is the directory, as in graphviz, and there is no directory {directory!r}; "
                f"for the format pass format={directory!r}"
            )
        name = outfile if outfile is not None else ("graph" if filename is None else filename)
        path = _file_path(name, directory)
        ext = os.path.splitext(path)[1].lstrip(".").lower()
        chosen = format if format is not None else self.format
        if chosen is None:
            fmt = ext if ext in _FORMATS else "svg"
        else:
            fmt = _check_format(chosen).lower()
        if ext != fmt and outfile is None:
            path = f"{path}.{fmt}"
        write_atomic(path, self.pipe(fmt))
        if view:
            import graphviz

            graphviz.view(path)
        return path

    def save(
        self, filename: str | os.PathLike[str] | None = None, directory: str | os.PathLike[str] | None = None
    ) -> str:
        """Write the DOT text (no Graphviz needed) to ``filename`` (default ``"graph.dot"``) in ``directory``."""
        path = _file_path("graph.dot" if filename is None else filename, directory)
        write_atomic(path, self.source.encode("utf-8"))
        return path

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        try:
            svg = self.pipe("svg").decode("utf-8")
        except GraphvizNotFoundError as e:
            text = f"{e}\n\n{self.source}"
            return {"text/plain": text, "text/html": f"<pre>{html.escape(text)}</pre>"}
        return {"image/svg+xml": svg, "text/plain": repr(self)}

    def _repr_svg_(self) -> str | None:
        """The SVG for IPython's display (None without Graphviz: the text repr is shown instead)."""
        try:
            return self.pipe("svg").decode("utf-8")
        except GraphvizNotFoundError:
            return None

    _repr_image_svg_xml = _repr_svg_  # graphviz's name for it


_FORMATS = ("svg", "png", "pdf", "jpg", "jpeg", "gif", "ps", "eps")  # read from a file name's extension


def _file_path(filename: Any, directory: Any) -> str:
    """``directory/filename`` for render and save; a ValueError for a name that is empty or names a directory."""
    path = check_path(filename, "filename")
    if os.path.basename(path) in ("", ".", ".."):
        raise ValueError(f"filename {path!r} names no file: give one such as 'graph.svg'")
    if directory is not None:
        path = os.path.join(check_path(directory, "directory"), path)
    return path


def draw_dot(root: Value, **options: Any) -> Graph:
    """``to_dot(root, **options)`` as a Graph: SVG inline in Jupyter, ``.render("g.svg")``, ``.save("g.dot")``."""
    return Graph(to_dot(root, **options))
