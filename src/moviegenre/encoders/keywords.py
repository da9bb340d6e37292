"""TMDB keywords as an idf-weighted bag (see ``bag.BagEncoder``), fitted on TRAINING movies only.

Tokens: each keyword, lower-cased with its spaces normalised ("based on novel"), plus each of its
words ("w:novel"), so "alien invasion" and "alien planet" share "w:alien". A keyword or word must be
in ``keywords_min_count`` training movies. Features: float32 [N, V + 1]. ``present`` is False when
the keywords are unknown (``None``) or the source lists none (``()``).
"""

from __future__ import annotations

from ..records import Movie
from .bag import BagEncoder

WORD = "w:"


def keyword_tokens(keywords, words: bool = True) -> tuple[str, ...] | None:
    """``("Based on Novel", ...)`` → ``("based on novel", "w:based", "w:on", "w:novel", ...)``."""
    if keywords is None:
        return None
    out: dict[str, None] = {}
    for k in keywords:
        if not isinstance(k, str):
            continue
        parts = k.lower().split()
        if not parts:
            continue
        out.setdefault(" ".join(parts), None)
        if words and len(parts) > 1:
            for p in parts:
                out.setdefault(WORD + p, None)
    return tuple(out)


class KeywordsEncoder(BagEncoder):
    name = "keywords-bag"
    input_name = "keywords"
    words = True  # keywords' words as tokens too (measured: see docs/model.md)

    def tokens(self, movie: Movie):
        return keyword_tokens(movie.keywords, self.words)

    def _limits(self):
        return self.config.keywords_min_count, self.config.bag_max_features
