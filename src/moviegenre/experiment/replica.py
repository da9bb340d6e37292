"""A replica of the study's model, measured on our data and split as a baseline.

The study's design: each text input (overview, title, companies) goes through its own word
embedding + LSTM trained from scratch; the poster goes through a small CNN trained from scratch on
100x100 images; branches are fused by concatenation or summation, then a dense layer and one sigmoid
per genre. Trained briefly (a few epochs, best epoch by validation micro-F1) so all fourteen rows fit
the experiment's time budget; per-genre thresholds are tuned on validation exactly as for our model,
so the comparison is about the design, not the cut-off
(``moviegenre.modeling.thresholds``: micro-F1 objective, at least one genre per movie).

``ReplicaInputs`` holds every movie's tensors once; ``train_replica`` fits one row on index sets.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ..config import ConfigBase, setting
from ..modeling.thresholds import apply_thresholds, tune_thresholds
from ..progress import progress_bar
from .replica_inputs import TEXT_INPUTS, WordTokenizer, movie_text, poster_arrays

REPLICA_INPUTS = (*TEXT_INPUTS, "poster")
MAX_LEN = {"overview": 96, "title": 12, "companies": 16}


@dataclass(frozen=True)
class ReplicaConfig(ConfigBase):
    """The study replica's settings (the study's design, sized to fit the experiment's time budget)."""

    embed_dim: int = setting(64, min=1, help="Word embedding width.")
    hidden: int = setting(64, min=4, help="LSTM state, CNN output channels and fusion width.")
    dropout: float = setting(0.3, min=0, max=0.95, help="Dropout before the output layer.")
    epochs: int = setting(8, min=1, help="Most epochs.")
    patience: int = setting(2, min=1, help="Epochs without a better validation score before stopping.")
    batch_size: int = setting(64, min=1, help="Minibatch.")
    # from-scratch embeddings need a high rate to learn in a few epochs (2e-3: AUC ~0.53)
    lr: float = setting(1e-2, min=0, help="Adam learning rate.")
    # small LSTM steps: one thread is ~4x faster than two on a shared 2-core machine
    threads: int = setting(1, min=1, help="Torch threads.")
    poster_size: int = setting(100, min=8, max=512, help="Poster side in pixels (the study: 100).")
    max_words: int = setting(20000, min=2, help="Word vocabulary size.")
    seed: int = setting(0, help="Seed.")


@dataclass
class ReplicaInputs:
    """All movies' replica tensors: ``text[name] = (ids int64 [N, L], lengths int64 [N])``,
    ``posters uint8 [N, S, S, 3]``."""

    vocab_size: int
    text: dict = field(default_factory=dict)
    posters: np.ndarray | None = None

    @classmethod
    def build(cls, movies, train_idx, inputs, config: ReplicaConfig, cache_dir=None, progress=False):
        """Tokenizer fitted on the training movies' text only; posters decoded (or read from cache) once."""
        movies = list(movies)
        texts = {n: [movie_text(m, n) for m in movies] for n in inputs if n in TEXT_INPUTS}
        tok = WordTokenizer(config.max_words).fit(t[i] for t in texts.values() for i in train_idx)
        data = cls(tok.size)
        for name, t in texts.items():
            data.text[name] = tok.encode(t, MAX_LEN[name])
        if "poster" in inputs:
            data.posters, _ = poster_arrays(movies, config.poster_size, cache_dir, progress)
        return data


