"""moviegenre: multi-label movie genre prediction from overview, title, companies, poster and metadata.

Public API (imported lazily so that ``import moviegenre`` is instant and pulls no torch):
``GenreClassifier``, ``ClassifierConfig``, ``EncoderConfig``, ``Movie``, ``Dataset``, ``read_movies``,
``make_split``, ``Split``, ``run_experiment``, ``evaluate_predictions`` and the errors.

The package, in the order data flows through it: ``records`` (the ``Movie``) → ``data`` (readers,
labels, splits) → ``encoders`` (features per input, the cache) → ``modeling`` (fusion, training,
thresholds, ``GenreClassifier``, the model folder) → ``experiment`` / ``serving`` / ``download`` →
``cli``. ``config`` (every default), ``errors``, ``files`` and ``metrics`` serve every layer.
"""

from importlib import import_module

__version__ = "0.1.0"

_LAZY = {
    "Movie": "moviegenre.records",
    "Dataset": "moviegenre.records",
    "read_movies": "moviegenre.data",
    "make_split": "moviegenre.data.split",
    "Split": "moviegenre.data.split",
    "GenreClassifier": "moviegenre.modeling.classifier",
    "ClassifierConfig": "moviegenre.config",
    "EncoderConfig": "moviegenre.config",
    "run_experiment": "moviegenre.experiment.run",
    "evaluate_predictions": "moviegenre.metrics",
    "MovieGenreError": "moviegenre.errors",
    "DataError": "moviegenre.errors",
    "ModelError": "moviegenre.errors",
    "ConfigError": "moviegenre.errors",
}

__all__ = [*_LAZY, "__version__"]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'moviegenre' has no attribute {name!r}")
