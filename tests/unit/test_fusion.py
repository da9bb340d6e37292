"""Fusion modes: every parameter learns, masking hides an input completely, weights are sane."""

import pytest
import torch

from moviegenre.modeling.fusion import FUSIONS, build_fusion

DIMS = [7, 5, 3]
G = 4


def make(name, hidden_dim=8, head_hidden_dim=0, dropout=0.3, input_dropout=0.2):
    """The fusion ``name`` with the settings it uses (``build_fusion`` picks them per mode)."""
    return build_fusion(
        name,
        DIMS,
        G,
        hidden_dim=hidden_dim,
        head_hidden_dim=head_hidden_dim,
        dropout=dropout,
        input_dropout=input_dropout,
    )


def _inputs(b=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(b, d, generator=g) for d in DIMS]


@pytest.mark.parametrize("name", sorted(FUSIONS))
def test_every_parameter_gets_a_gradient(name):
    torch.manual_seed(0)
    fusion = make(name, hidden_dim=8, head_hidden_dim=6, dropout=0.0, input_dropout=0.0)
    fusion.train()
    xs = _inputs()
    mask = torch.ones(6, len(DIMS), dtype=torch.bool)
    logits, _ = fusion(xs, mask)
    assert logits.shape == (6, G)
    logits.square().sum().backward()
    for pname, p in fusion.named_parameters():
        assert p.grad is not None, f"{name}: {pname} got no gradient"
        assert p.grad.abs().sum() > 0, f"{name}: {pname} got a zero gradient"


@pytest.mark.parametrize("name", sorted(FUSIONS))
def test_each_input_reaches_the_output(name):
    """Catches the gated-unit bug where input 2 goes through input 1's layer."""
    torch.manual_seed(0)
    fusion = make(name, hidden_dim=8, dropout=0.0, input_dropout=0.0).eval()
    xs = _inputs()
    mask = torch.ones(6, len(DIMS), dtype=torch.bool)
    base, _ = fusion(xs, mask)
    for m in range(len(DIMS)):
        changed = [x.clone() for x in xs]
        changed[m] = changed[m] + 1.0
        assert not torch.allclose(fusion(changed, mask)[0], base), f"{name}: input {m} has no effect"


@pytest.mark.parametrize("name", sorted(FUSIONS))
def test_masked_input_has_no_effect(name):
    torch.manual_seed(0)
    fusion = make(name, hidden_dim=8, dropout=0.0, input_dropout=0.0).eval()
    xs = _inputs()
    mask = torch.ones(6, len(DIMS), dtype=torch.bool)
    mask[:, 1] = False
    xs[1] = torch.zeros_like(xs[1])
    base, _ = fusion(xs, mask)
    noisy = [x.clone() for x in xs]
    noisy[1] = torch.randn_like(xs[1]) * 100
    assert torch.allclose(fusion(noisy, mask)[0], base)


@pytest.mark.parametrize("name", sorted(FUSIONS))
def test_movie_with_no_input_still_gets_finite_logits(name):
    fusion = make(name, hidden_dim=8).eval()
    logits, weights = fusion([torch.zeros(2, d) for d in DIMS], torch.zeros(2, len(DIMS), dtype=torch.bool))
    assert torch.isfinite(logits).all()
    if weights is not None:
        assert torch.isfinite(weights).all() and (weights == 0).all()


@pytest.mark.parametrize("name", ["gated", "late"])
def test_weights_are_per_movie_shares_of_present_inputs(name):
    torch.manual_seed(0)
    fusion = make(name, hidden_dim=8).eval()
    mask = torch.tensor([[1, 1, 1], [1, 0, 1], [0, 1, 0]], dtype=torch.bool)
    _, w = fusion(_inputs(3), mask)
    assert w.shape == (3, 3)
    assert torch.allclose(w.sum(1), torch.ones(3), atol=1e-5)
    assert (w[~mask] == 0).all() and (w[mask] > 0).all()


@pytest.mark.parametrize("name", ["concat", "sum"])
def test_concat_and_sum_have_no_weights(name):
    _, w = make(name, hidden_dim=8).eval()(_inputs(2), torch.ones(2, 3, dtype=torch.bool))
    assert w is None
