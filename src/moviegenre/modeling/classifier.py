"""``GenreClassifier``: the one object the CLI, the service and users talk to.

scikit-learn verbs: ``fit(train, val)`` → self; ``predict_proba`` → ``float32 [N, G]`` (columns =
``genres_``); ``predict`` → genre tuples; ``predict_details`` → genres, scores and per-input
weights; ``evaluate`` → the metrics report (those four shared with ``BundlePredictor`` through
``predictor.Predictor``); ``save(dir)`` / ``GenreClassifier.load(dir)``.
Learned state ends in ``_``: ``genres_``, ``thresholds_``, ``inputs_``, ``views_`` (the inputs plus any
extra TF-IDF view, one late head each; ``feature_views``), ``encoders_`` (per view), ``net_``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ..config import ClassifierConfig
from ..data.labels import GenreVocabulary
from ..errors import ConfigError, DataError, ModelError
from ..records import Movie
from . import folder
from .fit import fit_network
from .head_cache import HeadCache
from .network import FeatureSet, GenreNet, predict_outputs
from .predictor import Predictor
from .thresholds import sigmoid, tune_thresholds
from .training import seed_everything
from .views import build_view_encoder, feature_views

log = logging.getLogger(__name__)


class GenreClassifier(Predictor):
    """Multi-label genre classifier over any subset of overview, title, companies, poster, metadata.

    ``GenreClassifier(config=None, **overrides)``, e.g.
    ``GenreClassifier(inputs=["overview"], fusion="gated")``.
    """

    def __init__(
        self, config: ClassifierConfig | None = None, *, cache_dir: str | Path | None = None, **overrides
    ):
        config = config or ClassifierConfig()
        if overrides:
            unknown = sorted(set(overrides) - {f.name for f in fields(ClassifierConfig)})
            if unknown:
                raise ConfigError(f"unknown classifier settings {unknown}")
            config = config.replace(**overrides)
        self.config = config
        # where pretrained features are cached: the user's choice (None: $MOVIEGENRE_CACHE or
        # ~/.cache/moviegenre), never part of the config a model folder carries
        self.cache_dir = cache_dir

    # -- fitting ---------------------------------------------------------------------------------------
    def fit(
        self,
        train: Sequence[Movie],
        val: Sequence[Movie],
        *,
        progress: bool = False,
        head_cache: HeadCache | None = None,
    ) -> GenreClassifier:
        """Fit encoders (fitted ones on ``train`` only), the network on ``train``; early stopping and
        per-genre thresholds on ``val``.

        ``head_cache``: share one ``HeadCache`` between late-fusion fits on the same split (as the
        experiment does) so each input's head is fitted once, not once per model."""
        cfg = self.config
        train, val = list(train), list(val)
        if not train:
            raise DataError("no training movies")
        if not val:
            raise DataError("no validation movies: early stopping and thresholds need some")
        self.vocabulary_ = GenreVocabulary(min_count=cfg.min_genre_count).fit(train)
        self.genres_ = list(self.vocabulary_.genres_)
        y_train, y_val = self.vocabulary_.transform(train), self.vocabulary_.transform(val)

        self.inputs_ = list(cfg.inputs)
        self.views_ = feature_views(cfg)
        self.encoders_ = {}
        for name in self.views_:
            enc = build_view_encoder(name, cfg, self.cache_dir)
            if all(enc.content(m) is None for m in train):  # cheap check before any encoding
                raise DataError(f"no training movie has a {name}: drop it from the inputs")
            self.encoders_[name] = enc.fit(train)
        feats_train, present_train = self._features(train, progress=progress)
        feats_val, present_val = self._features(val, progress=progress)
        self._check_present(present_train, "training")

        seed_everything(cfg.seed)  # the initial weights are part of what the seed fixes
        self.net_ = GenreNet.from_config([f.shape[1] for f in feats_train], len(self.genres_), cfg)
        self.history_ = fit_network(
            self.net_,
            FeatureSet(feats_train, present_train, y_train),
            FeatureSet(feats_val, present_val, y_val),
            cfg,
            progress,
            head_cache,
        )
        proba_val = self._proba_from(FeatureSet(feats_val, present_val))[0]
        oof = self.history_.pop("oof_proba", None)
        if oof is not None:  # late fusion: out-of-fold training predictions join validation
            self.thresholds_ = tune_thresholds(
                np.concatenate([y_train, y_val]),
                np.concatenate([oof, proba_val]),
                objective=cfg.threshold_objective,
                macro_weight=cfg.threshold_macro_weight,
            )
        else:
            self.thresholds_ = tune_thresholds(
                y_val, proba_val, objective=cfg.threshold_objective, macro_weight=cfg.threshold_macro_weight
            )
        self.val_report_ = self._report(y_val, proba_val)
        self.training_summary_ = {
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "train_movies": len(train),
            "val_movies": len(val),
            "sources": sorted({getattr(d, "source", "") for d in (train, val) if getattr(d, "source", "")}),
            "genre_counts": dict(self.vocabulary_.counts_),
            "dropped_genres": list(self.vocabulary_.dropped_),
            "inputs_present_train": {n: int(present_train[:, m].sum()) for m, n in enumerate(self.views_)},
            "history": {k: v for k, v in self.history_.items() if k != "history"},
        }
        log.info(
            "fitted %s on %s: val micro-F1 %.3f",
            cfg.fusion,
            "+".join(self.inputs_),
            self.val_report_["micro_f1"],
        )
        return self

    def _check_present(self, present: np.ndarray, part: str) -> None:
        for m, name in enumerate(self.views_):
            if not present[:, m].any():
                raise DataError(f"no {part} movie has a usable {name}: drop it from --inputs")

    # -- features --------------------------------------------------------------------------------------
    def _features(self, movies: Sequence[Movie], *, progress: bool = False, cache: bool = True):
        """Per view ``float32 [N, D_m]`` (CSR for a bag: TF-IDF, keywords, people) and presence ``bool [N, M]``.

        Unusable inputs are logged and masked."""
        self._check_fitted()
        feats, present = [], []
        for name in self.views_:
            enc = self.encoders_[name]
            if hasattr(enc, "encode_sparse"):  # bags of words / keywords / people stay sparse (CSR)
                x, p = enc.encode_sparse(movies)
                feats.append(x)
                present.append(np.asarray(p, dtype=bool))
                continue
            x, p = enc.encode(movies, progress=progress, cache=cache)
            skipped = getattr(enc, "skipped", None)
            if skipped:
                log.warning(
                    "%s: %d movies without a usable %s (%s); predicted from the other inputs",
                    enc.name,
                    sum(skipped.values()),
                    name,
                    dict(skipped),
                )
            feats.append(np.asarray(x, dtype=np.float32))
            present.append(np.asarray(p, dtype=bool))
        present = np.stack(present, 1) if present else np.zeros((len(movies), 0), bool)
        return feats, present

    def _proba_from(self, data: FeatureSet):
        logits, weights = predict_outputs(self.net_, data)
        return sigmoid(logits), weights

    def _check_fitted(self) -> None:
        if not hasattr(self, "encoders_"):
            raise ModelError("this GenreClassifier is not fitted yet: call fit(train, val) or load(dir)")

    # -- inference (predict_proba, predict, predict_details, evaluate: ``Predictor``) -------------------
    def _predict(self, movies, *, progress=False, cache=True):
        movies = list(movies)
        if not movies:
            self._check_fitted()
            return np.zeros((0, len(self.genres_)), np.float32), None, np.zeros((0, len(self.views_)), bool)
        feats, present = self._features(movies, progress=progress, cache=cache)
        proba, weights = self._proba_from(FeatureSet(feats, present))
        return proba, weights, present

    # -- persistence -----------------------------------------------------------------------------------
    def save(self, path, *, extra_metrics: dict | None = None):
        """Write the model folder (see ``moviegenre.modeling.folder``); returns its path."""
        self._check_fitted()
        return folder.save_classifier(self, path, extra_metrics=extra_metrics)

    @classmethod
    def load(cls, path, *, cache_dir: str | Path | None = None) -> GenreClassifier:
        """Rebuild a classifier from a folder written by ``save``; refuses other format versions."""
        return folder.load_classifier(cls, path, cache_dir=cache_dir)

    def __repr__(self) -> str:
        fitted = f", {len(self.genres_)} genres" if hasattr(self, "genres_") else ", unfitted"
        return f"GenreClassifier(inputs={self.config.inputs}, fusion={self.config.fusion!r}{fitted})"
