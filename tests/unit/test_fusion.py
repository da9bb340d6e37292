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


def test_late_combiner_by_hand():
    """``logit_g = b_g + Σ_m mask_m · (softplus(w_mg) · z_mg + c_mg)``; weights: shares of |softplus(w)·z|."""
    from torch.nn import functional as F

    late = make("late")
    with torch.no_grad():
        late.w.copy_(torch.randn(3, G, generator=torch.Generator().manual_seed(1)))
        late.c.copy_(torch.randn(3, G, generator=torch.Generator().manual_seed(2)))
        late.b.copy_(torch.randn(G, generator=torch.Generator().manual_seed(3)))
    z = torch.randn(2, 3, G, generator=torch.Generator().manual_seed(4))
    mask = torch.tensor([[True, False, True], [True, True, True]])
    logits, weights = late.combine(z, mask)
    sw = F.softplus(late.w).detach()
    for i in range(2):
        want = late.b.detach() + sum(sw[m] * z[i, m] + late.c.detach()[m] for m in range(3) if mask[i, m])
        assert torch.allclose(logits[i], want, atol=1e-5)
        share = torch.tensor([(sw[m] * z[i, m]).abs().sum() if mask[i, m] else 0.0 for m in range(3)])
        assert torch.allclose(weights[i], share / share.sum(), atol=1e-5)


def test_late_fusion_starts_as_a_plain_sum_with_dropout_before_each_linear_head():
    from torch import nn
    from torch.nn import functional as F

    late = make("late", input_dropout=0.1)
    assert torch.allclose(F.softplus(late.w), torch.ones(3, G), atol=1e-4)
    assert late.c.shape == (3, G) and not late.c.any() and not late.b.any()
    head = late.heads[0]
    assert [type(layer) for layer in head] == [nn.Dropout, nn.Linear] and head[0].p == 0.1
    # (settings other than the defaults, so that build_fusion must pass them on)
    hidden = make("late", head_hidden_dim=1, dropout=0.4, input_dropout=0.1).heads[
        0
    ]  # 1 unit: a hidden layer
    assert [type(layer) for layer in hidden] == [nn.Dropout, nn.Linear, nn.GELU, nn.Dropout, nn.Linear]
    assert (hidden[0].p, hidden[3].p, hidden[1].out_features) == (0.1, 0.4, 1)


def test_projection_layers():
    from torch import nn

    for name in ("concat", "sum"):
        proj = make(name, hidden_dim=8, dropout=0.4, input_dropout=0.1).proj[0]
        assert [type(layer) for layer in proj] == [nn.Dropout, nn.Linear, nn.GELU, nn.Dropout]
        assert (proj[0].p, proj[3].p, proj[1].out_features) == (0.1, 0.4, 8)


def test_unknown_fusion_names_the_choices():
    from moviegenre.errors import ConfigError

    with pytest.raises(ConfigError, match=r"unknown fusion 'nope'; choose from concat, sum, gated, late"):
        make("nope")


def test_sum_is_a_mean_over_the_present_inputs():
    """Two copies of the same input present give what one gives: each movie's sum is divided by its
    own count of inputs (the batch mixes movies with two and with one)."""
    from moviegenre.modeling.fusion import SumFusion

    fusion = SumFusion([5, 5], G, hidden_dim=8).eval()
    fusion.proj[1].load_state_dict(fusion.proj[0].state_dict())
    x = torch.randn(1, 5, generator=torch.Generator().manual_seed(0)).expand(3, 5)
    out, _ = fusion([x, x], torch.tensor([[True, True], [True, False], [False, True]]))
    assert torch.allclose(out[0], out[1], atol=1e-5) and torch.allclose(out[0], out[2], atol=1e-5)


def test_late_weights_sum_to_one_even_for_tiny_logits():
    late = make("late")
    z = torch.full((2, 3, G), 1e-4)
    _, weights = late.combine(z, torch.ones(2, 3, dtype=torch.bool))
    assert torch.allclose(weights.sum(1), torch.ones(2), atol=1e-5)
