"""Take a model to PyTorch and back: ``to_torch(mlp)`` (or a Layer, or a Sequential of them) and
``from_torch(sequential)``.

An ``MLP`` is the ``torch.nn.Sequential`` ``Linear, act, Linear, act, ...`` in float64: layer l's
``Linear.weight`` is W[l] (shape (nout, nin), row j = ``neurons[j].w``) and ``Linear.bias`` is b[l].
Activations map one to one: relu/ReLU, tanh/Tanh, sigmoid/Sigmoid, leaky_relu/LeakyReLU(0.01),
prelu/PReLU(nout) (one learnable slope per neuron), linear/nothing (``Identity`` on import).
torch is optional: it is imported only inside these functions.
"""

from __future__ import annotations

from typing import Any

from .layers import LEAKY_SLOPE, MLP, Layer, Neuron, Sequential

__all__ = ["from_torch", "to_torch"]

_HINT = "PyTorch is not installed: pip install 'scalargrad[torch]' (or pip install torch) to use nn.to_torch/from_torch"


def _torch() -> Any:
    try:
        import torch
    except ImportError as e:
        raise ImportError(_HINT) from e
    return torch


def _layers(model: Any) -> list[Layer]:
    """The Layers a model applies in order: a Layer, an MLP, or a Sequential of those (nested too)."""
    if not isinstance(model, (Layer, MLP, Sequential)):
        raise TypeError(
            f"to_torch(model): model must be an nn.MLP, nn.Layer or nn.Sequential of them, got {type(model).__name__}; "
            "custom modules have no exact torch counterpart here"
        )
    modules = [mod for _, mod in model.named_modules()]  # in the order they apply, a Layer used twice listed twice
    for part in modules:
        if not isinstance(part, (Layer, Neuron, MLP, Sequential)):
            raise TypeError(
                f"to_torch(model): the model holds a {type(part).__name__}, which has no exact torch counterpart "
                "here; only Layers and MLPs (in Sequentials) convert"
            )
    layers = [mod for mod in modules if isinstance(mod, Layer)]
    if len({id(layer) for layer in layers}) < len(layers):
        raise ValueError("to_torch(model): a Layer is used twice; two torch Linear modules would not share it")
    for i in range(1, len(layers)):
        if layers[i].nin != layers[i - 1].nout:
            raise ValueError(
                f"to_torch(model): layer {i} takes {layers[i].nin} inputs, the layer before gives {layers[i - 1].nout}"
            )
    for name, p in model.named_parameters():
        if p.shape != ():
            raise ValueError(f"to_torch(model): parameter {name} holds a batch of shape {p.shape}, not a number")
    return layers


