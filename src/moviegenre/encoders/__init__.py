"""Encoders: one per input, one contract.

``build_encoder(input_name, config, cache_dir=...)`` for overview | title | companies | poster | metadata |
keywords | people | tagline.
``encoder.encode(movies) -> (features float32 [N, D], present bool [N])``; see ``base.Encoder``.
Which model an input uses comes from ``EncoderConfig`` (text_model, companies_model, poster_model).
Nothing heavy is imported here: torch and the networks load on first ``encode`` (``networks``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..config import INPUTS, EncoderConfig
from ..errors import ConfigError
from .base import Encoder
from .companies import CompaniesMultiHot
from .keywords import KeywordsEncoder
from .metadata import MetadataEncoder
from .people import PeopleEncoder
from .poster import PosterEncoder
from .text import MiniLMEncoder, TextEmbeddingEncoder
from .tfidf import TfidfEncoder

__all__ = ["BUILDERS", "Encoder", "build_encoder"]


def _text(name: str, config: EncoderConfig, cache_dir) -> Encoder:
    if config.text_model == "tfidf":
        return TfidfEncoder(name, config)
    return TextEmbeddingEncoder(name, config, cache_dir, config.text_model)


def _companies(name: str, config: EncoderConfig, cache_dir) -> Encoder:
    if config.companies_model == "minilm":
        return MiniLMEncoder(name, config, cache_dir)
    return CompaniesMultiHot(config)


# input name → the function that builds its encoder from the config (which model, which settings)
BUILDERS: dict[str, Callable[[str, EncoderConfig, Path | None], Encoder]] = {
    "overview": _text,
    "title": _text,
    "companies": _companies,
    "poster": lambda name, config, cache_dir: PosterEncoder(config, cache_dir),
    "metadata": lambda name, config, cache_dir: MetadataEncoder(config),
    "keywords": lambda name, config, cache_dir: KeywordsEncoder(config),
    "people": lambda name, config, cache_dir: PeopleEncoder(config),
    "tagline": _text,
}


def build_encoder(
    input_name: str, config: EncoderConfig | None = None, *, cache_dir: str | Path | None = None
) -> Encoder:
    """A fresh encoder for ``input_name`` configured by ``config``; pretrained encoders cache their
    features under ``cache_dir`` (default: ``$MOVIEGENRE_CACHE`` or ``~/.cache/moviegenre``)."""
    if input_name not in BUILDERS:
        raise ConfigError(f"unknown input {input_name!r}; choose from {', '.join(INPUTS)}")
    return BUILDERS[input_name](input_name, config or EncoderConfig(), cache_dir)