def _build_net(inputs, fusion, vocab_size, n_genres, cfg: ReplicaConfig):
    import torch
    from torch import nn

    class TextBranch(nn.Module):
        """ids [B, L], lengths [B] -> LSTM outputs averaged over the real (unpadded) steps [B, H].

        Averaging instead of the last state: with a few epochs on a few thousand movies the last
        state of a from-scratch LSTM barely learns (measured: ROC-AUC ~0.52); the mean does."""

        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(vocab_size, cfg.embed_dim, padding_idx=0)
            self.lstm = nn.LSTM(cfg.embed_dim, cfg.hidden, batch_first=True)

        def forward(self, ids, lengths):
            packed = nn.utils.rnn.pack_padded_sequence(
                self.emb(ids), lengths, batch_first=True, enforce_sorted=False
            )
            out, _ = nn.utils.rnn.pad_packed_sequence(self.lstm(packed)[0], batch_first=True)
            return out.sum(1) / lengths.unsqueeze(1).to(out.dtype)

    def poster_cnn():
        """uint8-derived float [B, 3, S, S] -> [B, H]; stride-2 stem keeps it cheap on a CPU."""
        h = cfg.hidden
        return nn.Sequential(
            nn.Conv2d(3, h // 4, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(h // 4, h // 2, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(h // 2, h, 3, padding=1),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )

    class StudyNet(nn.Module):
        """Branches -> concat (Linear over [B, M*H]) or sum (per-branch Linear, summed) -> [B, G] logits."""

        def __init__(self):
            super().__init__()
            self.inputs = list(inputs)
            self.branches = nn.ModuleDict(
                {n: poster_cnn() if n == "poster" else TextBranch() for n in inputs}
            )
            m, h = len(self.inputs), cfg.hidden
            self.fuse = (
                nn.Linear(m * h, h)
                if fusion == "concat"
                else nn.ModuleDict({n: nn.Linear(h, h) for n in self.inputs})
            )
            self.head = nn.Sequential(nn.ReLU(), nn.Dropout(cfg.dropout), nn.Linear(h, n_genres))

        def forward(self, batch):
            feats = {
                n: self.branches[n](*batch[n]) if n != "poster" else self.branches[n](batch[n])
                for n in self.inputs
            }
            if fusion == "concat":
                z = self.fuse(torch.cat([feats[n] for n in self.inputs], 1))
            else:
                z = torch.stack([self.fuse[n](feats[n]) for n in self.inputs]).sum(0)
            return self.head(z)

    return StudyNet()


def _batch(data: ReplicaInputs, inputs, idx):
    import torch

    out = {}
    for n in inputs:
        if n == "poster":
            x = torch.from_numpy(data.posters[idx]).permute(0, 3, 1, 2).float().div_(255.0)
            out[n] = x.sub_(0.5).div_(0.25)
        else:
            ids, lengths = data.text[n]
            out[n] = (torch.from_numpy(ids[idx]), torch.from_numpy(lengths[idx]))
    return out


def predict_replica(net, data, inputs, idx, batch_size=256) -> np.ndarray:
    """Probabilities float32 ``[len(idx), G]``."""
    import torch

    net.eval()
    out = []
    with torch.no_grad():
        for s in range(0, len(idx), batch_size):
            out.append(torch.sigmoid(net(_batch(data, inputs, idx[s : s + batch_size]))).numpy())
    return np.concatenate(out).astype(np.float32)


def train_replica(
    data: ReplicaInputs,
    inputs,
    fusion,
    y,
    train_idx,
    val_idx,
    config: ReplicaConfig | None = None,
    progress=False,
):
    """Fit one replica row. ``y`` uint8 ``[N, G]`` for all movies. Returns (net, thresholds [G], info)."""
    import torch

    cfg = config or ReplicaConfig()
    if fusion not in ("concat", "sum"):
        raise ValueError(f"the study fused by 'concat' or 'sum', not {fusion!r}")
    bad = [n for n in inputs if n not in REPLICA_INPUTS]
    if bad:
        raise ValueError(f"the replica has no branch for {bad}")
    threads = torch.get_num_threads()
    torch.set_num_threads(cfg.threads)
    try:
        return _train(data, inputs, fusion, y, train_idx, val_idx, cfg, progress)
    finally:
        torch.set_num_threads(threads)


def _train(data, inputs, fusion, y, train_idx, val_idx, cfg, progress):
    import torch

    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    net = _build_net(inputs, fusion, data.vocab_size, y.shape[1], cfg)
    opt = torch.optim.Adam(net.parameters(), lr=cfg.lr)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    yt = torch.from_numpy(y.astype(np.float32))
    train_idx, val_idx = np.asarray(train_idx), np.asarray(val_idx)
    best, best_state, stale, t0 = -1.0, None, 0, time.perf_counter()
    epochs = range(cfg.epochs)
    if progress:
        epochs = progress_bar(epochs, desc=f"replica {'+'.join(inputs)} {fusion}", unit="epoch", leave=False)
    for _ in epochs:
        net.train()
        order = rng.permutation(train_idx)
        for s in range(0, len(order), cfg.batch_size):
            idx = order[s : s + cfg.batch_size]
            loss = loss_fn(net(_batch(data, inputs, idx)), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        p_val = predict_replica(net, data, inputs, val_idx)
        f1 = _micro_f1(y[val_idx], apply_thresholds(p_val, tune_thresholds(y[val_idx], p_val), True))
        if f1 > best:
            best, stale = f1, 0
            best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
        else:
            stale += 1
            if stale >= cfg.patience:
                break
    net.load_state_dict(best_state)
    p_val = predict_replica(net, data, inputs, val_idx)
    thresholds = tune_thresholds(y[val_idx], p_val)
    return net, thresholds, {"val_micro_f1": best, "train_seconds": time.perf_counter() - t0}


def _micro_f1(y, pred) -> float:
    tp = int((y & pred).sum())
    denom = 2 * tp + int(((1 - y) & pred).sum()) + int((y & (1 - pred)).sum())
    return 2 * tp / denom if denom else 0.0
