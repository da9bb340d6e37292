"""Director and cast as an idf-weighted bag (see ``bag.BagEncoder``), fitted on TRAINING movies only.

Tokens: ``director:<name>`` and ``cast:<name>`` (the role matters: a comedian directing is not the
same signal as one acting). A person must be credited in ``people_min_count`` training movies; the
rest share the "other" slot. Features: float32 [N, V + 1]. ``present`` is False when neither the
director nor the cast is known.
"""

from __future__ import annotations

from ..records import Movie
from .bag import BagEncoder


def people_tokens(director, cast) -> tuple[str, ...] | None:
    """``("director:<d>", "cast:<c1>", ...)`` from a director and cast; None when both are unknown."""
    if director is None and cast is None:
        return None
    out: dict[str, None] = {}
    if isinstance(director, str) and director.strip():
        out.setdefault("director:" + " ".join(director.split()), None)
    for c in cast or ():
        if isinstance(c, str) and c.strip():
            out.setdefault("cast:" + " ".join(c.split()), None)
    return tuple(out)


class PeopleEncoder(BagEncoder):
    name = "people-bag"
    input_name = "people"

    def tokens(self, movie: Movie):
        return people_tokens(movie.director, movie.cast)

    def _limits(self):
        return self.config.people_min_count, self.config.bag_max_features
