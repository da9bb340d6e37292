"""Typed configuration: the one home for defaults. Saved with every model as JSON.

Plain dataclasses; ``to_dict``/``from_dict`` round-trip through JSON. Unknown keys in a saved
config are an error (a folder written by another version says so instead of half-loading).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from .errors import ModelError, MovieGenreError

INPUTS = ("overview", "title", "companies", "poster", "metadata")


def default_cache_dir() -> Path:
    """``$MOVIEGENRE_CACHE`` or ``$XDG_CACHE_HOME/moviegenre`` or ``~/.cache/moviegenre``."""
    if env := os.environ.get("MOVIEGENRE_CACHE"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "moviegenre"


class _JsonMixin:
    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict):
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ModelError(f"{cls.__name__}: unknown keys {sorted(unknown)} (written by another version?)")
        return cls(**d)


@dataclass
class EncoderConfig(_JsonMixin):
    """How each input is turned into features (see ``moviegenre.encoders``)."""

    text_model: str = "minilm"  # overview/title: "minilm" | "tfidf"
    companies_model: str = "multihot"  # "multihot" | "minilm"
    poster_model: str = "lite0"  # "lite0" | "lite2"
    backend: str = "auto"  # "auto" (onnxruntime when installed) | "torch" | "onnx"
    batch_size: int = 64
    tfidf_max_features: int = 20000
    companies_top_n: int = 500
    cache_dir: str | None = None  # None: default_cache_dir()
    # poster network input height x width; 224x160 keeps the posters' ~2:3 shape near their native
    # 268x182 (no squashing, 29% less compute than 224x224). Part of the feature cache key.
    poster_size: int = 224
    poster_width: int = 160
    decode_workers: int = 2  # threads reading/decoding/resizing posters ahead of inference
    metadata_top_n: int = 30  # languages / countries one-hot encoded (most frequent in training)
    tfidf_min_df: int = 2  # a word must be in this many training texts

    def resolved_cache_dir(self) -> Path:
        return Path(self.cache_dir) if self.cache_dir else default_cache_dir()


class ConfigError(MovieGenreError, ValueError):
    """A configuration value that makes no sense (unknown input, fusion, ...)."""


@dataclass
class ClassifierConfig(_JsonMixin):
    """Everything that defines a classifier; saved as ``config.json`` in the model folder.

    The defaults are the measured best on ``../shared/data/movies``: ``late`` fusion of
    logistic-regression-like per-input heads, combined by a stacker fitted on out-of-fold
    predictions, with per-genre thresholds tuned on validation.
    """

    inputs: list[str] = field(default_factory=lambda: ["overview", "title", "companies", "poster"])
    fusion: str = "late"  # "concat" | "sum" | "gated" | "late"
    encoders: EncoderConfig = field(default_factory=EncoderConfig)
    hidden_dim: int = 256  # width of the per-input projections (concat / sum / gated)
    head_hidden_dim: int = (
        0  # late fusion: 0 = linear (logistic-regression-like) heads, >0 = one hidden layer
    )
    dropout: float = 0.3
    input_dropout: float = 0.2  # dropout on the raw features before any layer
    modality_dropout: float = 0.1  # chance, per movie and input, that a present input is hidden in training
    lr: float = 1e-3
    weight_decay: float = 1e-2
    batch_size: int = 64
    max_epochs: int = 60
    patience: int = 8
    class_weighted: bool = False  # BCE with per-genre positive weights (capped), for rare genres
    # late fusion: an extra TF-IDF head ("<input>_tfidf") beside each listed text input's MiniLM head
    # (only when that input is used and encoded by MiniLM). Overview: +0.008 micro-F1, +0.02 mAP (3 splits).
    tfidf_views: list[str] = field(default_factory=lambda: ["overview"])
    head_l2_grid: list[float] = field(
        default_factory=lambda: [0.1, 0.03, 0.01, 0.003, 0.001]
    )  # late, linear heads
    stack_folds: int = 5  # late fusion: folds for the out-of-fold predictions the stacker learns from
    threshold_objective: str = "micro"  # "micro": thresholds maximise micro-F1; "per_genre": each genre's F1
    min_genre_count: int = 0  # genres rarer than this in training are dropped
    at_least_one: bool = True  # always predict at least the most probable genre
    seed: int = 0

    def __post_init__(self):
        if isinstance(self.encoders, dict):
            self.encoders = EncoderConfig.from_dict(self.encoders)
        self.inputs = list(self.inputs)
        bad = [i for i in self.inputs if i not in INPUTS]
        if bad:
            raise ConfigError(f"unknown inputs {bad}; choose from {list(INPUTS)}")
        if not self.inputs:
            raise ConfigError("at least one input is needed")
        if len(set(self.inputs)) != len(self.inputs):
            raise ConfigError(f"inputs listed twice: {self.inputs}")
        if self.fusion not in ("concat", "sum", "gated", "late"):
            raise ConfigError(f"unknown fusion {self.fusion!r}; choose from concat, sum, gated, late")
        self.tfidf_views = list(self.tfidf_views)
        bad = [v for v in self.tfidf_views if v not in ("overview", "title")]
        if bad:
            raise ConfigError(f"tfidf_views {bad}: only overview and title have a TF-IDF view")
        if self.threshold_objective not in ("micro", "per_genre"):
            raise ConfigError(f"unknown threshold_objective {self.threshold_objective!r}")