def to_torch(model: Any) -> Any:
    """An equivalent ``torch.nn.Sequential`` (float64, same weights, same outputs): y = act(W x + b) per layer."""
    torch = _torch()
    mods: list[Any] = []
    for layer in _layers(model):
        lin = torch.nn.Linear(layer.nin, layer.nout, dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(torch.tensor([[float(w.data) for w in n.w] for n in layer.neurons], dtype=torch.float64))
            lin.bias.copy_(torch.tensor([float(n.b.data) for n in layer.neurons], dtype=torch.float64))
        mods.append(lin)
        act = layer.activation
        if act == "relu":
            mods.append(torch.nn.ReLU())
        elif act == "tanh":
            mods.append(torch.nn.Tanh())
        elif act == "sigmoid":
            mods.append(torch.nn.Sigmoid())
        elif act == "leaky_relu":
            mods.append(torch.nn.LeakyReLU(LEAKY_SLOPE))
        elif act == "prelu":
            p = torch.nn.PReLU(num_parameters=layer.nout, dtype=torch.float64)
            with torch.no_grad():
                p.weight.copy_(torch.tensor([float(n.slope.data) for n in layer.neurons], dtype=torch.float64))
            mods.append(p)
    return torch.nn.Sequential(*mods)


def _activation(torch: Any, mod: Any, i: int, nout: int) -> tuple[str, list[float] | None]:
    """Our activation name (and PReLU slopes, one per neuron) for a torch activation module."""
    if isinstance(mod, torch.nn.ReLU):
        return "relu", None
    if isinstance(mod, torch.nn.Tanh):
        return "tanh", None
    if isinstance(mod, torch.nn.Sigmoid):
        return "sigmoid", None
    if isinstance(mod, torch.nn.Identity):
        return "linear", None
    if isinstance(mod, torch.nn.LeakyReLU):
        if float(mod.negative_slope) != LEAKY_SLOPE:
            raise ValueError(
                f"from_torch(seq): seq[{i}] is LeakyReLU({mod.negative_slope}); only the slope {LEAKY_SLOPE} "
                "is supported (use PReLU for another slope)"
            )
        return "leaky_relu", None
    if isinstance(mod, torch.nn.PReLU):
        w = [float(v) for v in mod.weight.detach().reshape(-1).tolist()]
        if len(w) not in (1, nout):
            raise ValueError(f"from_torch(seq): seq[{i}] is PReLU with {len(w)} slopes for a layer of {nout} units")
        return "prelu", w * nout if len(w) == 1 else w
    raise TypeError(
        f"from_torch(seq): seq[{i}] is {type(mod).__name__}, which is not supported; "
        "use Linear layers with ReLU, Tanh, Sigmoid, LeakyReLU(0.01), PReLU or Identity"
    )


_SUPPORTED = ("Linear", "ReLU", "Tanh", "Sigmoid", "Identity", "LeakyReLU", "PReLU")


def _check_plain(torch: Any, mod: Any, where: str) -> None:
    """Refuse what would import as a different function: a subclass with its own forward (torch's fused LinearReLU,
    a user's ReLU), hooks, and weights that are complex or hold no data (the meta device)."""
    if mod._forward_hooks or mod._forward_pre_hooks:
        raise ValueError(f"from_torch(seq): {where} has forward hooks, which an imported model would not run")
    for base_name in _SUPPORTED:
        base = getattr(torch.nn, base_name)
        if isinstance(mod, base) and type(mod).forward is not base.forward:
            raise TypeError(
                f"from_torch(seq): {where} is {type(mod).__name__}, a {base_name} with its own forward; "
                f"only plain {base_name} imports as {base_name}"
            )
    for name, p in mod.named_parameters(recurse=False):
        if p.is_complex():
            raise TypeError(f"from_torch(seq): {where}.{name} is complex ({p.dtype}); only real weights import")
        if p.is_meta:
            raise ValueError(f"from_torch(seq): {where}.{name} is on the meta device and holds no data to import")


def from_torch(seq: Any) -> MLP:
    """An ``nn.MLP`` computing the same function as ``seq``, a ``torch.nn.Sequential`` of Linear + activations."""
    torch = _torch()
    if not isinstance(seq, torch.nn.Sequential):
        raise TypeError(f"from_torch(seq): seq must be a torch.nn.Sequential, got {type(seq).__name__}")
    mods = list(seq)
    if not mods:
        raise ValueError("from_torch(seq): seq is empty; it needs at least one Linear layer")
    _check_plain(torch, seq, "seq")
    for i, mod in enumerate(mods):
        _check_plain(torch, mod, f"seq[{i}]")
    specs: list[tuple[Any, str, list[float] | None]] = []  # (Linear, activation, prelu slopes)
    for i, mod in enumerate(mods):
        if isinstance(mod, torch.nn.Linear):
            if mod.in_features < 1 or mod.out_features < 1:
                raise ValueError(
                    f"from_torch(seq): seq[{i}] is Linear({mod.in_features}, {mod.out_features}); every layer needs "
                    "at least one input and one unit"
                )
            if mod.bias is None:
                raise ValueError(f"from_torch(seq): seq[{i}] is Linear without a bias; every unit has a bias here")
            if specs and specs[-1][0].out_features != mod.in_features:
                raise ValueError(
                    f"from_torch(seq): seq[{i}] expects {mod.in_features} inputs but the layer before gives "
                    f"{specs[-1][0].out_features}"
                )
            specs.append((mod, "linear", None))
            continue
        known = (torch.nn.ReLU, torch.nn.Tanh, torch.nn.Sigmoid, torch.nn.Identity, torch.nn.LeakyReLU, torch.nn.PReLU)
        if not specs and isinstance(mod, known):
            raise ValueError(f"from_torch(seq): seq[{i}] ({type(mod).__name__}) comes before any Linear layer")
        if not specs:
            _activation(torch, mod, i, 0)  # raises the TypeError naming the unsupported module
        lin, act, _ = specs[-1]
        if act != "linear" or (isinstance(mods[i - 1], torch.nn.Identity) and i > 0):
            raise ValueError(f"from_torch(seq): seq[{i}] is a second activation after one Linear layer")
        name, slopes = _activation(torch, mod, i, lin.out_features)
        specs[-1] = (lin, name, slopes)
    acts = [a for _, a, _ in specs]
    sizes = [lin.out_features for lin, _, _ in specs]
    model = MLP(specs[0][0].in_features, sizes, activation=acts[0], output_activation=acts[-1])
    for i, (layer, act) in enumerate(zip(model.layers, acts)):
        if layer.activation != act:
            model.layers[i] = Layer(layer.nin, layer.nout, act, name=f"layers.{i}")
    model.relabel()
    for layer, (lin, _, slopes) in zip(model.layers, specs):
        W = lin.weight.detach().to(torch.float64).tolist()
        b = lin.bias.detach().to(torch.float64).tolist()
        for j, n in enumerate(layer.neurons):
            for k, w in enumerate(n.w):
                w.data = float(W[j][k])
            n.b.data = float(b[j])
            if slopes is not None:
                n.slope.data = slopes[j]
    return model
