"""``BundlePredictor``: a bundle (``moviegenre export``) as a predictor, with onnxruntime and numpy only.

The same inference surface as ``GenreClassifier`` (``genres_``, ``inputs_``, ``views_``,
``thresholds_``, ``predict_proba``, ``predict``, ``predict_details(movies, cache=...)``, ``evaluate``;
``modeling.predictor.Predictor``): each view's encoder is built from the saved config and its JSON
state exactly as for a model folder, only the pretrained networks run the bundle's graphs instead
of the cache's exports; the GenreNet runs as one ONNX graph. torch, scikit-learn and scipy are never
imported (a test checks it in a fresh interpreter).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..config import ClassifierConfig
from ..data.labels import GenreVocabulary
from ..errors import ModelError, MovieGenreError
from ..modeling.predictor import Predictor
from ..modeling.thresholds import sigmoid
from ..modeling.views import build_view_encoder
from ..records import Movie
from .bundle import Bundle, read_bundle
from .genrenet import OnnxGenreNet

log = logging.getLogger(__name__)
CHUNK = 1024  # movies encoded at once: bounds the dense TF-IDF features ([CHUNK, V] float32)
# every field set, for checking fitted encoder states at load
PROBE = Movie(
    key="probe",
    title="The Probe",
    overview="A made-up movie that checks the encoders work.",
    companies=("Probe Pictures",),
    year=2000,
    runtime=100.0,
    language="en",
    country="US",
    director="A. Director",
    writer="A. Writer",
    cast=("An Actor",),
    keywords=("probe",),
    tagline="It checks.",
)


class BundlePredictor(Predictor):
    """``BundlePredictor.load(folder, cache_dir=None)``; ``cache_dir`` is where pretrained features
    are cached (the user's choice, never the bundle's)."""

    def __init__(self, bundle: Bundle, *, cache_dir: str | Path | None = None):
        self.folder, self.cache_dir = bundle.folder, cache_dir
        spec, _docs = bundle.spec, bundle.docs
        self.spec = spec
        self.quantize = spec.get("quantize")
        self.config = _doc(bundle, "config.json", lambda d: ClassifierConfig.from_dict(d["config"]))
        self.genres_ = _doc(bundle, "labels.json", lambda d: [str(g) for g in d["genres"]])
        self.thresholds_ = _doc(
            bundle,
            "labels.json",
            lambda d: np.array([_unit(d["thresholds"][g]) for g in self.genres_], np.float32),
        )
        self.vocabulary_ = _doc(
            bundle,
            "labels.json",
            lambda d: GenreVocabulary.from_dict(d.get("vocabulary") or {"genres": self.genres_}),
        )
        self.inputs_ = [str(i) for i in spec["inputs"]]
        self.views_ = [str(v) for v in spec["views"]]
        if not self.views_ or not self.genres_:
            raise ModelError(f"{self.folder}/bundle.json: no views or no genres")
        self.encoders_ = {v: self._encoder(bundle, v) for v in self.views_}
        dims = [int(self.encoders_[v].dim) for v in self.views_]
        self.net_ = OnnxGenreNet(bundle.path(spec["genrenet"].get("file")), dims, len(self.genres_))
        self._smoke_test()

    @classmethod
    def load(cls, folder: str | Path, *, cache_dir: str | Path | None = None) -> BundlePredictor:
        """The predictor of the bundle at ``folder``, after checking every file (``read_bundle``)."""
        return cls(read_bundle(folder), cache_dir=cache_dir)

    def _encoder(self, bundle: Bundle, view: str):
        where = f"{self.folder}/bundle.json"
        saved = self.spec["encoders"].get(view)
        if not isinstance(saved, dict):
            raise ModelError(f"{where}: no encoder for {view!r}")
        try:
            enc = build_view_encoder(view, self.config, self.cache_dir)
        except MovieGenreError as e:
            raise ModelError(f"{where}: {e}") from None
        if (saved.get("name"), str(saved.get("version"))) != (enc.name, str(enc.version)):
            raise ModelError(
                f"{where}: {view} was encoded with {saved.get('name')}@{saved.get('version')} but this install "
                f"has {enc.name}@{enc.version}; export the model again with this version"
            )
        state = bundle.docs["vocab.json"].get(view, {})
        try:
            enc.set_state(state)
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise ModelError(f"{self.folder}/vocab.json: the state of {view} is malformed ({e!r})") from None
        if not enc.dim:
            enc.dim = int(saved.get("dim") or 0)
        if int(enc.dim) != int(saved.get("dim") or -1):
            raise ModelError(f"{where}: {view} has {saved.get('dim')} features but its state gives {enc.dim}")
        if (saved.get("network") or "") != enc.network:
            raise ModelError(
                f"{where}: {view} runs network {enc.network!r}, the bundle has {saved.get('network')!r}"
            )
        if enc.network:
            enc.graphs = bundle.network_files(enc.network)
            if self.quantize:  # other features than the full-precision network's: their own cache folder
                enc.version = f"{enc.version}+{self.quantize}"
        return enc

    def _smoke_test(self) -> None:
        """Encode one made-up movie with every fitted encoder (no network: cheap), so a malformed state
        in ``vocab.json`` is refused now, in one line, rather than failing a prediction later."""
        for view, enc in self.encoders_.items():
            if enc.network:
                continue
            try:
                feats, _ = enc.encode([PROBE], cache=False)
            except Exception as e:
                raise ModelError(
                    f"{self.folder}/vocab.json: the state of {view} does not work ({e!r})"
                ) from None
            if feats.shape != (1, enc.dim) or not np.isfinite(feats).all():
                raise ModelError(f"{self.folder}/vocab.json: the state of {view} gives unusable features")

    # -- inference -----------------------------------------------------------------------------------
    def _features(self, movies: list[Movie], *, progress: bool, cache: bool):
        feats, present = [], []
        for view in self.views_:
            enc = self.encoders_[view]
            x, p = enc.encode(movies, progress=progress, cache=cache)
            feats.append(x)
            present.append(np.asarray(p, dtype=bool))
        return feats, np.stack(present, 1)

    def _predict(self, movies: Sequence[Movie], *, progress: bool = False, cache: bool = True):
        movies = list(movies)
        probas, weights, presents = [], [], []
        for s in range(0, len(movies), CHUNK):
            feats, present = self._features(movies[s : s + CHUNK], progress=progress, cache=cache)
            logits, w = self.net_(feats, present)
            probas.append(sigmoid(logits))
            weights.append(w)
            presents.append(present)
        if not probas:
            return np.zeros((0, len(self.genres_)), np.float32), None, np.zeros((0, len(self.views_)), bool)
        has_weights = weights[0] is not None
        return (
            np.concatenate(probas),
            (np.concatenate(weights) if has_weights else None),
            np.concatenate(presents),
        )

    def __repr__(self) -> str:
        q = f", {self.quantize}" if self.quantize else ""
        return f"BundlePredictor({self.folder}, inputs={self.inputs_}, fusion={self.config.fusion!r}{q})"


def _doc(bundle: Bundle, name: str, get):
    """``get(bundle.docs[name])``; a missing or malformed entry is a ``ModelError`` naming the file."""
    try:
        return get(bundle.docs[name])
    except MovieGenreError as e:
        raise ModelError(f"{bundle.folder}/{name}: {e}") from None
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise ModelError(f"{bundle.folder}/{name}: incomplete or malformed ({e!r})") from None


def _unit(x) -> float:
    v = float(x)
    if not 0.0 <= v <= 1.0:
        raise ValueError(f"threshold {v} outside [0, 1]")
    return v
