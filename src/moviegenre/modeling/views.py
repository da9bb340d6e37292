"""Feature views: what the network sees, one view (and one late head) per feature set.

A view is an input name (``"overview"``) or an extra view of a text input (``"overview_tfidf"``: a
bag-of-words view beside the MiniLM one, late fusion only). ``feature_views(config)`` lists them;
``build_view_encoder(view, config)`` makes the encoder of one.
"""

from __future__ import annotations

from pathlib import Path

from ..config import ClassifierConfig
from ..encoders import Encoder, build_encoder
from ..encoders.tfidf import TfidfEncoder

TFIDF_SUFFIX = "_tfidf"


def feature_views(config: ClassifierConfig) -> list[str]:
    """The inputs, then ``"<input>_tfidf"`` for each ``tfidf_views`` input that is used, encoded by
    MiniLM, in late fusion (a second view of the same text; pointless when it is already TF-IDF)."""
    views = list(config.inputs)
    if config.fusion == "late" and config.encoders.text_model != "tfidf":
        views += [f"{i}{TFIDF_SUFFIX}" for i in config.tfidf_views if i in config.inputs]
    return views


def input_of(view: str) -> str:
    """The input a view reads: ``"overview_tfidf"`` → ``"overview"``."""
    return view.removesuffix(TFIDF_SUFFIX)


def build_view_encoder(view: str, config: ClassifierConfig, cache_dir: str | Path | None = None) -> Encoder:
    """The encoder of one feature view; ``cache_dir`` is where pretrained features are cached."""
    if view.endswith(TFIDF_SUFFIX):
        return TfidfEncoder(input_of(view), config.encoders)
    return build_encoder(view, config.encoders, cache_dir=cache_dir)
