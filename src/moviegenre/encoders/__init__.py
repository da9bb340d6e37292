"""Encoders: one per input, one contract.

``build_encoder(input_name, config) -> Encoder`` for overview | title | companies | poster | metadata.
``encoder.encode(movies) -> (features float32 [N, D], present bool [N])``; see ``base.Encoder``.
Which model an input uses comes from ``EncoderConfig`` (text_model, companies_model, poster_model).
Nothing heavy is imported here: torch and the networks load on first ``encode``.
"""

from __future__ import annotations

from ..config import INPUTS, EncoderConfig
from ..errors import ModelError
from .base import Encoder

__all__ = ["Encoder", "build_encoder", "encoder_names"]


def build_encoder(input_name: str, config: EncoderConfig | None = None) -> Encoder:
    """A fresh encoder for ``input_name`` configured by ``config``."""
    config = config or EncoderConfig()
    if input_name in ("overview", "title"):
        if config.text_model == "minilm":
            from .text import MiniLMEncoder

            return MiniLMEncoder(input_name, config)
        if config.text_model == "tfidf":
            from .tfidf import TfidfEncoder

            return TfidfEncoder(input_name, config)
        raise ModelError(f"unknown text_model {config.text_model!r}; choose minilm or tfidf")
    if input_name == "companies":
        if config.companies_model == "multihot":
            from .companies import CompaniesMultiHot

            return CompaniesMultiHot(config)
        if config.companies_model == "minilm":
            from .text import MiniLMEncoder

            return MiniLMEncoder("companies", config)
        raise ModelError(f"unknown companies_model {config.companies_model!r}; choose multihot or minilm")
    if input_name == "poster":
        from .poster import PosterEncoder

        return PosterEncoder(config)
    if input_name == "metadata":
        from .metadata import MetadataEncoder

        return MetadataEncoder(config)
    raise ModelError(f"unknown input {input_name!r}; choose from {list(INPUTS)}")


def encoder_names(config: EncoderConfig | None = None) -> dict[str, str]:
    """input → encoder name under ``config`` (cheap: builds no network)."""
    return {i: build_encoder(i, config).name for i in INPUTS}
