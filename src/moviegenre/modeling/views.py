"""Feature views: what the network sees, one view (and one late head) per feature set.

A view is an input name (``"overview"``) or an extra bag-of-words view (late fusion only):
``"<input>_tfidf"`` (TF-IDF of one text input beside its MiniLM view) or ``"text_tfidf"`` (TF-IDF of
all the words a movie has among the model's text inputs: title, overview, tagline and keywords, as
one bag — the words a sentence embedding blurs, and the keywords' words beside the overview's).
``feature_views(config)`` lists them; ``build_view_encoder(view, config)`` makes the encoder of one;
``inputs_of(view, inputs)`` says which inputs a view reads.
"""

from __future__ import annotations

from pathlib import Path

from ..config import ClassifierConfig
from ..encoders import Encoder, build_encoder
from ..encoders.base import text_content
from ..encoders.tfidf import TfidfEncoder

TFIDF_SUFFIX = "_tfidf"
TEXT = "text"  # the all-text bag: one view over several inputs
TEXT_INPUTS = ("title", "overview", "tagline", "keywords")  # what it reads, in this order
FREE_TEXT = ("title", "overview", "tagline")  # at least one of them makes a text view worth having


def feature_views(config: ClassifierConfig) -> list[str]:
    """The inputs, then ``"<name>_tfidf"`` for each ``tfidf_views`` entry that applies: late fusion,
    text encoded by MiniLM (pointless when it is TF-IDF already), and the input used (``text``: any
    of title, overview, tagline)."""
    views = list(config.inputs)
    if config.fusion == "late" and config.encoders.text_model != "tfidf":
        for name in config.tfidf_views:
            used = any(i in config.inputs for i in FREE_TEXT) if name == TEXT else name in config.inputs
            if used:
                views.append(f"{name}{TFIDF_SUFFIX}")
    return views


def inputs_of(view: str, inputs) -> tuple[str, ...]:
    """The inputs a view reads: ``"overview_tfidf"`` → ``("overview",)``; ``"text_tfidf"`` → the
    model's text inputs."""
    base = view.removesuffix(TFIDF_SUFFIX)
    if base == TEXT and view != base:
        return tuple(i for i in TEXT_INPUTS if i in inputs)
    return (base,)


class TextTfidfEncoder(TfidfEncoder):
    """TF-IDF of the words of several text fields joined (``fields``: a subset of ``TEXT_INPUTS``)."""

    def __init__(self, fields: tuple[str, ...], config=None):
        super().__init__(TEXT, config)
        self.fields = tuple(fields)

    def content(self, movie):
        parts = []
        for f in self.fields:
            v = getattr(movie, f)
            if isinstance(v, str):
                parts.append(v.strip())
            elif v:  # keywords: each one's words
                parts.extend(k for k in v if isinstance(k, str))
        return text_content(" ".join(p for p in parts if p))


def build_view_encoder(view: str, config: ClassifierConfig, cache_dir: str | Path | None = None) -> Encoder:
    """The encoder of one feature view; ``cache_dir`` is where pretrained features are cached."""
    if view == f"{TEXT}{TFIDF_SUFFIX}":
        return TextTfidfEncoder(inputs_of(view, config.inputs), config.encoders)
    if view.endswith(TFIDF_SUFFIX):
        return TfidfEncoder(view.removesuffix(TFIDF_SUFFIX), config.encoders)
    return build_encoder(view, config.encoders, cache_dir=cache_dir)
