"""nn.to_torch / nn.from_torch beyond an MLP: Sequentials of Layers, and the refusals that name the problem.

Skipped, loudly, when torch is not installed (``pip install scalargrad[torch]``).
"""

from __future__ import annotations

import numpy as np
import pytest

import nn

torch = pytest.importorskip(
    "torch",
    reason="SKIPPED LOUDLY: torch is not installed, so the torch bridge tests did not run "
    "(pip install 'scalargrad[torch]' or torch==2.13.0 to run them)",
)


def test_a_sequential_of_layers_and_mlps_converts_to_the_same_function() -> None:
    model = nn.Sequential(
        nn.Layer(3, 4, activation="tanh", rng=0),
        nn.Sequential(nn.MLP(4, [5, 2], activation="prelu", output_activation="sigmoid", seed=1)),
        nn.Layer(2, 1, activation="linear", rng=2),
    )
    seq = nn.to_torch(model)
    assert [type(m).__name__ for m in seq] == ["Linear", "Tanh", "Linear", "PReLU", "Linear", "Sigmoid", "Linear"]
    X = np.random.default_rng(3).normal(size=(7, 3))
    ours = np.stack([o.data for o in model(X)], axis=1)
    np.testing.assert_allclose(seq(torch.tensor(X)).detach().numpy(), ours, rtol=1e-12, atol=1e-14)
    back = nn.from_torch(seq)  # an MLP computing the same function
    np.testing.assert_allclose(np.stack([o.data for o in back(X)], axis=1), ours, rtol=1e-12, atol=1e-14)


def test_to_torch_names_what_it_cannot_convert() -> None:
    with pytest.raises(TypeError, match="holds a BatchNorm"):
        nn.to_torch(nn.Sequential(nn.Layer(2, 2), nn.BatchNorm(2)))
    with pytest.raises(TypeError, match="holds a Dropout"):
        nn.to_torch(nn.Sequential(nn.Sequential(nn.Layer(2, 2), nn.Dropout(0.5))))
    model = nn.MLP(2, [2, 1], seed=0)
    model.parameters()[0].data = np.ones(3)  # a batch assigned to a weight
    with pytest.raises(ValueError, match=r"parameter layers\.0\.neurons\.0\.w\.0 holds a batch of shape \(3,\)"):
        nn.to_torch(model)


@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")  # torch's, when the test builds them
@pytest.mark.parametrize(("nin", "nout"), [(0, 4), (3, 0)])
def test_from_torch_refuses_an_empty_linear_layer_by_position(nin: int, nout: int) -> None:
    seq = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(nin, nout))
    with pytest.raises(ValueError, match=rf"seq\[2\] is Linear\({nin}, {nout}\)"):
        nn.from_torch(seq)


def test_to_torch_refuses_a_sequential_that_would_not_run_or_would_untie_weights() -> None:
    with pytest.raises(ValueError, match="layer 1 takes 4 inputs, the layer before gives 3"):
        nn.to_torch(nn.Sequential(nn.Layer(2, 3), nn.Layer(4, 1)))
    shared = nn.Layer(3, 3, activation="tanh")
    with pytest.raises(ValueError, match="used twice"):
        nn.to_torch(nn.Sequential(shared, shared))
