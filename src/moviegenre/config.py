"""Typed configuration: the one home for defaults. Saved with every model as JSON.

Plain dataclasses; ``to_dict``/``from_dict`` round-trip through JSON. Unknown keys in a saved
config are an error (a folder written by another version says so instead of half-loading).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from .errors import ModelError

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

    def resolved_cache_dir(self) -> Path:
        return Path(self.cache_dir) if self.cache_dir else default_cache_dir()


@dataclass
class ClassifierConfig(_JsonMixin):
    """Everything that defines a classifier; saved as ``config.json`` in the model folder."""

    inputs: list[str] = field(default_factory=lambda: ["overview", "title", "companies", "poster"])
    fusion: str = "late"  # "concat" | "sum" | "gated" | "late"
    encoders: EncoderConfig = field(default_factory=EncoderConfig)
    hidden_dim: int = 256
    dropout: float = 0.3
    modality_dropout: float = 0.1
    lr: float = 1e-3
    weight_decay: float = 1e-2
    batch_size: int = 64
    max_epochs: int = 60
    patience: int = 8
    class_weighted: bool = False
    min_genre_count: int = 0  # genres rarer than this in training are dropped
    at_least_one: bool = True  # always predict at least the most probable genre
    seed: int = 0

    def __post_init__(self):
        if isinstance(self.encoders, dict):
            self.encoders = EncoderConfig.from_dict(self.encoders)
        bad = [i for i in self.inputs if i not in INPUTS]
        if bad:
            raise ValueError(f"unknown inputs {bad}; choose from {list(INPUTS)}")
        if not self.inputs:
            raise ValueError("at least one input is needed")
