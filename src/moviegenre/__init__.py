"""moviegenre: multi-label movie genre prediction from overview, title, companies, poster and metadata.

Public API (imported lazily so that ``import moviegenre`` is instant and pulls no torch):
``GenreClassifier``, ``ClassifierConfig``, ``Movie``, ``Dataset``, ``read_movies``.
"""

from importlib import import_module

__version__ = "0.1.0"

_LAZY = {
    "Movie": "moviegenre.records",
    "Dataset": "moviegenre.records",
    "read_movies": "moviegenre.data",
    "GenreClassifier": "moviegenre.classifier",
    "ClassifierConfig": "moviegenre.config",
    "EncoderConfig": "moviegenre.config",
}

__all__ = [*_LAZY, "__version__"]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'moviegenre' has no attribute {name!r}")
