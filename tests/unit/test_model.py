"""GenreNet and training on synthetic tensors: masking, modality dropout, determinism, late stacking."""

import numpy as np
import pytest
import torch

from moviegenre.config import ClassifierConfig
from moviegenre.modeling.fit import fit_network as train
from moviegenre.modeling.network import FeatureSet, GenreNet, InputNorm, predict_outputs
from moviegenre.modeling.training import micro_f1_tuned


def _data(n=300, seed=0, noise_dim=16):
    """Input 0 carries the labels, input 1 is pure noise; a third of the rows lack input 0."""
    rng = np.random.default_rng(seed)
    y = (rng.random((n, 3)) < 0.35).astype(np.uint8)
    good = (y @ rng.normal(size=(3, 12)) + 0.5 * rng.normal(size=(n, 12))).astype(np.float32)
    noise = rng.normal(size=(n, noise_dim)).astype(np.float32)
    present = np.ones((n, 2), bool)
    present[: n // 3, 0] = False
    good[~present[:, 0]] = 0
    return FeatureSet([good, noise], present, y)


def _net(fusion, data, **kw):
    return GenreNet([f.shape[1] for f in data.feats], data.y.shape[1], fusion, hidden_dim=16, **kw)


def test_input_norm_keeps_absent_rows_zero():
    norm = InputNorm(3)
    x = np.array([[1, 2, 3], [3, 2, 1], [0, 0, 0]], np.float32)
    present = np.array([True, True, False])
    norm.fit(x, present)
    out = norm(torch.from_numpy(x), torch.from_numpy(present))
    assert (out[2] == 0).all()
    assert torch.allclose(out[:2].mean(0), torch.zeros(3), atol=1e-6)


def test_modality_dropout_only_in_training_and_keeps_one_input():
    data = _data()
    net = _net("concat", data, modality_dropout=0.9)
    mask = torch.ones(500, 2, dtype=torch.bool)
    net.train()
    dropped = net.drop_modalities(mask)
    assert dropped.any(1).all() and not dropped.all()
    net.eval()
    assert torch.equal(net.drop_modalities(mask), mask)


@pytest.mark.parametrize("fusion", ["concat", "sum", "gated", "late"])
def test_training_is_deterministic_and_learns(fusion):
    data = _data()
    train_part, val_part = data.take(slice(0, 200)), data.take(slice(200, 300))
    cfg = ClassifierConfig(
        fusion=fusion, inputs=["overview", "poster"], max_epochs=15, patience=4, stack_folds=3
    )
    outs = []
    for _ in range(2):
        torch.manual_seed(0)  # the classifier seeds before building the net too
        net = _net(fusion, data)
        history = train(net, train_part, val_part, cfg)
        outs.append(predict_outputs(net, val_part)[0])
    assert np.array_equal(outs[0], outs[1])
    assert history["val_micro_f1"] > 0.6  # labels are easy to read from input 0


@pytest.mark.parametrize("head_hidden_dim", [0, 8])
def test_late_stacker_trusts_the_informative_input_more(head_hidden_dim):
    data = _data(600)
    cfg = ClassifierConfig(
        fusion="late",
        inputs=["overview", "poster"],
        max_epochs=20,
        patience=5,
        stack_folds=3,
        head_hidden_dim=head_hidden_dim,
    )
    torch.manual_seed(0)
    net = _net("late", data, head_hidden_dim=head_hidden_dim)
    train(net, data.take(slice(0, 400)), data.take(slice(400, 600)), cfg)
    w = torch.nn.functional.softplus(net.fusion.w).detach().numpy()  # [M, G]
    assert (w[0] > w[1]).all()
    # on the validation movies that have the informative input, the stack is no worse than its head alone
    val = data.take(slice(400, 600))
    rows = val.present[:, 0]
    xs, mask, _ = val.tensors()
    with torch.no_grad():
        alone = torch.sigmoid(net.fusion.head_logits(net.normalise(xs, mask))[:, 0]).numpy()
    logits, weights = predict_outputs(net, val)
    stacked = micro_f1_tuned(val.y[rows], 1 / (1 + np.exp(-logits[rows])))
    assert stacked >= micro_f1_tuned(val.y[rows], alone[rows]) - 0.02
    assert np.allclose(weights.sum(1), 1, atol=1e-5)


def test_class_weighted_loss_trains():
    data = _data()
    cfg = ClassifierConfig(fusion="sum", inputs=["overview", "poster"], max_epochs=5, class_weighted=True)
    net = _net("sum", data)
    assert train(net, data.take(slice(0, 200)), data.take(slice(200, 300)), cfg)["epochs"] >= 1
