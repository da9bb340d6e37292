"""Text inputs through all-MiniLM-L6-v2: overview, title, and company names.

Features: float32 [N, 384], L2-normalised. ``present`` is False when the text is missing or blank
(companies: when unknown, i.e. ``None``; an empty list is a real "none listed" and is encoded).
"""

from __future__ import annotations

import numpy as np

from ..records import Movie
from .base import Encoder, text_content, valid_unicode
from .networks import text_files, text_model

MINILM_DIM = 384


class MiniLMEncoder(Encoder):
    """Sentence embedding of one text field of a movie."""

    version = "minilm-l6-v2.1"
    dim = MINILM_DIM
    network = "minilm-l6-v2"

    def __init__(self, input_name: str, config=None, cache_dir=None):
        super().__init__(config, cache_dir)
        self.input_name = input_name
        self.name = f"{input_name}-minilm"

    def content(self, movie: Movie):
        if self.input_name == "companies":
            return None if movie.companies is None else valid_unicode("; ".join(movie.companies))
        return text_content(getattr(movie, self.input_name))

    def network_files(self):
        return text_files(self.cache_dir)

    def _compute(self, contents, progress=False):
        model = text_model(self.config.backend, self.cache_dir, self.graphs)
        # texts are deduplicated: the same title or company list is embedded once per batch
        uniq = list(dict.fromkeys(contents))
        emb = model.embed(uniq, batch_size=self.config.batch_size, progress=progress)
        pos = {t: i for i, t in enumerate(uniq)}
        feats = emb[[pos[t] for t in contents]] if contents else np.zeros((0, self.dim), np.float32)
        return feats.astype(np.float32), np.ones(len(contents), dtype=bool), {}
