"""to_dot / draw_dot: structure, edge labels = local derivatives, escaping (checked by Graphviz itself), rendering."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import autograd
from autograd import Value, draw_dot, to_dot
from autograd.graph import GraphvizNotFoundError

NODE = re.compile(r"^\s*(n\d+(?:_op)?) \[(.*)\];$")
EDGE = re.compile(r"^\s*(n\d+(?:_op)?) -> (n\d+(?:_op)?) \[(.*)\];$")
HAVE_DOT = shutil.which("dot") is not None


def need_dot() -> None:
    if os.environ.get("CI"):
        assert HAVE_DOT, "CI must install Graphviz: `dot` is not on PATH"
    elif not HAVE_DOT:
        warnings.warn("Graphviz `dot` not on PATH: rendering tests SKIPPED", stacklevel=2)
        pytest.skip("Graphviz `dot` is not on PATH (apt-get install graphviz): rendering tests skipped")


def parse(dot: str) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    nodes, edges = {}, []
    for line in dot.splitlines():
        if m := EDGE.match(line):
            edges.append(m.groups())
        elif m := NODE.match(line):
            nodes[m.group(1)] = m.group(2)
    return nodes, edges


def svg_text(dot: str) -> str:
    r = subprocess.run(["dot", "-Tsvg"], input=dot.encode("utf-8"), capture_output=True, timeout=30)
    assert r.returncode == 0, r.stderr.decode()
    root = ET.fromstring(r.stdout)
    return "".join(el.text or "" for el in root.iter()).replace("\u2060", "")  # word joiners keep \N literal


def sample_graph(labelled: bool = True) -> tuple[Value, list[Value]]:
    a, b, c = Value(1.5), Value(-2.0), Value(0.3)
    d = a * b
    e = d + a
    f = e.tanh() * c
    g = (f * f).exp() + autograd.dot([a, b], [c, 2.0]) + a / b - c**2
    if labelled:
        for i, v in enumerate(autograd.reverse_topological(g)):
            v.label = f"v{i}"
    g.backward()
    return g, [a, b, c]


def test_counts_and_edge_labels_are_local_grads() -> None:
    g, _ = sample_graph()
    order = autograd.reverse_topological(g)
    interior = [v for v in order if not v.is_leaf]
    nodes, edges = parse(to_dot(g))
    assert len(nodes) == len(order) + len(interior)
    assert len(edges) == sum(len(v.inputs) for v in interior) + len(interior)
    # map DOT ids back to Values through their unique labels
    by_label = {v.label: v for v in order}
    ids = {}
    for nid, attrs in nodes.items():
        if not nid.endswith("_op"):
            ids[nid] = by_label[re.search(r"<B>(v\d+)", attrs).group(1)]
    into: dict[Value, list[tuple[Value, float]]] = {}
    for src, dst, attrs in edges:
        if src.endswith("_op"):
            assert dst == src[:-3]
            continue
        label = re.search(r'label="([^"]*)"', attrs).group(1)
        into.setdefault(ids[dst[:-3]], []).append((ids[src], float(label)))
    for v in interior:
        got = into[v]
        assert [p for p, _ in got] == list(v.inputs)
        np.testing.assert_allclose([d for _, d in got], [float(d) for d in v.local_grads], rtol=1e-3, atol=1e-12)


def test_edge_labels_match_finite_differences_of_each_op() -> None:
    x, y = Value(0.7, "x"), Value(-1.3, "y")
    out = x * y
    (_, _, a0), (_, _, a1) = [e for e in parse(to_dot(out))[1] if not e[0].endswith("_op")]
    assert float(re.search(r'label="([^"]*)"', a0).group(1)) == pytest.approx(-1.3)
    assert float(re.search(r'label="([^"]*)"', a1).group(1)) == pytest.approx(0.7)


def test_deterministic() -> None:
    assert to_dot(sample_graph()[0]) == to_dot(sample_graph()[0])
    g, _ = sample_graph(labelled=False)
    assert to_dot(g) == to_dot(g)
    assert to_dot(g) == to_dot(sample_graph(labelled=False)[0])


NASTY = [
    'he said "hi"',
    "a<b>c",
    "x|y",
    "{z}",
    "back\\slash\\",
    "&amp; <TD>",
    "]];\n} digraph {",
    "tab\tend",
    "\\N \\G",
    "]",
    "]]>",
    "cr\rlf",
]


@pytest.mark.parametrize("label", NASTY)
def test_escaped_labels_are_valid_dot(label: str) -> None:
    need_dot()
    a = Value(1.0, label)
    b = (a * 2).tanh()
    b.label = label + "!"
    b.backward()
    text = svg_text(to_dot(b))
    squash = re.compile(r"\s+")
    shown = label.replace("\r", "\\x0d")  # control characters are spelled out
    assert squash.sub("", shown) in squash.sub("", text)


@given(st.text(min_size=1, max_size=30))
@example("\t")  # tabs alone were a syntax error for dot
@example("\t\t")
def test_any_label_gives_valid_dot(label: str) -> None:
    need_dot()
    a = Value(2.0, label)
    b = Value(3.0, "layers.0." + label + ".w.1")
    c = a * b
    c.label = label
    c.backward()
    svg_text(to_dot(c, highlight=a))


def test_max_nodes_error_names_count_and_remedy() -> None:
    x = Value(0.5)
    y = x
    for _ in range(50):
        y = y * 1.01 + x
    n = len(autograd.reverse_topological(y))
    with pytest.raises(ValueError, match=rf"{n} nodes.*max_nodes=20.*intermediate Value"):
        to_dot(y, max_nodes=20)
    assert to_dot(y, max_nodes=None)
    assert to_dot(y, max_nodes=n)


def test_bad_options() -> None:
    g, _ = sample_graph()
    for kw in ({"rankdir": "XY"}, {"color_by": "data"}, {"max_nodes": 0}, {"highlight": Value(1.0)}):
        with pytest.raises(ValueError):
            to_dot(g, **kw)
    with pytest.raises(TypeError):
        to_dot(3.0)  # type: ignore[arg-type]


def test_options_change_the_output() -> None:
    g, (_, _, c) = sample_graph()
    assert "rankdir=TB" in to_dot(g, rankdir="TB")
    _, edges = parse(to_dot(g, show_edge_grads=False))
    assert not any("label=" in e[2] for e in edges)
    plain = to_dot(g, color_by=None)
    assert "BGCOLOR" not in plain and "colour scale" not in plain
    # highlight: exactly the edges on paths from c to the root are drawn bold
    order = autograd.reverse_topological(g)
    dep = {c}
    for v in reversed(order):
        if any(p in dep for p in v.inputs):
            dep.add(v)
    on_path = sum(1 for v in order for p in v.inputs if p in dep)
    _, edges = parse(to_dot(g, highlight=c))
    assert sum("penwidth=4" in e[2] for e in edges) == on_path


def test_heatmap_and_no_grad_legend() -> None:
    x = Value(1.0)
    y = x
    for _ in range(6):
        y = (y * 0.1).sigmoid()
    fresh = to_dot(y)
    assert "call backward()" in fresh
    y.backward()
    dot = to_dot(y)
    colours = set(re.findall(r'color="(#[0-9a-f]{6})"', dot))
    assert len(colours) > 3  # gradients shrinking along the chain get different shades


def test_clusters_by_label_prefix() -> None:
    w = [Value(0.1 * i, f"layers.0.neurons.{i}.w.0") for i in range(2)]
    x = Value(1.0, "x.0")
    z = [wi * x for wi in w]
    for i, zi in enumerate(z):
        zi.label = f"layers.0.neurons.{i}.z"
    out = z[0] + z[1]
    dot = to_dot(out)
    assert "label=<layers.0>" in dot
    assert "label=<layers.0.neurons.0>" in dot and "label=<layers.0.neurons.1>" in dot
    assert "subgraph" not in to_dot(out, clusters=False)


def test_batch_graph_shows_shape_and_mean() -> None:
    X = Value(np.array([1.0, 2.0, 3.0, 6.0]), "x.0")
    w = Value(0.5, "w")
    loss = ((X * w).tanh() - 1.0).mean()
    loss.backward()
    dot = to_dot(loss)
    assert "(4,)" in dot and "data mean 3" in dot
    # the edge w -> * carries the batch of x values (mean 3)
    assert 'label="mean 3"' in dot
    if HAVE_DOT:
        svg_text(dot)


def test_render_and_save(tmp_path) -> None:
    g, _ = sample_graph()
    graph = draw_dot(g)
    assert graph.source == to_dot(g)
    dot_file = graph.save(tmp_path / "g.dot")
    assert Path(dot_file).read_text(encoding="utf-8") == graph.source
    need_dot()
    out = graph.render(tmp_path / "g.svg")
    assert out.endswith("g.svg") and "<svg" in Path(out).read_text(encoding="utf-8")
    assert graph.render(tmp_path / "h").endswith("h.svg")
    assert graph.pipe("png")[:4] == b"\x89PNG"
    bundle = graph._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"]


def test_without_dot_program(tmp_path, monkeypatch) -> None:
    g, _ = sample_graph()
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no `dot`
    assert to_dot(g)
    graph = draw_dot(g)
    with pytest.raises(GraphvizNotFoundError, match=r"apt-get install graphviz.*brew install graphviz"):
        graph.render(tmp_path / "g.svg")
    assert not (tmp_path / "g.svg").exists()
    bundle = graph._repr_mimebundle_()
    assert "image/svg+xml" not in bundle
    assert "apt-get install graphviz" in bundle["text/plain"] and graph.source in bundle["text/plain"]
    assert "brew install graphviz" in bundle["text/html"]
    assert graph.save(tmp_path / "g.dot")


def test_render_names_files_as_graphviz_does(tmp_path) -> None:
    graph = draw_dot(sample_graph()[0])
    need_dot()
    out = graph.render(tmp_path / "g", format="png")
    assert out == str(tmp_path / "g.png") and Path(out).read_bytes()[:4] == b"\x89PNG"
    assert graph.render("h", directory=tmp_path) == str(tmp_path / "h.svg") and (tmp_path / "h.svg").exists()
    assert graph.render(tmp_path / "k.PNG").endswith("k.PNG")
    with pytest.raises(ValueError, match="format"):
        graph.render(tmp_path / "g", format="")


def test_file_errors_name_the_users_path(tmp_path) -> None:
    graph = draw_dot(sample_graph()[0])
    missing = tmp_path / "no_such_dir" / "g.dot"
    with pytest.raises(FileNotFoundError, match="no such directory") as err:
        graph.save(missing)
    assert str(missing) in str(err.value) and ".tmp" not in str(err.value)
    with pytest.raises(IsADirectoryError, match="directory") as err:
        graph.save(tmp_path)
    assert ".tmp" not in str(err.value)
    for bad in (123, 4.5):
        with pytest.raises(TypeError, match=r"filename must be a str or os\.PathLike"):
            graph.save(bad)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match=r"filename must be a str or os\.PathLike"):
            graph.render(bad)  # type: ignore[arg-type]
    assert os.listdir(tmp_path) == []  # no temporary file left behind


def test_a_label_that_is_not_valid_unicode_still_draws(tmp_path) -> None:
    x = Value(1.0, label="\ud800x")  # a lone surrogate: str allows it, UTF-8 does not
    graph = draw_dot(x * 2)
    assert "ud800x" in graph.source  # spelled out as text
    assert Path(graph.save(tmp_path / "g.dot")).read_text(encoding="utf-8") == graph.source
    if HAVE_DOT:
        assert "<svg" in graph.pipe("svg").decode("utf-8")


def test_file_names_that_name_no_file_are_refused(tmp_path, monkeypatch) -> None:
    graph = draw_dot(sample_graph()[0])
    monkeypatch.chdir(tmp_path)
    for bad in ("", ".", "..", "sub/", os.path.join(tmp_path, ".")):
        with pytest.raises(ValueError, match="names no file"):
            graph.save(bad)
        with pytest.raises(ValueError, match="names no file"):
            graph.render(bad)
    with pytest.raises(ValueError, match="outfile is the exact path"):
        graph.render("a.svg", outfile="b.svg")
    with pytest.raises(ValueError, match="outfile is the exact path"):
        graph.render(outfile="b.svg", directory=str(tmp_path))
    with pytest.raises(ValueError, match=r"second argument is the directory.*format='png'"):
        graph.render("g", "png")  # the order before graphviz's: (filename, format)
    with pytest.raises(TypeError, match="view must be True or False"):
        graph.render("v.svg", view="no")
    assert os.listdir(tmp_path) == []


def test_a_temporary_file_that_cannot_be_made_is_reported_by_the_users_path(tmp_path, monkeypatch) -> None:
    def refuse(**kwargs):
        raise PermissionError(13, "Permission denied", os.path.join(kwargs["dir"], ".g.dot.x1y2.tmp"))

    monkeypatch.setattr(autograd.files.tempfile, "mkstemp", refuse)
    with pytest.raises(PermissionError, match="Permission denied") as err:
        draw_dot(sample_graph()[0]).save(tmp_path / "g.dot")
    assert err.value.filename == str(tmp_path / "g.dot") and ".tmp" not in str(err.value)


def test_save_and_render_take_graphvizs_arguments(tmp_path, monkeypatch) -> None:
    graph = draw_dot(sample_graph()[0])
    monkeypatch.chdir(tmp_path)
    assert graph.save() == "graph.dot" and (tmp_path / "graph.dot").read_text(encoding="utf-8") == graph.source
    assert Path(graph.save("s.gv", tmp_path / "")).read_text(encoding="utf-8") == graph.source
    need_dot()
    assert graph.render() == "graph.svg" and b"<svg" in (tmp_path / "graph.svg").read_bytes()
    sub = tmp_path / "sub"
    sub.mkdir()
    # graphviz's positional order: filename, directory, view, cleanup, format
    assert graph.render("g", str(sub), False, True, "png") == str(sub / "g.png")
    assert (sub / "g.png").read_bytes()[:4] == b"\x89PNG" and sorted(os.listdir(sub)) == ["g.png"]
    graph.format = "pdf"  # as with a graphviz.Digraph: render uses it when given no format
    assert graph.render(sub / "f") == str(sub / "f.pdf") and (sub / "f.pdf").read_bytes()[:4] == b"%PDF"
    assert graph.render(sub / "f", format="svg").endswith("f.svg")  # an explicit format wins
    graph.format = None
    assert graph.render(outfile=sub / "o.png") == str(sub / "o.png") and (sub / "o.png").read_bytes()[:4] == b"\x89PNG"
    assert graph.render(outfile=sub / "o2.png", format="svg") == str(sub / "o2.png")  # exactly that path
    assert b"<svg" in (sub / "o2.png").read_bytes()
    opened = []
    monkeypatch.setattr("graphviz.view", opened.append)
    assert graph.render(sub / "v.svg", view=True) == opened[0] == str(sub / "v.svg")


def test_jupyter_svg_reprs(tmp_path, monkeypatch) -> None:
    graph = draw_dot(sample_graph()[0])
    if HAVE_DOT:
        svg = graph._repr_svg_()
        assert svg is not None and "<svg" in svg and graph._repr_image_svg_xml() == svg
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot`: IPython falls back to the text repr
    assert graph._repr_svg_() is None and graph._repr_image_svg_xml() is None


def test_tooltips_hold_the_exact_numbers() -> None:
    g, _ = sample_graph()
    order = autograd.reverse_topological(g)
    nodes, edges = parse(to_dot(g))
    by_label = {v.label: v for v in order}
    ids = {}
    for nid, attrs in nodes.items():
        if nid.endswith("_op"):
            continue
        v = ids[nid] = by_label[re.search(r"<B>(v\d+)", attrs).group(1)]
        data, grad = re.search(r'tooltip="data (\S+), grad (\S+)"', attrs).groups()
        assert (float(data), float(grad)) == (v.data, v.grad)  # repr reads back as the same float
    checked = 0
    for src, dst, attrs in edges:
        if src.endswith("_op"):
            continue
        v, p = ids[dst[:-3]], ids[src]
        shown = float(re.search(r'tooltip="local derivative (\S+)"', attrs).group(1))
        assert shown in [float(d) for q, d in zip(v.inputs, v.local_grads) if q is p]
        checked += 1
    assert checked == sum(len(v.inputs) for v in order)
    x = Value(np.array([1.0, 2.0, 4.0]), "x")
    batch = to_dot(x * x)
    assert "2 samples" not in batch and "3 samples: mean 2.3333333333333335, min 1.0, max 4.0" in batch
